//! Research extracts on both stores, over a demo population with planted patients in
//! restricted ZIP3 areas and over 89: no identifier of any patient survives in any field,
//! the k reported is the k counted here from the file, suppression drops exactly the small
//! classes, and a limited data set goes only under an agreement in force.

use disclosures::{
    Error, ExtractOptions, Format, Method, add_dua, research_extract, restricted_zip3,
    safe_harbor_zip3,
};
use privacy::{Action, AuditEvent, AuditKey, Channel};
use records::*;
use serde_json::Value;
use std::collections::HashMap;
use store::{Actor, AuditFilter, AuditTrail, Clock, Stored};
use test_support::{TestStore, backend_tests};
use time::macros::{date, datetime};

#[test]
fn every_restricted_zip3_is_written_000_and_others_keep_three_digits() {
    let restricted = restricted_zip3();
    assert_eq!(restricted.len(), 17, "HHS's list has 17 areas");
    for zip3 in &restricted {
        assert_eq!(
            safe_harbor_zip3(&format!("{zip3}01")).as_deref(),
            Some("000")
        );
        assert_eq!(
            safe_harbor_zip3(&format!("{zip3}01-1234")).as_deref(),
            Some("000")
        );
    }
    assert_eq!(safe_harbor_zip3("02139").as_deref(), Some("021"));
    assert_eq!(safe_harbor_zip3("10001-0001").as_deref(), Some("100"));
    for not_a_zip in ["", "021", "K1A 0B1", "0213X", "02139-12"] {
        assert_eq!(safe_harbor_zip3(not_a_zip), None, "{not_a_zip}");
    }
}

fn trail(dir: &tempfile::TempDir) -> AuditTrail {
    AuditTrail::with_key(AuditKey::from_bytes(&[9; 32]).unwrap(), dir.path())
}

fn who(store: &TestStore) -> AuditEvent {
    AuditEvent::new(store.clock.now(), "rae", Action::Read, Channel::Cli)
}

/// A demo population and three planted patients: two in restricted ZIP3 areas (one 95
/// years old), one with a Part 2 diagnosis.
fn population(store: &TestStore) -> Vec<Stored<Patient>> {
    demo::generate(
        &store.store,
        &demo::DemoOptions {
            patients: 120,
            seed: 16,
            as_of: date!(2026 - 03 - 01),
            batch_size: 60,
        },
        &mut |_| {},
    )
    .unwrap();
    store
        .write(|tx| {
            let actor = Actor::new("test:clerk");
            for (mrn, family, born, zip) in [
                ("M00900001", "Quillfeather", date!(1930 - 07 - 14), "05901"),
                (
                    "M00900002",
                    "Marchbanks",
                    date!(1988 - 11 - 23),
                    "83001-4321",
                ),
            ] {
                let mut p = Patient::new(
                    Mrn::parse(mrn).unwrap(),
                    FACILITY_MRN_AUTHORITY,
                    family,
                    "Odalys",
                    born,
                    AdministrativeSex::Female,
                );
                p.address.line1 = Some("77 Sparrowhawk Lane".into());
                p.address.city = Some("Island Pond".into());
                p.address.state = Some("VT".into());
                p.address.postal_code = Some(zip.into());
                p.phone = Some("(802) 555-0199".into());
                p.email = Some(format!("{}@example.org", family.to_lowercase()));
                let p = tx.create(&actor, &p)?;
                let visit = tx.create(
                    &actor,
                    &Encounter {
                        patient_id: PatientId(p.meta.id),
                        class: EncounterClass::Outpatient,
                        status: EncounterStatus::Finished,
                        admit_at: datetime!(2025-09-17 09:30 UTC),
                        discharge_at: None,
                        attending_id: None,
                        facility_id: None,
                        payer_id: None,
                        discharge_disposition: None,
                        reason: Some("Odalys follow-up".into()),
                        service: None,
                    },
                )?;
                tx.create(
                    &actor,
                    &Diagnosis {
                        patient_id: PatientId(p.meta.id),
                        encounter_id: EncounterId(visit.meta.id),
                        code: "F11.20".into(),
                        rank: DiagnosisRank::FirstListed,
                        sequence: 1,
                        poa: None,
                        description: Some("Opioid dependence".into()),
                        onset_at: None,
                    },
                )?;
            }
            tx.select("1 = 1", &[], "id", i64::MAX)
        })
        .unwrap()
}

