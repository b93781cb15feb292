//! Case finding follows the records: a trigger diagnosis opens exactly one case, another
//! code none; a result opens one by its test or organism; a diagnosis removed or recoded
//! withdraws the case but keeps it, coded again restores it; the queue marks are audited;
//! a report sent marks the case reported with its line in the accounting of disclosures.

use crate::counts::{actor, codes, diagnose, patient};
use privacy::{Action, AuditEvent, AuditKey, Channel};
use records::*;
use store::{Actor, AuditFilter, AuditTrail, Clock, Tx};
use surveillance::cases::{self, CaseError, SentReport, TriggerSet};
use test_support::{TestStore, backend_tests};
use time::macros::{date, datetime};

fn triggers() -> TriggerSet {
    TriggerSet::defaults(codes()).unwrap()
}

fn encounter(tx: &mut Tx<'_>, patient: i64) -> i64 {
    tx.create(
        &actor(),
        &Encounter::check_in(
            PatientId(patient),
            EncounterClass::Outpatient,
            datetime!(2026-03-02 09:00 UTC),
            None,
            None,
        ),
    )
    .unwrap()
    .meta
    .id
}

fn all_cases(store: &TestStore) -> Vec<store::Stored<CaseReport>> {
    store.read(|tx| cases::queue(tx, &[], 100)).unwrap()
}

fn recode(store: &TestStore, diagnosis: i64, code: &str) {
    store
        .write(|tx| {
            let stored = tx.get::<Diagnosis>(diagnosis)?;
            let mut changed = stored.record.clone();
            changed.code = code.into();
            tx.update(&actor(), diagnosis, stored.meta.version, &changed)?;
            Ok(())
        })
        .unwrap();
}

fn cases_follow_the_diagnoses(store: &TestStore) {
    let triggers = triggers();
    let (pertussis_dx, cold_encounter) = store
        .write(|tx| {
            let ana = patient(tx, "02139", date!(2015 - 06 - 01));
            let visit = encounter(tx, ana);
            let dx = diagnose(tx, ana, visit, "A37.90", 1);
            // A second trigger of the same condition on the same visit: still one case.
            diagnose(tx, ana, visit, "A37.91", 2);
            let ben = patient(tx, "94110", date!(1980 - 01 - 01));
            let cold = encounter(tx, ben);
            diagnose(tx, ben, cold, "J06.9", 1);
            Ok((dx, cold))
        })
        .unwrap();
    let first = cases::step(store, &triggers).unwrap();
    assert!(first.rebuilt);
    assert_eq!(first.opened, 1);
    let found = all_cases(store);
    assert_eq!(found.len(), 1);
    let case = &found[0].record;
    assert_eq!(case.condition, "pertussis");
    assert_eq!(case.trigger_code, "A37.90");
    assert_eq!(case.trigger_system, "icd10cm");
    assert_eq!(case.trigger_source, TriggerSource::Diagnosis);
    assert_eq!(case.trigger_record_id, pertussis_dx);
    assert_eq!(case.status, CaseStatus::New);
    assert!(
        found
            .iter()
            .all(|c| c.record.encounter_id != Some(EncounterId(cold_encounter)))
    );

    // Nothing written: nothing changes; evaluated again, still one case.
    let idle = cases::step(store, &triggers).unwrap();
    assert_eq!((idle.visits, idle.opened, idle.rebuilt), (0, 0, false));
    recode(store, pertussis_dx, "A37.80");
    let again = cases::step(store, &triggers).unwrap();
    assert_eq!((again.visits, again.opened, again.withdrawn), (1, 0, 0));
    assert_eq!(all_cases(store).len(), 1);

    // Every pertussis code recoded away: the case stays, withdrawn, for a person to decide.
    let second = store
        .read(|tx| tx.select::<Diagnosis>("code = ?", &[store::Value::from("A37.91")], "id", 1))
        .unwrap()[0]
        .meta
        .id;
    recode(store, pertussis_dx, "J20.9");
    store
        .write(|tx| {
            let stored = tx.get::<Diagnosis>(second)?;
            tx.delete::<Diagnosis>(&actor(), second, stored.meta.version, "coded in error")
        })
        .unwrap();
    let away = cases::step(store, &triggers).unwrap();
    assert_eq!(away.withdrawn, 1);
    let withdrawn = all_cases(store);
    assert_eq!(withdrawn.len(), 1);
    assert!(withdrawn[0].record.withdrawn_at.is_some());
    assert_eq!(withdrawn[0].record.status, CaseStatus::New);

    // Coded again: the same case, no longer withdrawn.
    recode(store, pertussis_dx, "A37.90");
    let back = cases::step(store, &triggers).unwrap();
    assert_eq!((back.restored, back.opened), (1, 0));
    let restored = all_cases(store);
    assert_eq!(restored.len(), 1);
    assert_eq!(restored[0].meta.id, found[0].meta.id);
    assert!(restored[0].record.withdrawn_at.is_none());

    // A condition disabled by the facility: its case is left as it is.
    let without = TriggerSet::with_facility_file(
        "[conditions.pertussis]\nenabled = false\n",
        "reportable.toml",
        codes(),
    )
    .unwrap();
    let rebuilt = cases::step(store, &without).unwrap();
    assert!(rebuilt.rebuilt);
    assert_eq!((rebuilt.opened, rebuilt.withdrawn), (0, 0));
    assert!(all_cases(store)[0].record.withdrawn_at.is_none());
}

