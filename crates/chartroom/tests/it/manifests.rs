//! SHA-256 manifests: every export writes one, `verify-manifest` checks it, and an import
//! refuses a delivery whose manifest does not match, naming the file.

use super::cli::{chartroom, stdout};
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn failed(output: &std::process::Output) -> String {
    assert!(!output.status.success(), "expected a failure");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn exports_carry_a_manifest_that_verify_manifest_checks() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "20"]));
    for format in ["--csv", "--ndjson"] {
        let out = dir.path().join(format.trim_start_matches('-'));
        stdout(&chartroom(
            &data,
            &["export", format, out.to_str().unwrap()],
        ));
        let listed = std::fs::read_to_string(out.join("manifest.sha256")).unwrap();
        let n_files = std::fs::read_dir(&out).unwrap().count() - 1;
        assert_eq!(listed.lines().count(), n_files, "{listed}");
        let verified = stdout(&chartroom(
            &data,
            &["verify-manifest", out.to_str().unwrap()],
        ));
        assert!(
            verified.contains(&format!("{n_files} files match")),
            "{verified}"
        );

        let victim = if format == "--csv" {
            "patients.csv"
        } else {
            "Patient.ndjson"
        };
        let mut bytes = std::fs::read(out.join(victim)).unwrap();
        bytes.push(b'\n');
        std::fs::write(out.join(victim), bytes).unwrap();
        let output = chartroom(&data, &["verify-manifest", out.to_str().unwrap()]);
        let said = String::from_utf8_lossy(&output.stdout);
        assert!(
            said.contains(&format!("{victim}: SHA-256 differs")),
            "{said}"
        );
        assert!(failed(&output).contains("1 of"), "exit 1 naming the count");
    }
}

#[test]
fn an_import_whose_manifest_fails_stores_nothing_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let delivery = dir.path().join("delivery");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop/tests/fixtures/synthea-mini"),
        &delivery,
    );
    let names: Vec<String> = std::fs::read_dir(&delivery)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    manifest::record(&delivery, &names).unwrap();
    stdout(&chartroom(&data, &["init"]));

    let patients = delivery.join("patients.csv");
    let original = std::fs::read(&patients).unwrap();
    let mut changed = original.clone();
    changed.extend_from_slice(b"\n");
    std::fs::write(&patients, &changed).unwrap();
    let refused = failed(&chartroom(&data, &["import", delivery.to_str().unwrap()]));
    assert!(
        refused.contains("patients.csv: SHA-256 differs")
            && refused.contains("nothing was imported"),
        "{refused}"
    );
    let stats = stdout(&chartroom(&data, &["--json", "stats"]));
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(
        stats["records"][0],
        serde_json::json!(["patients", 0]),
        "{stats}"
    );
    let audit = stdout(&chartroom(
        &data,
        &["audit", "list", "--outcome", "failure"],
    ));
    assert!(audit.contains("refused"), "{audit}");

    // A file slipped in beside the listed ones is refused too.
    std::fs::write(&patients, &original).unwrap();
    std::fs::write(delivery.join("extra.csv"), "Id\n1\n").unwrap();
    let refused = failed(&chartroom(&data, &["import", delivery.to_str().unwrap()]));
    assert!(refused.contains("extra.csv: not listed"), "{refused}");
    std::fs::remove_file(delivery.join("extra.csv")).unwrap();

    let imported = stdout(&chartroom(&data, &["import", delivery.to_str().unwrap()]));
    assert!(imported.contains("rows stored"), "{imported}");
}
