//! `chartroom codes edits ENCOUNTER`: a stored encounter's coding edits, read as its claim
//! carries them, audited as a read of the patient's chart; `codes import-ncci`; and
//! `codes search` keeping its index in the data directory.

use crate::cli::{chartroom, stdout};
use records::{
    Address, AdministrativeSex, Diagnosis, DiagnosisRank, Encounter, EncounterClass, EncounterId,
    EncounterStatus, Mrn, Patient, PatientId, PoaIndicator, Procedure, ProcedureCodeSystem,
};
use serde_json::Value;
use std::sync::Arc;
use store::{Actor, Location, Store, SystemClock};
use time::macros::datetime;

/// A male patient with an inpatient stay coded E11.9 (POA Y) then E10.9 (no POA): an
/// Excludes1 pair and a missing POA indicator; its procedures are a hysterectomy (0UT90ZZ,
/// female only), a laparoscopic appendectomy recorded twice on one day, and a SNOMED CT
/// procedure that no claim carries.
fn coded_stay(data: &std::path::Path) -> (i64, i64) {
    let store = Store::open(&Location::DataDir(data.to_owned()), Arc::new(SystemClock)).unwrap();
    let actor = Actor::new("test");
    store
        .write(|tx| {
            let patient = tx.create(
                &actor,
                &Patient {
                    mrn: Mrn::parse("E1").unwrap(),
                    mrn_authority: "CHARTROOM".into(),
                    family_name: "Coder".into(),
                    given_name: "Carl".into(),
                    middle_name: None,
                    name_prefix: None,
                    name_suffix: None,
                    preferred_name: None,
                    birth_date: time::macros::date!(1960 - 05 - 01),
                    sex: AdministrativeSex::Male,
                    address: Address::default(),
                    phone: None,
                    email: None,
                    language: None,
                    race: None,
                    ethnicity: None,
                    deceased_date: None,
                    identifiers: Vec::new(),
                },
            )?;
            let pid = patient.meta.id;
            let encounter = tx.create(
                &actor,
                &Encounter {
                    patient_id: PatientId(pid),
                    class: EncounterClass::Inpatient,
                    status: EncounterStatus::Finished,
                    admit_at: datetime!(2026-01-10 08:00 UTC),
                    discharge_at: Some(datetime!(2026-01-12 08:00 UTC)),
                    attending_id: None,
                    facility_id: None,
                    payer_id: None,
                    discharge_disposition: Some("01".into()),
                    reason: Some("hyperglycaemia".into()),
                    service: None,
                },
            )?;
            let eid = encounter.meta.id;
            for (sequence, code, poa) in [(1, "E11.9", Some(PoaIndicator::Yes)), (2, "E10.9", None)]
            {
                tx.create(
                    &actor,
                    &Diagnosis {
                        patient_id: PatientId(pid),
                        encounter_id: EncounterId(eid),
                        code: code.into(),
                        rank: if sequence == 1 {
                            DiagnosisRank::Principal
                        } else {
                            DiagnosisRank::Secondary
                        },
                        sequence,
                        poa,
                        description: None,
                        onset_at: None,
                    },
                )?;
            }
            for (system, code) in [
                (ProcedureCodeSystem::Icd10Pcs, "0UT90ZZ"),
                (ProcedureCodeSystem::Icd10Pcs, "0DTJ4ZZ"),
                (ProcedureCodeSystem::Icd10Pcs, "0DTJ4ZZ"),
                (ProcedureCodeSystem::Snomed, "80146002"),
            ] {
                tx.create(
                    &actor,
                    &Procedure {
                        patient_id: PatientId(pid),
                        encounter_id: Some(EncounterId(eid)),
                        code_system: system,
                        code: code.into(),
                        modifiers: Vec::new(),
                        units: 1,
                        performed_at: datetime!(2026-01-11 10:00 UTC),
                        performer_id: None,
                        description: None,
                    },
                )?;
            }
            Ok((pid, eid))
        })
        .unwrap()
}

