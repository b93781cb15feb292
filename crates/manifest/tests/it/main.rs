//! Integration tests of the manifest: written, read back, checked, and tampering found.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)] // Tests fail by panicking.

use manifest::{FileVerdict, MANIFEST_FILE, Manifest, Problem, check_dir, check_file, record};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn recorded_files_check_and_sha256sum_format_is_written() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "patients.csv", "id,name\n1,Ann\n");
    write(dir.path(), "empty.csv", "");
    let manifest = record(dir.path(), &["patients.csv", "empty.csv"]).unwrap();
    assert_eq!(manifest.len(), 2);
    let text = std::fs::read_to_string(dir.path().join(MANIFEST_FILE)).unwrap();
    // The empty file's digest is SHA-256 of nothing; names in order, two spaces.
    assert_eq!(
        text.lines().next().unwrap(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  empty.csv"
    );
    let check = check_dir(dir.path()).unwrap().unwrap();
    assert!(check.passed());
    assert_eq!(check.matched, ["empty.csv", "patients.csv"]);
    assert!(check.unlisted.is_empty());
}

#[test]
fn a_changed_file_is_named_with_both_digests() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.ndjson", "{}\n");
    write(dir.path(), "b.ndjson", "{}\n");
    record(dir.path(), &["a.ndjson", "b.ndjson"]).unwrap();
    write(dir.path(), "b.ndjson", "{\"x\":1}\n");
    let check = check_dir(dir.path()).unwrap().unwrap();
    assert!(!check.passed());
    assert_eq!(check.matched, ["a.ndjson"]);
    match check.problems.as_slice() {
        [
            Problem::Differs {
                name,
                listed,
                found,
            },
        ] => {
            assert_eq!(name, "b.ndjson");
            assert_ne!(listed, found);
        }
        other => panic!("expected one difference, got {other:?}"),
    }
    assert!(
        check.problems[0]
            .to_string()
            .starts_with("b.ndjson: SHA-256 differs")
    );
}

#[test]
fn a_missing_file_and_an_unlisted_one_are_named() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.csv", "1\n");
    record(dir.path(), &["a.csv"]).unwrap();
    std::fs::remove_file(dir.path().join("a.csv")).unwrap();
    write(dir.path(), "extra.csv", "2\n");
    let check = check_dir(dir.path()).unwrap().unwrap();
    assert_eq!(
        check.problems,
        [Problem::Missing {
            name: "a.csv".into()
        }]
    );
    assert_eq!(check.unlisted, ["extra.csv"]);
}

#[test]
fn recording_more_files_keeps_earlier_lines_and_replaces_a_rewritten_one() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "837P-1.x12", "ISA*1~");
    record(dir.path(), &["837P-1.x12"]).unwrap();
    write(dir.path(), "837P-2.x12", "ISA*2~");
    record(dir.path(), &["837P-2.x12"]).unwrap();
    write(dir.path(), "837P-1.x12", "ISA*1 again~");
    let manifest = record(dir.path(), &["837P-1.x12"]).unwrap();
    assert_eq!(manifest.len(), 2);
    assert!(check_dir(dir.path()).unwrap().unwrap().passed());
}

#[test]
fn no_manifest_is_none_and_a_single_file_is_judged_by_its_neighbour() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "835.x12", "ISA~");
    assert_eq!(check_dir(dir.path()).unwrap(), None);
    let file = dir.path().join("835.x12");
    assert_eq!(check_file(&file).unwrap(), FileVerdict::NoManifest);
    write(dir.path(), "other.x12", "ISA~");
    record(dir.path(), &["other.x12"]).unwrap();
    assert_eq!(check_file(&file).unwrap(), FileVerdict::NotListed);
    record(dir.path(), &["835.x12"]).unwrap();
    assert_eq!(check_file(&file).unwrap(), FileVerdict::Matches);
    write(dir.path(), "835.x12", "ISA*changed~");
    assert!(matches!(
        check_file(&file).unwrap(),
        FileVerdict::Problem(Problem::Differs { .. })
    ));
}

#[test]
fn bad_lines_are_refused_with_their_number() {
    let path = Path::new("in/manifest.sha256");
    let digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    for (text, expected) in [
        (
            "abc  a.csv\n",
            "in/manifest.sha256:1: expected 64 hexadecimal digits",
        ),
        (
            &format!("{digest}  ok.csv\n{digest}  ../etc/passwd\n") as &str,
            "in/manifest.sha256:2: \"../etc/passwd\": it is a path",
        ),
        (
            &format!("{digest} a.csv\n"),
            "in/manifest.sha256:1: expected two spaces",
        ),
        (
            &format!("{digest}  a.csv\n{digest}  a.csv\n"),
            "in/manifest.sha256:2: \"a.csv\" is listed twice",
        ),
        (
            &format!("{}  a.csv\n", "zz".repeat(32)),
            "in/manifest.sha256:1: expected a SHA-256 digest",
        ),
    ] {
        let error = Manifest::parse(text, path).unwrap_err().to_string();
        assert!(error.starts_with(expected), "{error}");
    }
    // sha256sum's binary marker reads too, and blank lines are skipped.
    let manifest = Manifest::parse(&format!("\n{digest} *a.bin\n"), path).unwrap();
    assert!(manifest.digest("a.bin").is_some());
}

#[test]
fn names_outside_the_directory_are_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let error = record(dir.path(), &["../x.csv"]).unwrap_err().to_string();
    assert!(error.contains("it is a path"), "{error}");
    assert!(record(dir.path(), &[MANIFEST_FILE]).is_err());
}