/// Every identifier of a patient the extract must not show, with what it is.
fn identifiers(
    p: &Patient,
    visits: &[time::Date],
    keep_place: bool,
) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let mut push = |value: Option<&str>, what: &'static str| {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            out.push((v.to_lowercase(), what));
        }
    };
    push(Some(&p.family_name), "family name");
    push(Some(&p.given_name), "given name");
    push(p.middle_name.as_deref(), "middle name");
    push(p.preferred_name.as_deref(), "preferred name");
    push(Some(p.mrn.as_str()), "MRN");
    push(p.address.line1.as_deref(), "street");
    push(p.address.line2.as_deref(), "street line 2");
    push(p.phone.as_deref(), "phone");
    push(p.email.as_deref(), "e-mail");
    for id in &p.identifiers {
        push(Some(&id.value), "identifier");
    }
    if !keep_place {
        push(p.address.city.as_deref(), "city");
        push(p.address.postal_code.as_deref(), "ZIP");
        let mut dates = vec![p.birth_date];
        dates.extend(p.deceased_date);
        dates.extend(visits.iter().copied());
        for d in dates {
            let (y, m, day) = (d.year(), d.month() as u8, d.day());
            out.push((format!("{y}-{m:02}-{day:02}"), "full date"));
            out.push((format!("{m:02}/{day:02}/{y}"), "full date"));
            out.push((format!("{y}{m:02}{day:02}"), "full date"));
        }
    }
    out
}

/// Whether `field` shows `identifier`: names as whole words (a one- or two-letter initial
/// is not looked for), everything else anywhere in the text.
fn shows(field: &str, identifier: &str, what: &str) -> bool {
    let field = field.to_lowercase();
    if what.contains("name") {
        if identifier.chars().count() < 3 {
            return false;
        }
        return field
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| word == identifier);
    }
    field.contains(identifier)
}