#[test]
fn edits_of_a_stored_encounter() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init"]));
    let (patient, encounter) = coded_stay(&data);
    let id = encounter.to_string();

    let text = stdout(&chartroom(&data, &["codes", "edits", &id]));
    assert!(
        text.contains(&format!(
            "encounter {id} of patient {patient} on 2026-01-10 (Inpatient): E11.9 (POA Y), E10.9"
        )),
        "{text}"
    );
    assert!(text.contains("[excludes1-pair]"), "{text}");
    assert!(text.contains("[poa-missing] E10.9"), "{text}");
    // The procedures follow, the SNOMED CT one left out: the hysterectomy conflicts with the
    // patient's sex and the appendectomy is listed twice.
    assert!(
        text.contains(
            "procedures: 0UT90ZZ on 2026-01-11, 0DTJ4ZZ on 2026-01-11, 0DTJ4ZZ on 2026-01-11"
        ),
        "{text}"
    );
    assert!(text.contains("[procedure-sex-age] 0UT90ZZ"), "{text}");
    assert!(text.contains("[procedure-duplicate]"), "{text}");
    assert!(!text.contains("80146002"), "{text}");

    let json: Value = serde_json::from_str(&stdout(&chartroom(
        &data,
        &["--json", "codes", "edits", &id],
    )))
    .unwrap();
    assert_eq!(json["setting"], "inpatient");
    let rules: Vec<&str> = json["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"excludes1-pair") && rules.contains(&"poa-missing"),
        "{json}"
    );
    assert_eq!(json["procedures"].as_array().unwrap().len(), 3, "{json}");
    assert_eq!(json["procedures"][0]["system"], "icd10pcs", "{json}");
    let procedure_rules: Vec<&str> = json["procedure_edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        procedure_rules,
        ["procedure-sex-age", "procedure-duplicate"],
        "{json}"
    );

    // The read is audited once per call, naming the patient.
    let audit: Value =
        serde_json::from_str(&stdout(&chartroom(&data, &["--json", "audit", "list"]))).unwrap();
    let reads = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["reason"] == format!("coding edits of encounter {id}"))
        .filter(|e| e["patient_id"].as_str() == Some(&patient.to_string()))
        .count();
    assert_eq!(reads, 2, "{audit}");

    // Codes still work as before; an unknown encounter is named; the encounter's own facts
    // cannot be overridden.
    let codes = stdout(&chartroom(&data, &["codes", "edits", "E11.9", "E10.9"]));
    assert!(codes.contains("[excludes1-pair]"), "{codes}");
    let missing = chartroom(&data, &["codes", "edits", "999"]);
    assert!(!missing.status.success());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("encounter 999 does not exist"), "{err}");
    let both = chartroom(&data, &["codes", "edits", &id, "--sex", "F"]);
    assert!(!both.status.success());
    assert!(String::from_utf8_lossy(&both.stderr).contains("read from the stored encounter"));
}

/// `chartroom codes import-ncci`: the publisher's PTP text and MUE CSV are checked and kept
/// in the data directory (counted after); a damaged file is refused naming its line and
/// leaves what was on file as it was.
#[test]
fn ncci_files_are_imported_for_the_scrubber() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../codes/test_data/ncci");
    let ptp = fixtures.join("ptp-practitioner.txt");
    let mue = fixtures.join("mue-practitioner.csv");
    let out = chartroom(
        &data,
        &[
            "--json",
            "codes",
            "import-ncci",
            ptp.to_str().unwrap(),
            mue.to_str().unwrap(),
        ],
    );
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["ptp_edits"], 5);
    assert_eq!(report["mue_codes"], 3);
    assert_eq!(report["imported"][0]["kind"], "ptp");
    assert_eq!(report["imported"][1]["rows"], 3);

    let bad = dir.path().join("ccipra-bad.txt");
    let text = std::fs::read_to_string(&ptp)
        .unwrap()
        .replace("20150101", "2015-01-01");
    std::fs::write(&bad, text).unwrap();
    let refused = chartroom(&data, &["codes", "import-ncci", bad.to_str().unwrap()]);
    assert!(!refused.status.success());
    let error = String::from_utf8_lossy(&refused.stderr);
    assert!(
        error.contains("ccipra-bad.txt:9:") && error.contains("effective date"),
        "{error}"
    );
    let kept: Vec<_> = std::fs::read_dir(data.join("ncci")).unwrap().collect();
    assert_eq!(kept.len(), 2, "nothing of the refused file kept");
}

/// `chartroom codes search` keeps the built index in `<data dir>/cache/` and reads it on the
/// next call, with the same answer; a damaged file is rebuilt with a message on stderr.
#[test]
fn codes_search_keeps_its_index_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let search = || chartroom(&data, &["--json", "codes", "search", "pink", "eye"]);
    let first = search();
    let answer = stdout(&first);
    assert!(answer.contains("H10."), "{answer}");
    let file = data.join("cache").join("search-icd10cm-FY2026.bin");
    assert!(file.is_file(), "{}", file.display());
    let second = search();
    assert_eq!(stdout(&second), answer);
    assert!(
        second.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&file, bytes).unwrap();
    let damaged = search();
    assert_eq!(stdout(&damaged), answer);
    let said = String::from_utf8_lossy(&damaged.stderr);
    assert!(
        said.contains("was damaged (checksum mismatch); rebuilt"),
        "{said}"
    );
    assert!(search().stderr.is_empty());
}
