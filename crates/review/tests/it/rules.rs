//! Each default rule: a chart that triggers it, the complete chart that does not, and the
//! boundary of its due time.

use crate::charts::*;
use records::*;
use review::{Finding, RuleSet, analyse};
use store::Tx;
use test_support::{TestStore, backend_tests};
use time::Duration;

fn findings(store: &TestStore, patient: i64) -> Vec<Finding> {
    let rules = RuleSet::defaults().unwrap();
    store
        .read(|tx| {
            Ok(analyse(
                &review::ChartFacts::from(&tx.chart(patient)?),
                &rules,
                &context(),
            ))
        })
        .unwrap()
}

fn rule_ids(found: &[Finding]) -> Vec<&str> {
    let mut ids: Vec<&str> = found.iter().map(|f| f.rule_id.as_str()).collect();
    ids.sort_unstable();
    ids
}

/// The complete chart, changed by `change`, and what review finds in it.
fn with(store: &TestStore, change: impl FnOnce(&mut Tx<'_>, &Chart)) -> (Chart, Vec<Finding>) {
    let chart = store
        .write(|tx| {
            let chart = complete_chart(tx);
            change(tx, &chart);
            Ok(chart)
        })
        .unwrap();
    let found = findings(store, chart.patient);
    (chart, found)
}

fn only(found: &[Finding], rule: &str) -> Finding {
    assert_eq!(rule_ids(found), [rule], "{found:#?}");
    found[0].clone()
}

fn a_complete_chart_has_no_deficiencies(store: &TestStore) {
    let (_, found) = with(store, |_, _| {});
    assert!(found.is_empty(), "{found:#?}");
}

fn an_unsigned_note_is_due_in_a_day_from_its_writing(store: &TestStore) {
    let written = ADMIT + Duration::hours(30);
    let (chart, found) = with(store, |tx, c| {
        note(tx, c, NoteType::Progress, written, false);
    });
    let f = only(&found, "note-unsigned");
    assert_eq!(f.provider_id, Some(chart.provider), "the author signs");
    assert_eq!(f.since, written);
    assert_eq!(f.due_at, written + Duration::hours(24));
    assert!(
        f.message.contains("Progress note written 2026-02-02"),
        "{}",
        f.message
    );
}

fn a_stay_without_a_history_and_physical_is_due_a_day_after_admission(store: &TestStore) {
    let (_, found) = with(store, |tx, c| {
        let h_and_p: Vec<store::Stored<ClinicalNote>> = tx.for_patient(c.patient).unwrap();
        let first = &h_and_p[0];
        tx.delete::<ClinicalNote>(&actor(), first.meta.id, first.meta.version, "test")
            .unwrap();
    });
    let f = only(&found, "history-and-physical-missing");
    assert_eq!((f.since, f.due_at), (ADMIT, ADMIT + Duration::hours(24)));
}

fn a_discharge_summary_is_due_thirty_days_after_discharge(store: &TestStore) {
    let (_, found) = with(store, |tx, c| {
        let notes: Vec<store::Stored<ClinicalNote>> = tx.for_patient(c.patient).unwrap();
        let summary = &notes[1];
        tx.delete::<ClinicalNote>(&actor(), summary.meta.id, summary.meta.version, "test")
            .unwrap();
    });
    let f = only(&found, "discharge-summary-missing");
    assert_eq!(f.due_at, DISCHARGE + Duration::days(30));
    let deficiency_at = |now| {
        Deficiency {
            patient_id: PatientId(1),
            encounter_id: None,
            rule_id: f.rule_id.clone(),
            subject: f.subject.clone(),
            status: DeficiencyStatus::Open,
            severity: f.severity,
            responsible: f.responsible,
            provider_id: None,
            assignee: None,
            message: f.message.clone(),
            since: f.since,
            due_at: f.due_at,
            closed_at: None,
            closed_reason: None,
        }
        .is_delinquent(now)
    };
    assert!(
        !deficiency_at(f.due_at),
        "due at its due time, not yet delinquent"
    );
    assert!(deficiency_at(f.due_at + Duration::seconds(1)));
}

fn a_stay_still_going_has_no_discharge_clock(store: &TestStore) {
    let (_, found) = with(store, |tx, c| {
        let current: store::Stored<Encounter> = tx.get(c.encounter).unwrap();
        let mut stay = current.record.clone();
        stay.status = EncounterStatus::InProgress;
        stay.discharge_at = None;
        stay.discharge_disposition = None;
        tx.update(&actor(), c.encounter, current.meta.version, &stay)
            .unwrap();
        let notes: Vec<store::Stored<ClinicalNote>> = tx.for_patient(c.patient).unwrap();
        tx.delete::<ClinicalNote>(&actor(), notes[1].meta.id, notes[1].meta.version, "test")
            .unwrap();
    });
    assert!(found.is_empty(), "{found:#?}");
}

/// A laparoscopic appendectomy (ICD-10-PCS 0DTJ4ZZ) five hours after admission.
fn appendectomy(tx: &mut Tx<'_>, c: &Chart) {
    tx.create(
        &actor(),
        &Procedure {
            patient_id: PatientId(c.patient),
            encounter_id: Some(EncounterId(c.encounter)),
            code_system: ProcedureCodeSystem::Icd10Pcs,
            code: "0DTJ4ZZ".into(),
            modifiers: Vec::new(),
            units: 1,
            performed_at: ADMIT + Duration::hours(5),
            performer_id: Some(ProviderId(c.provider)),
            description: Some("Laparoscopic appendectomy".into()),
        },
    )
    .unwrap();
}

fn an_operation_needs_its_report(store: &TestStore) {
    let (_, found) = with(store, |tx, c| {
        appendectomy(tx, c);
    });
    let f = only(&found, "operative-report-missing");
    assert!(f.message.contains("0DTJ4ZZ"), "{}", f.message);
    assert_eq!(f.due_at, ADMIT + Duration::hours(29));
    let (_, with_report) = with(store, |tx, c| {
        appendectomy(tx, c);
        note(
            tx,
            c,
            NoteType::OperativeReport,
            ADMIT + Duration::hours(6),
            true,
        );
    });
    assert!(with_report.is_empty(), "{with_report:#?}");
}

fn diagnoses_principal_and_poa(store: &TestStore) {
    let (_, none) = with(store, |tx, c| {
        let dx: Vec<store::Stored<Diagnosis>> = tx.for_patient(c.patient).unwrap();
        tx.delete::<Diagnosis>(&actor(), dx[0].meta.id, dx[0].meta.version, "test")
            .unwrap();
    });
    let f = only(&none, "diagnosis-missing");
    assert_eq!(f.due_at, DISCHARGE + Duration::hours(72));

    let (_, secondary_only) = with(store, |tx, c| {
        let dx: Vec<store::Stored<Diagnosis>> = tx.for_patient(c.patient).unwrap();
        let mut record = dx[0].record.clone();
        record.rank = DiagnosisRank::Secondary;
        tx.update(&actor(), dx[0].meta.id, dx[0].meta.version, &record)
            .unwrap();
    });
    only(&secondary_only, "principal-diagnosis-missing");

    let (_, poa) = with(store, |tx, c| {
        diagnosis(tx, c, "E11.9", DiagnosisRank::Secondary, None);
        // Exempt from POA reporting: no indicator is right.
        diagnosis(tx, c, "Z99.89", DiagnosisRank::Secondary, None);
    });
    let f = only(&poa, "poa-missing");
    assert!(f.message.contains("E11.9"), "{}", f.message);
}

fn demographics_and_coverage(store: &TestStore) {
    let (_, found) = with(store, |tx, c| {
        let patient: store::Stored<Patient> = tx.get(c.patient).unwrap();
        let mut record = patient.record.clone();
        record.address.postal_code = None;
        record.sex = AdministrativeSex::Unknown;
        tx.update(&actor(), c.patient, patient.meta.version, &record)
            .unwrap();
    });
    let f = only(&found, "demographics-incomplete");
    assert!(f.message.ends_with("no sex, ZIP"), "{}", f.message);
    assert_eq!(f.encounter_id, None);

    let (_, uninsured) = with(store, |tx, c| {
        let coverage: store::Stored<Coverage> = tx.get(c.coverage).unwrap();
        let mut record = coverage.record.clone();
        record.effective_end = Some(time::macros::date!(2025 - 12 - 31));
        tx.update(&actor(), c.coverage, coverage.meta.version, &record)
            .unwrap();
    });
    only(&uninsured, "coverage-missing");
}

fn coding_edits_on_the_date_of_service(store: &TestStore) {
    let (_, found) = with(store, |tx, c| {
        // A category, not a billable code; and a maternity code on a 65-year-old.
        diagnosis(
            tx,
            c,
            "E11",
            DiagnosisRank::Secondary,
            Some(PoaIndicator::Yes),
        );
        diagnosis(
            tx,
            c,
            "O80",
            DiagnosisRank::Secondary,
            Some(PoaIndicator::Yes),
        );
    });
    let ids = rule_ids(&found);
    assert_eq!(ids, ["coding-edit", "coding-edit"], "{found:#?}");
    assert!(
        found
            .iter()
            .any(|f| f.message.contains("E11 on 2026-02-01") && f.message.contains("is a header")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|f| f.message.contains("O80")),
        "{found:#?}"
    );
}

fn two_diagnoses_an_excludes1_note_keeps_apart(store: &TestStore) {
    let mut later = 0;
    let (_, found) = with(store, |tx, c| {
        let yes = Some(PoaIndicator::Yes);
        diagnosis_listed(tx, c, "E11.9", DiagnosisRank::Secondary, yes, 2);
        later = diagnosis_listed(tx, c, "E10.9", DiagnosisRank::Secondary, yes, 3);
    });
    let f = only(&found, "coding-edit");
    assert_eq!(
        f.subject,
        format!("diagnosis:{later}"),
        "the later code carries it"
    );
    assert!(
        f.message.contains("E10.9 on 2026-02-01") && f.message.contains("Excludes1"),
        "{}",
        f.message
    );

    // Each alone is fine.
    let (_, alone) = with(store, |tx, c| {
        diagnosis_listed(
            tx,
            c,
            "E11.9",
            DiagnosisRank::Secondary,
            Some(PoaIndicator::Yes),
            2,
        );
    });
    assert!(alone.is_empty(), "{alone:#?}");
}

fn cpt(tx: &mut Tx<'_>, c: &Chart, code: &str) -> i64 {
    tx.create(
        &actor(),
        &Procedure {
            patient_id: PatientId(c.patient),
            encounter_id: Some(EncounterId(c.encounter)),
            code_system: ProcedureCodeSystem::Cpt,
            code: code.into(),
            modifiers: Vec::new(),
            units: 1,
            performed_at: ADMIT + Duration::hours(5),
            performer_id: Some(ProviderId(c.provider)),
            description: None,
        },
    )
    .unwrap()
    .meta
    .id
}

/// Two procedures an NCCI pair keeps apart (the codes crate's fabricated fixture, imported
/// as a site would) are a coding deficiency on the chart, found by the same table the
/// procedure form and `codes edits` use; without the import nothing is claimed; a code
/// recorded twice is the coder's to confirm, not a deficiency.
fn procedures_an_ncci_pair_keeps_apart(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../codes/test_data/ncci");
    for name in ["ptp-practitioner.txt", "mue-practitioner.csv"] {
        codes::CodeSets::import_ncci(&fixture.join(name), dir.path()).unwrap();
    }
    let sets = codes::CodeSets::open(dir.path()).unwrap();
    let mut ids = Vec::new();
    let chart = store
        .write(|tx| {
            let chart = complete_chart(tx);
            ids.push(cpt(tx, &chart, "29881"));
            ids.push(cpt(tx, &chart, "29880"));
            appendectomy(tx, &chart);
            appendectomy(tx, &chart);
            Ok(chart)
        })
        .unwrap();
    let analysed = |codes: &codes::CodeSets| {
        let context = review::Context {
            codes: Some(codes),
            poa_exempt: poa(),
        };
        let rules = RuleSet::defaults().unwrap();
        let facts = store
            .read(|tx| Ok(review::ChartFacts::from(&tx.chart(chart.patient)?)))
            .unwrap();
        let found: Vec<Finding> = analyse(&facts, &rules, &context)
            .into_iter()
            .filter(|f| f.rule_id == "coding-edit")
            .collect();
        found
    };
    let found = analysed(&sets);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        ids.iter()
            .any(|id| found[0].subject == format!("procedure:{id}")),
        "{found:#?}"
    );
    assert!(
        found[0].message.contains("29880") && found[0].message.contains("29881"),
        "{}",
        found[0].message
    );
    assert!(analysed(codes()).is_empty(), "no NCCI import, no pair");
}

backend_tests!(
    procedures_an_ncci_pair_keeps_apart,
    two_diagnoses_an_excludes1_note_keeps_apart,
    a_complete_chart_has_no_deficiencies,
    an_unsigned_note_is_due_in_a_day_from_its_writing,
    a_stay_without_a_history_and_physical_is_due_a_day_after_admission,
    a_discharge_summary_is_due_thirty_days_after_discharge,
    a_stay_still_going_has_no_discharge_clock,
    an_operation_needs_its_report,
    diagnoses_principal_and_poa,
    demographics_and_coverage,
    coding_edits_on_the_date_of_service,
);