fn results_open_cases_by_test_or_organism(store: &TestStore) {
    let triggers = triggers();
    store
        .write(|tx| {
            let cara = patient(tx, "10001", date!(1970 - 02 - 03));
            let visit = encounter(tx, cara);
            let result = |code: &str, value: ObservationValue| Observation {
                patient_id: PatientId(cara),
                encounter_id: Some(EncounterId(visit)),
                code: code.into(),
                description: None,
                category: Some("laboratory".into()),
                value,
                effective_at: datetime!(2026-03-02 10:00 UTC),
            };
            tx.create(
                &actor(),
                &result(
                    "625-4",
                    ObservationValue::Coded {
                        value_code: "27268008".into(),
                        value_display: Some("Salmonella".into()),
                    },
                ),
            )?;
            tx.create(
                &actor(),
                &result(
                    "94500-6",
                    ObservationValue::Coded {
                        value_code: "260415000".into(),
                        value_display: Some("Not detected".into()),
                    },
                ),
            )?;
            // A result without an encounter is a case of the patient's own.
            tx.create(
                &actor(),
                &Observation {
                    encounter_id: None,
                    ..result(
                        "43913-3",
                        ObservationValue::Text {
                            value_text: "Detected".into(),
                        },
                    )
                },
            )?;
            Ok(())
        })
        .unwrap();
    let step = cases::step(store, &triggers).unwrap();
    assert_eq!(step.opened, 2);
    let mut found: Vec<(String, String, Option<EncounterId>)> = all_cases(store)
        .into_iter()
        .map(|c| {
            assert_eq!(c.record.trigger_source, TriggerSource::Lab);
            (
                c.record.condition,
                c.record.trigger_code,
                c.record.encounter_id,
            )
        })
        .collect();
    found.sort();
    assert_eq!(found[0].0, "pertussis");
    assert_eq!(found[0].1, "43913-3");
    assert_eq!(found[0].2, None);
    assert_eq!(found[1].0, "salmonellosis");
    assert_eq!(found[1].1, "27268008");
    assert!(found[1].2.is_some());
    // Evaluated again under another list, the loose result still makes one case.
    let other = TriggerSet::with_facility_file(
        "[conditions.lyme]\nenabled = false\n",
        "reportable.toml",
        codes(),
    )
    .unwrap();
    let again = cases::step(store, &other).unwrap();
    assert_eq!((again.rebuilt, again.opened), (true, 0));
    assert_eq!(all_cases(store).len(), 2);
}

fn who(store: &TestStore) -> AuditEvent {
    AuditEvent::new(store.clock.now(), "ph", Action::Update, Channel::Cli)
}

fn the_queue_is_worked_and_a_report_enters_the_accounting(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = AuditTrail::with_key(AuditKey::from_bytes(&[5; 32]).unwrap(), dir.path());
    let ana = store
        .write(|tx| {
            let ana = patient(tx, "02139", date!(2015 - 06 - 01));
            let visit = encounter(tx, ana);
            diagnose(tx, ana, visit, "B05.9", 1);
            Ok(ana)
        })
        .unwrap();
    cases::step(store, &triggers()).unwrap();
    let id = all_cases(store)[0].meta.id;
    let ph = Actor::new("user:ph");

    // Reported only by sending; not reportable only with a reason.
    let refused = trail.write(store, |a| {
        Ok(cases::mark(
            a,
            &ph,
            id,
            CaseStatus::Reported,
            "",
            who(store),
        ))
    });
    assert!(matches!(refused.unwrap(), Err(CaseError::Refused(_))));
    let no_reason = trail.write(store, |a| {
        cases::mark(a, &ph, id, CaseStatus::NotReportable, " ", who(store)).map_err(|e| match e {
            CaseError::Store(e) => e,
            CaseError::Refused(why) => store::Error::Conflict(why),
        })
    });
    assert!(no_reason.is_err());
    let reviewed = trail
        .write(store, |a| {
            Ok(cases::mark(
                a,
                &ph,
                id,
                CaseStatus::Reviewed,
                "fever and rash, IgM sent",
                who(store),
            )
            .unwrap())
        })
        .unwrap();
    assert_eq!(reviewed.record.status, CaseStatus::Reviewed);
    assert_eq!(reviewed.record.worked_by.as_deref(), Some("user:ph"));

    let report = SentReport {
        recipient: "Example State Department of Health",
        description: "eICR document Bundle urn:uuid:1".into(),
        channel: "fhir-eicr",
    };
    let reported = trail
        .write(store, |a| {
            Ok(cases::record_report(a, &ph, id, &report, who(store)).unwrap())
        })
        .unwrap();
    assert_eq!(reported.record.status, CaseStatus::Reported);
    let account = trail
        .write(store, |a| {
            Ok(disclosures::accounting(a, &who(store), PatientId(ana)).unwrap())
        })
        .unwrap();
    assert_eq!(account.disclosures.len(), 1);
    let line = &account.disclosures[0].record;
    assert_eq!(line.recipient, "Example State Department of Health");
    assert_eq!(line.legal_basis, LegalBasis::PublicHealth);
    assert_eq!(line.channel, "fhir-eicr");
    assert!(line.description.contains("Measles"));

    // Every change is audited with the case named.
    let entries = store
        .audit_entries(&AuditFilter {
            patient_id: Some(PatientId(ana)),
            ..AuditFilter::default()
        })
        .unwrap();
    let about_case = entries
        .iter()
        .filter(|e| e.event.record_kind.as_deref() == Some("case_report"))
        .count();
    assert_eq!(about_case, 3, "reviewed, export, reported");
}

backend_tests!(
    cases_follow_the_diagnoses,
    results_open_cases_by_test_or_organism,
    the_queue_is_worked_and_a_report_enters_the_accounting
);