fn field_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(field_text).collect::<Vec<_>>().join(" "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn options(method: Method, k: usize, suppress: bool) -> ExtractOptions {
    ExtractOptions {
        method,
        dua: None,
        k,
        quasi: Vec::new(),
        suppress,
        format: Format::Ndjson,
        seed: 42,
        tables: Vec::new(),
    }
}

fn visits_of(store: &TestStore) -> HashMap<i64, Vec<time::Date>> {
    let encounters: Vec<Stored<Encounter>> = store
        .read(|tx| tx.select("1 = 1", &[], "id", i64::MAX))
        .unwrap();
    let mut visits: HashMap<i64, Vec<time::Date>> = HashMap::new();
    for e in encounters {
        visits
            .entry(e.record.patient_id.0)
            .or_default()
            .push(e.record.admit_at.date());
    }
    visits
}

/// Classes over `quasi` counted from the NDJSON file itself.
fn classes_in_file(data: &[u8], quasi: &[&str]) -> HashMap<Vec<String>, usize> {
    let mut classes: HashMap<Vec<String>, usize> = HashMap::new();
    for line in std::str::from_utf8(data).unwrap().lines() {
        let row: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap();
        let key = quasi.iter().map(|q| field_text(&row[*q])).collect();
        *classes.entry(key).or_default() += 1;
    }
    classes
}

fn safe_harbor_removes_every_identifier_and_k_is_what_the_file_shows(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    let patients = population(store);
    let visits = visits_of(store);
    let who = who(store);

    // k = 1: every patient, each field checked against that patient's identifiers.
    let all = trail
        .write(store, |a| {
            Ok(research_extract(a, &who, &options(Method::SafeHarbor, 1, false)).unwrap())
        })
        .unwrap();
    assert_eq!(all.rows.len(), patients.len());
    let by_id: HashMap<i64, &Patient> = patients.iter().map(|p| (p.meta.id, &p.record)).collect();
    let columns = Method::SafeHarbor.columns();
    for (row, patient) in all.rows.iter().zip(&all.patients) {
        let p = by_id[&patient.0];
        let ids = identifiers(
            p,
            visits.get(&patient.0).map_or(&[][..], Vec::as_slice),
            false,
        );
        for (column, value) in columns.iter().zip(row) {
            let text = field_text(value);
            for (identifier, what) in &ids {
                assert!(
                    !shows(&text, identifier, what),
                    "{column} = {text:?} shows the {what} {identifier:?}"
                );
            }
        }
        let age = &row[columns.iter().position(|c| *c == "age").unwrap()];
        let zip3 = field_text(&row[columns.iter().position(|c| *c == "zip3").unwrap()]);
        let birth_year = &row[columns.iter().position(|c| *c == "birth_year").unwrap()];
        assert!(!restricted_zip3().contains(&zip3.as_str()), "{zip3}");
        match p.family_name.as_str() {
            "Quillfeather" => {
                assert_eq!(age, "90+");
                assert!(birth_year.is_null(), "no birth year over 89: {birth_year}");
                assert_eq!(zip3, "000", "059 is restricted");
            }
            "Marchbanks" => assert_eq!(zip3, "000", "830 is restricted"),
            _ => {}
        }
    }
    // And the file as a whole: no MRN, phone, e-mail, street or full date of anyone.
    let file = String::from_utf8(all.data.clone()).unwrap().to_lowercase();
    for p in &patients {
        for (identifier, what) in identifiers(&p.record, &[], false) {
            if !what.contains("name") && what != "city" && what != "ZIP" {
                assert!(
                    !file.contains(&identifier),
                    "the file shows the {what} {identifier}"
                );
            }
        }
    }
    assert!(all.report.removed.iter().any(|r| r.contains("names")));

    // k = 5 is refused while a class is smaller, naming the smallest.
    let refused = trail
        .write(store, |a| {
            Ok(research_extract(a, &who, &options(Method::SafeHarbor, 5, false)).unwrap_err())
        })
        .unwrap();
    assert!(matches!(refused, Error::Refused(_)), "{refused}");
    assert!(refused.to_string().contains("smallest class"), "{refused}");

    // Suppressed: exactly the records of the small classes go, and k holds in the file.
    // Over age band and sex (the default adds the ZIP3, under which this small population
    // has nearly no class of five).
    let quasi = ["age_band", "sex"];
    let before = classes_in_file(&all.data, &quasi);
    let small: usize = before.values().filter(|n| **n < 5).sum();
    let min_before = *before.values().min().unwrap();
    assert!(min_before < 5 && small > 0);
    let five = trail
        .write(store, |a| {
            let ask = ExtractOptions {
                quasi: quasi.iter().map(|q| (*q).to_owned()).collect(),
                ..options(Method::SafeHarbor, 5, true)
            };
            Ok(research_extract(a, &who, &ask).unwrap())
        })
        .unwrap();
    let after = classes_in_file(&five.data, &quasi);
    let k_counted = *after.values().min().unwrap();
    assert!(k_counted >= 5);
    assert_eq!(five.report.smallest_class, k_counted);
    assert_eq!(five.report.classes, after.len());
    assert_eq!(five.report.suppressed_records, small);
    assert_eq!(
        five.report.n_classes_under_k,
        before.values().filter(|n| **n < 5).count()
    );
    assert_eq!(five.report.records + small, patients.len());
    assert_eq!(
        all.report.smallest_class,
        *classes_in_file(&all.data, &["age_band", "sex", "zip3"])
            .values()
            .min()
            .unwrap()
    );

    // Audited as exports, naming no patient (de-identified data is not PHI).
    let entries = store.audit_entries(&AuditFilter::default()).unwrap();
    let exports: Vec<_> = entries
        .iter()
        .filter(|e| e.event.action == Action::Export)
        .collect();
    assert_eq!(exports.len(), 2, "the refused extract wrote nothing");
    for e in &exports {
        assert!(e.event.all_patients().is_empty());
        let reason = e.event.reason.clone().unwrap();
        assert!(
            reason.contains("research extract (Safe Harbor)"),
            "{reason}"
        );
    }
}

fn a_limited_data_set_needs_an_agreement_in_force_and_keeps_dates(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    let patients = population(store);
    let who = who(store);
    let ask = |dua: Option<i64>| ExtractOptions {
        dua,
        ..options(Method::Limited, 1, false)
    };
    let missing = trail
        .write(store, |a| {
            Ok(research_extract(a, &who, &ask(None)).unwrap_err())
        })
        .unwrap();
    assert!(missing.to_string().contains("--dua"), "{missing}");
    let agreement = |signed, expires| DataUseAgreement {
        recipient: "Dr. Vega".into(),
        organization: Some("State University".into()),
        purpose: "readmission study".into(),
        signed_on: signed,
        expires_on: expires,
        note: None,
        recorded_by: "rae".into(),
    };
    let expired = trail
        .write(store, |a| {
            Ok(add_dua(
                a,
                &who,
                agreement(date!(2024 - 01 - 01), date!(2025 - 12 - 31)),
            )
            .unwrap())
        })
        .unwrap();
    let refused = trail
        .write(store, |a| {
            Ok(research_extract(a, &who, &ask(Some(expired.meta.id))).unwrap_err())
        })
        .unwrap();
    assert!(
        refused.to_string().contains("not on 2026-03-02"),
        "{refused}"
    );
    let current = trail
        .write(store, |a| {
            Ok(add_dua(
                a,
                &who,
                agreement(date!(2026 - 01 - 01), date!(2026 - 12 - 31)),
            )
            .unwrap())
        })
        .unwrap();
    let lds = trail
        .write(store, |a| {
            Ok(research_extract(a, &who, &ask(Some(current.meta.id))).unwrap())
        })
        .unwrap();
    assert_eq!(lds.rows.len(), patients.len());
    let by_id: HashMap<i64, &Patient> = patients.iter().map(|p| (p.meta.id, &p.record)).collect();
    let columns = Method::Limited.columns();
    let birth = columns.iter().position(|c| *c == "birth_date").unwrap();
    let zip = columns.iter().position(|c| *c == "zip").unwrap();
    let diagnoses = columns.iter().position(|c| *c == "diagnoses").unwrap();
    for (row, patient) in lds.rows.iter().zip(&lds.patients) {
        let p = by_id[&patient.0];
        for (column, value) in columns.iter().zip(row) {
            let text = field_text(value);
            for (identifier, what) in identifiers(p, &[], true) {
                assert!(
                    !shows(&text, &identifier, what),
                    "{column} = {text:?} shows the {what} {identifier:?}"
                );
            }
        }
        assert_eq!(row[birth], p.birth_date.to_string(), "dates are kept");
        assert_eq!(
            field_text(&row[zip]),
            p.address.postal_code.clone().unwrap_or_default()
        );
        assert!(
            !field_text(&row[diagnoses]).contains("F11."),
            "Part 2 diagnoses stay out of a limited data set"
        );
    }
    assert!(lds.report.withheld_diagnoses >= 2);
    assert_eq!(
        lds.report.dua.as_ref().unwrap().purpose,
        "readmission study"
    );
    // Audited naming the agreement and every patient in it; not in anyone's accounting.
    let entries = store
        .audit_entries(&AuditFilter {
            patient_id: Some(lds.patients[0]),
            ..AuditFilter::default()
        })
        .unwrap();
    let export = entries
        .iter()
        .find(|e| e.event.action == Action::Export)
        .expect("the extract is audited under each patient");
    assert_eq!(
        export.event.record_kind.as_deref(),
        Some(DataUseAgreement::KIND)
    );
    assert_eq!(export.event.all_patients().len(), patients.len());
    let disclosures: Vec<Stored<Disclosure>> = store
        .read(|tx| tx.select("1 = 1", &[], "id", i64::MAX))
        .unwrap();
    assert!(disclosures.is_empty(), "164.528(a)(1)(viii): not accounted");
}

/// Shifted dates: every identifier is still gone and no real full date appears; each
/// patient's birth, death and visit dates move by the same nonzero offset of at most 365
/// days (intervals kept); offsets differ between patients and between extracts (seeds);
/// the same seed gives the same file; over 89, no birth date.
fn shifted_dates_move_each_patient_by_one_secret_offset(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    let patients = population(store);
    let visits = visits_of(store);
    let who = who(store);
    let extract = |seed: u64| {
        trail
            .write(store, |a| {
                let ask = ExtractOptions {
                    seed,
                    ..options(Method::ShiftedDates, 1, false)
                };
                Ok(research_extract(a, &who, &ask).unwrap())
            })
            .unwrap()
    };
    let first = extract(7);
    let columns = Method::ShiftedDates.columns();
    let at = |name: &str| columns.iter().position(|c| *c == name).unwrap();
    let day = |v: &Value| {
        v.as_str().map(|t| {
            time::Date::parse(t, time::macros::format_description!("[year]-[month]-[day]")).unwrap()
        })
    };
    let by_id: HashMap<i64, &Patient> = patients.iter().map(|p| (p.meta.id, &p.record)).collect();
    let mut offsets: HashMap<i64, i64> = HashMap::new();
    for (row, patient) in first.rows.iter().zip(&first.patients) {
        let p = by_id[&patient.0];
        let real = visits.get(&patient.0).map_or(&[][..], Vec::as_slice);
        for (column, value) in columns.iter().zip(row) {
            let text = field_text(value);
            for (identifier, what) in identifiers(p, real, false) {
                assert!(
                    !shows(&text, &identifier, what),
                    "{column} = {text:?} shows the {what} {identifier:?}"
                );
            }
        }
        let mut seen: Vec<i64> = Vec::new();
        if let Some(birth) = day(&row[at("birth_date")]) {
            seen.push((birth - p.birth_date).whole_days());
        } else {
            assert_eq!(
                row[at("age")],
                "90+",
                "only over 89 is the birth date left out"
            );
        }
        if let (Some(shifted), Some(death)) = (day(&row[at("deceased_date")]), p.deceased_date) {
            seen.push((shifted - death).whole_days());
        }
        if let Some(shifted) = day(&row[at("first_visit")]) {
            seen.push((shifted - *real.iter().min().unwrap()).whole_days());
        }
        if let Some(shifted) = day(&row[at("last_visit")]) {
            seen.push((shifted - *real.iter().max().unwrap()).whole_days());
        }
        assert!(!seen.is_empty());
        assert!(
            seen.iter().all(|d| *d == seen[0]),
            "one offset a patient: {seen:?}"
        );
        assert!(
            seen[0] != 0 && seen[0].abs() <= disclosures::MAX_SHIFT,
            "{}",
            seen[0]
        );
        offsets.insert(patient.0, seen[0]);
    }
    let distinct: std::collections::BTreeSet<i64> = offsets.values().copied().collect();
    assert!(
        distinct.len() > patients.len() / 2,
        "offsets differ between patients"
    );
    let again = extract(7);
    assert_eq!(again.data, first.data, "the seed decides everything");
    let other = extract(8);
    assert_ne!(other.data, first.data);
    assert!(
        first
            .report
            .generalised
            .iter()
            .any(|g| g.contains("shifted"))
    );
    assert_eq!(first.report.columns, columns);
}

/// Adds to each planted patient's (Part 2) visit a procedure and a free-text result naming
/// them, and a medication outside any visit.
fn plant_table_rows(store: &TestStore) {
    store
        .write(|tx| {
            let actor = Actor::new("test:clerk");
            let visits: Vec<Stored<Encounter>> =
                tx.select("reason = 'Odalys follow-up'", &[], "id", i64::MAX)?;
            assert_eq!(visits.len(), 2);
            for visit in visits {
                let patient_id = visit.record.patient_id;
                let encounter_id = Some(EncounterId(visit.meta.id));
                tx.create(
                    &actor,
                    &Procedure {
                        patient_id,
                        encounter_id,
                        code_system: ProcedureCodeSystem::Hcpcs,
                        code: "H0020".into(),
                        modifiers: vec!["HG".into()],
                        units: 1,
                        performed_at: datetime!(2025-09-17 10:00 UTC),
                        performer_id: None,
                        description: Some("Methadone administration for Odalys".into()),
                    },
                )?;
                tx.create(
                    &actor,
                    &Observation {
                        patient_id,
                        encounter_id,
                        code: "72166-2".into(),
                        description: Some("Tobacco smoking status".into()),
                        category: Some("social-history".into()),
                        value: ObservationValue::Text {
                            value_text: "Odalys at 77 Sparrowhawk Lane, (802) 555-0199".into(),
                        },
                        effective_at: datetime!(2025-09-17 10:05 UTC),
                    },
                )?;
                tx.create(
                    &actor,
                    &Medication {
                        patient_id,
                        encounter_id: None,
                        code: "1010600".into(),
                        description: "buprenorphine 8 MG Sublingual Tablet for Odalys".into(),
                        status: MedicationStatus::Active,
                        start_at: datetime!(2025-09-18 08:00 UTC),
                        end_at: Some(datetime!(2025-12-18 08:00 UTC)),
                        dosage: Some("one a day, call (802) 555-0199".into()),
                        prescriber_id: None,
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
}

/// The rows of a table file (NDJSON) by research id.
fn table_rows(data: &[u8]) -> Vec<serde_json::Map<String, Value>> {
    std::str::from_utf8(data)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The other tables: each row keyed by the research id of its own patient, exactly the
/// coded rows the chart holds (free-text results counted and left out), no identifier in
/// any file, dates treated as the patients' own (years; the patient's shift), suppressed
/// patients' rows gone with them, Part 2 visits' rows out of a limited data set, and the
/// audit entry naming every file.
fn other_tables_follow_their_patients_and_carry_no_identifier(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    let patients = population(store);
    plant_table_rows(store);
    let visits = visits_of(store);
    let who = who(store);
    let tables = disclosures::Table::ALL.to_vec();
    let extract = |ask: ExtractOptions| {
        trail
            .write(store, |a| Ok(research_extract(a, &who, &ask).unwrap()))
            .unwrap()
    };
    let all = extract(ExtractOptions {
        tables: tables.clone(),
        ..options(Method::SafeHarbor, 1, false)
    });
    assert_eq!(all.table_files.len(), 4);
    let patient_of: HashMap<String, i64> = all
        .rows
        .iter()
        .zip(&all.patients)
        .map(|(row, p)| (field_text(&row[0]), p.0))
        .collect();
    let by_id: HashMap<i64, &Patient> = patients.iter().map(|p| (p.meta.id, &p.record)).collect();

    // What the chart holds, per patient, as (code, year).
    let chart = |sql: &str| -> HashMap<i64, Vec<(String, i32)>> {
        let rows = store.read(|tx| tx.query(sql, &[])).unwrap();
        let mut out: HashMap<i64, Vec<(String, i32)>> = HashMap::new();
        for r in rows {
            out.entry(r.int(0)).or_default().push((
                r.text(1).unwrap().to_owned(),
                r.get(2).as_instant().unwrap().year(),
            ));
        }
        out.values_mut().for_each(|v| v.sort());
        out
    };
    let expected = [
        (
            "procedures.ndjson",
            "code",
            chart("SELECT patient_id, code, performed_at FROM procedures WHERE deleted_at IS NULL"),
        ),
        (
            "results.ndjson",
            "code",
            chart(
                "SELECT patient_id, code, effective_at FROM observations WHERE deleted_at IS NULL AND value_type <> 'text'",
            ),
        ),
        (
            "medications.ndjson",
            "code",
            chart("SELECT patient_id, code, start_at FROM medications WHERE deleted_at IS NULL"),
        ),
        (
            "immunizations.ndjson",
            "cvx",
            chart(
                "SELECT patient_id, cvx, administered_at FROM immunizations WHERE deleted_at IS NULL",
            ),
        ),
    ];
    for ((name, data), report) in all.table_files.iter().zip(&all.report.tables) {
        assert_eq!(name, &report.file);
        let (_, code, want) = expected.iter().find(|(f, _, _)| f == name).unwrap();
        assert!(!want.is_empty(), "{name}: the test population has rows");
        let mut got: HashMap<i64, Vec<(String, i32)>> = HashMap::new();
        let year = report.columns.iter().find(|c| c.ends_with("year")).unwrap();
        for row in table_rows(data) {
            let patient = patient_of[&field_text(&row["research_id"])];
            got.entry(patient).or_default().push((
                field_text(&row[*code]),
                row[year.as_str()].as_i64().unwrap() as i32,
            ));
            // No field of any row shows an identifier of its patient or a full date.
            let p = by_id[&patient];
            let real = visits.get(&patient).map_or(&[][..], Vec::as_slice);
            for (column, value) in &row {
                let text = field_text(value);
                for (identifier, what) in identifiers(p, real, false) {
                    assert!(
                        !shows(&text, &identifier, what),
                        "{name} {column} = {text:?} shows the {what} {identifier:?}"
                    );
                }
            }
        }
        got.values_mut().for_each(|v| v.sort());
        assert_eq!(&got, want, "{name}: each patient's rows, no more, no fewer");
        assert_eq!(report.records, want.values().map(Vec::len).sum::<usize>());
        let text = String::from_utf8(data.clone()).unwrap().to_lowercase();
        for word in ["odalys", "sparrowhawk", "555-0199", "methadone"] {
            assert!(!text.contains(word), "{name} shows {word}");
        }
    }
    let results = all
        .report
        .tables
        .iter()
        .find(|t| t.table == disclosures::Table::Results)
        .unwrap();
    assert!(results.free_text_dropped >= 2, "{results:?}");

    // Shifted dates: each row's date moved by its patient's own offset, the one the
    // patient's row shows on its birth date.
    let shifted = extract(ExtractOptions {
        tables: tables.clone(),
        seed: 11,
        ..options(Method::ShiftedDates, 1, false)
    });
    let columns = Method::ShiftedDates.columns();
    let birth = columns.iter().position(|c| *c == "birth_date").unwrap();
    let parse = |t: &str| {
        time::Date::parse(t, time::macros::format_description!("[year]-[month]-[day]")).unwrap()
    };
    let offset_of: HashMap<String, (i64, i64)> = shifted
        .rows
        .iter()
        .zip(&shifted.patients)
        .filter_map(|(row, p)| {
            let shown = parse(row[birth].as_str()?);
            Some((
                field_text(&row[0]),
                (p.0, (shown - by_id[&p.0].birth_date).whole_days()),
            ))
        })
        .collect();
    let procedures =
        chart("SELECT patient_id, code, performed_at FROM procedures WHERE deleted_at IS NULL");
    let (_, data) = &shifted.table_files[0];
    let mut checked = 0;
    for row in table_rows(data) {
        let Some((patient, offset)) = offset_of.get(&field_text(&row["research_id"])) else {
            continue;
        };
        let shown = parse(row["date"].as_str().unwrap());
        let real = shown - time::Duration::days(*offset);
        assert!(
            procedures[patient]
                .iter()
                .any(|(code, _)| *code == field_text(&row["code"])),
            "the code is the patient's"
        );
        let on_file = store
            .read(|tx| {
                tx.query(
                    "SELECT performed_at FROM procedures WHERE patient_id = ? AND deleted_at IS NULL",
                    &[store::Value::Int(*patient)],
                )
            })
            .unwrap();
        assert!(
            on_file
                .iter()
                .any(|r| r.get(0).as_instant().unwrap().date() == real),
            "a procedure moved by its patient's offset {offset}"
        );
        checked += 1;
    }
    assert!(checked > 10, "{checked}");

    // Suppressed patients' rows go with them.
    let five = extract(ExtractOptions {
        tables: tables.clone(),
        quasi: vec!["age_band".into(), "sex".into()],
        ..options(Method::SafeHarbor, 5, true)
    });
    assert!(five.report.suppressed_records > 0);
    let kept: std::collections::BTreeSet<String> =
        five.rows.iter().map(|r| field_text(&r[0])).collect();
    for ((name, data), report) in five.table_files.iter().zip(&five.report.tables) {
        let rows = table_rows(data);
        assert!(
            rows.iter()
                .all(|r| kept.contains(&field_text(&r["research_id"])))
        );
        let full = all
            .report
            .tables
            .iter()
            .find(|t| t.table == report.table)
            .unwrap();
        assert_eq!(report.records + report.suppressed, full.records, "{name}");
    }

    // A limited data set leaves out what was recorded in the Part 2 visits.
    let dua = trail
        .write(store, |a| {
            Ok(add_dua(
                a,
                &who,
                DataUseAgreement {
                    recipient: "Dr. Vega".into(),
                    organization: None,
                    purpose: "readmission study".into(),
                    signed_on: date!(2026 - 01 - 01),
                    expires_on: date!(2026 - 12 - 31),
                    note: None,
                    recorded_by: "rae".into(),
                },
            )
            .unwrap())
        })
        .unwrap();
    let lds = extract(ExtractOptions {
        tables: vec![disclosures::Table::Procedures],
        dua: Some(dua.meta.id),
        ..options(Method::Limited, 1, false)
    });
    let procedures = &lds.report.tables[0];
    assert_eq!(procedures.withheld_part2, 2, "{procedures:?}");
    assert!(!String::from_utf8_lossy(&lds.table_files[0].1).contains("H0020"));

    // The audit entry names each file with its checksum and the tables' categories.
    let entries = store.audit_entries(&AuditFilter::default()).unwrap();
    let export = entries
        .iter()
        .rev()
        .find(|e| {
            e.event.action == Action::Export
                && e.event.reason.as_deref().is_some_and(|r| {
                    r.contains("research extract (Safe Harbor)")
                        && r.contains("immunizations.ndjson")
                })
        })
        .expect("the extract's audit entry names the table files");
    let reason = export.event.reason.as_deref().unwrap();
    for t in &all.report.tables {
        assert!(
            reason.contains(&t.sha256) || reason.contains(&five.report.tables[0].sha256),
            "{reason}"
        );
    }
    assert!(
        export
            .event
            .categories
            .contains(&privacy::DataCategory::Medications)
    );
}

backend_tests!(
    shifted_dates_move_each_patient_by_one_secret_offset,
    safe_harbor_removes_every_identifier_and_k_is_what_the_file_shows,
    a_limited_data_set_needs_an_agreement_in_force_and_keeps_dates,
    other_tables_follow_their_patients_and_carry_no_identifier,
);
