//! Run-time import: CPT from a fabricated file, bad and truncated files, persistence.

use std::io::Write;

use super::{d, sets};
use codes::{CodeSets, Error, ImportRequest, Patient, System};

fn req(system: System, file: std::path::PathBuf) -> ImportRequest {
    ImportRequest {
        system,
        file,
        order: None,
        code_list: None,
        name: None,
        effective_from: None,
    }
}

/// FABRICATED CPT-format fixture: the codes and descriptions are invented, not AMA content.
const FAKE_CPT: &str = "code\tdescription\n0000F\tFabricated test service alpha\n0001F\tFabricated test service beta, extended\n";

#[test]
fn cpt_import_persists_and_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fake-cpt.tsv");
    std::fs::write(&file, FAKE_CPT).unwrap();
    let mut sets = sets().clone();
    let mut r = req(System::Cpt, file.clone());
    assert!(
        sets.import(&r, dir.path()).is_err(),
        "CPT needs an effective date"
    );
    r.effective_from = Some(d("2026-01-01"));
    let info = sets.import(&r, dir.path()).unwrap();
    assert_eq!(info.name, "2026");
    assert!(
        sets.validate(System::Cpt, "0000F", d("2026-03-01"), &Patient::default())
            .unwrap()
            .valid
    );
    assert_eq!(
        sets.search(System::Cpt, "fabricated beta", d("2026-03-01"), 3)
            .unwrap()[0]
            .code,
        "0001F"
    );
    assert!(matches!(
        sets.import(&r, dir.path()),
        Err(Error::DuplicateRelease { .. })
    ));
    let reopened = CodeSets::open(dir.path()).unwrap();
    assert!(
        reopened
            .releases()
            .iter()
            .any(|r| r.system == System::Cpt && r.name == "2026")
    );
}

#[test]
fn bad_cpt_line_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.tsv");
    std::fs::write(&file, "0000F\tFabricated ok\n12\tshort code\n").unwrap();
    let mut sets = sets().clone();
    let before = sets.releases();
    let mut r = req(System::Cpt, file);
    r.effective_from = Some(d("2026-01-01"));
    let e = sets.import(&r, dir.path()).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("bad.tsv:2:"), "{msg}");
    assert_eq!(sets.releases(), before);
    assert!(!dir.path().join("codes").exists());
}

#[test]
fn truncated_tabular_xml_is_rejected_with_line() {
    let Some(shared) = super::shared_data() else {
        println!("note: ../shared/data not present; using a synthetic truncated tabular");
        return;
    };
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(
            std::fs::File::open(shared.join("icd10cm/icd10cm-tabular-FY2026-April.xml.gz"))
                .unwrap(),
        ),
        &mut text,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tabular-cut.xml");
    std::fs::write(&file, &text[..text.len() / 2]).unwrap();
    let mut sets = sets().clone();
    let before = sets.releases();
    let mut r = req(System::Icd10Cm, file);
    r.name = Some("FY2027".into());
    let msg = sets.import(&r, dir.path()).unwrap_err().to_string();
    assert!(msg.contains("tabular-cut.xml:"), "{msg}");
    assert_eq!(sets.releases(), before);
}

#[test]
fn truncated_gzip_and_processed_files() {
    let dir = tempfile::tempdir().unwrap();
    // A tiny synthetic tabular, gzip-compressed then cut.
    let xml = "<?xml version=\"1.0\"?>\n<ICD10CM.tabular>\n<version>2027</version>\n<chapter><name>1</name><desc>Test chapter</desc>\n<section id=\"A00-A09\"><desc>Block</desc>\n<diag><name>A00</name><desc>Cholera</desc><diag><name>A00.0</name><desc>Cholera due to X</desc></diag></diag>\n</section></chapter>\n</ICD10CM.tabular>\n";
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(xml.as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    let full = dir.path().join("t.xml.gz");
    std::fs::write(&full, &gz).unwrap();
    let cut = dir.path().join("t-cut.xml.gz");
    std::fs::write(&cut, &gz[..gz.len() - 12]).unwrap();
    let mut sets = sets().clone();
    let before = sets.releases();
    let e = sets
        .import(&req(System::Icd10Cm, cut), dir.path())
        .unwrap_err()
        .to_string();
    assert!(e.contains("t-cut.xml.gz"), "{e}");
    assert_eq!(sets.releases(), before);
    // The intact file imports as FY2027 from 2026-10-01 and wins from that date on.
    let info = sets
        .import(&req(System::Icd10Cm, full), dir.path())
        .unwrap();
    assert_eq!(
        (info.name.as_str(), info.effective_from),
        ("FY2027", d("2026-10-01"))
    );
    assert_eq!(sets.icd10cm(d("2026-10-02")).unwrap().info.name, "FY2027");
    assert!(
        sets.validate(
            System::Icd10Cm,
            "A00.0",
            d("2026-10-02"),
            &Patient::default()
        )
        .unwrap()
        .valid
    );
    // A processed file cut short is caught by its END record.
    let stored = dir.path().join("codes/icd10cm-FY2027.gz");
    let mut plain = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&std::fs::read(&stored).unwrap()[..]),
        &mut plain,
    )
    .unwrap();
    let lines: Vec<&str> = plain.lines().collect();
    std::fs::write(&stored, lines[..lines.len() - 2].join("\n")).unwrap();
    let e = CodeSets::open(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("icd10cm-FY2027.gz:") && e.contains("truncated"),
        "{e}"
    );
}

#[test]
fn hcpcs_short_record_names_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hcpcs.txt");
    let mut good = format!(
        "{:<320}",
        "A4206001003Syringe with needle, sterile, 1 cc or less, each"
    );
    good.replace_range(268..276, "19840101");
    std::fs::write(&file, format!("{good}\nA4207001003Syringe cut short\n")).unwrap();
    let mut sets = sets().clone();
    let mut r = req(System::Hcpcs, file);
    r.effective_from = Some(d("2026-04-01"));
    let e = sets.import(&r, dir.path()).unwrap_err().to_string();
    assert!(e.contains("hcpcs.txt:2:") && e.contains("truncated"), "{e}");
}
