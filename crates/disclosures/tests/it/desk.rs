//! The desk on both stores: intake, a review naming its defects, the fix, release with
//! its packet and accounting entry, protected and restricted items withheld, denial and
//! the one extension; every step audited.

use crate::validate::complete;
use disclosures::{
    Error, FeeSchedule, accounting, add_consent, deny, extend, intake, queue, release, review,
};
use privacy::AuditKey;
use privacy::{Action, AuditEvent, Channel, DataCategory};
use records::*;
use store::{Actor, AuditFilter, AuditTrail, Clock, Stored, Tx};
use test_support::{TestStore, backend_tests};
use time::macros::{date, datetime};

struct Chart {
    patient: PatientId,
    self_paid: EncounterId,
}

fn encounter(
    tx: &mut Tx<'_>,
    patient: PatientId,
    at: time::OffsetDateTime,
    service: Option<&str>,
    codes: &[&str],
    note: &str,
) -> EncounterId {
    let actor = Actor::new("test:clerk");
    let stored = tx
        .create(
            &actor,
            &Encounter {
                patient_id: patient,
                class: EncounterClass::Outpatient,
                status: EncounterStatus::Finished,
                admit_at: at,
                discharge_at: Some(at + time::Duration::hours(1)),
                attending_id: None,
                facility_id: None,
                payer_id: None,
                discharge_disposition: None,
                reason: Some("visit".into()),
                service: service.map(str::to_owned),
            },
        )
        .unwrap();
    let id = EncounterId(stored.meta.id);
    for (idx, code) in codes.iter().enumerate() {
        tx.create(
            &actor,
            &Diagnosis {
                patient_id: patient,
                encounter_id: id,
                code: (*code).into(),
                rank: if idx == 0 {
                    DiagnosisRank::FirstListed
                } else {
                    DiagnosisRank::Secondary
                },
                sequence: idx as i32 + 1,
                poa: None,
                description: None,
                onset_at: None,
            },
        )
        .unwrap();
    }
    tx.create(
        &actor,
        &ClinicalNote {
            patient_id: patient,
            encounter_id: Some(id),
            note_type: NoteType::Progress,
            author_id: None,
            authored_at: at,
            text: note.into(),
            signed_at: None,
            signer_id: None,
        },
    )
    .unwrap();
    id
}

fn chart(store: &TestStore) -> Chart {
    store
        .write(|tx| {
            let mut patient = Patient::new(
                Mrn::parse("M00000042").unwrap(),
                FACILITY_MRN_AUTHORITY,
                "Testperson",
                "Riley",
                date!(1971 - 05 - 06),
                AdministrativeSex::Female,
            );
            patient.address.postal_code = Some("01101".into());
            let patient = PatientId(tx.create(&Actor::new("test:clerk"), &patient)?.meta.id);
            encounter(
                tx,
                patient,
                datetime!(2025-02-03 10:00 UTC),
                None,
                &["J06.9"],
                "Sore throat, rest.",
            );
            encounter(
                tx,
                patient,
                datetime!(2025-04-07 10:00 UTC),
                Some("Addiction medicine"),
                &["F11.20"],
                "Opioid use disorder, buprenorphine.",
            );
            let self_paid = encounter(
                tx,
                patient,
                datetime!(2025-06-09 10:00 UTC),
                None,
                &["L70.0"],
                "Acne, paid out of pocket.",
            );
            encounter(
                tx,
                patient,
                datetime!(2025-08-11 10:00 UTC),
                Some("Outpatient psychotherapy"),
                &["F43.10"],
                "Session notes.",
            );
            Ok(Chart { patient, self_paid })
        })
        .unwrap()
}

fn trail(dir: &tempfile::TempDir) -> AuditTrail {
    AuditTrail::with_key(AuditKey::from_bytes(&[7; 32]).unwrap(), dir.path())
}

fn who(store: &TestStore) -> AuditEvent {
    AuditEvent::new(store.clock.now(), "hana", Action::Read, Channel::Cli)
}

fn request_for(chart: &Chart) -> RoiRequest {
    RoiRequest {
        patient_id: chart.patient,
        categories: vec![
            ReleaseCategory::Encounters,
            ReleaseCategory::Diagnoses,
            ReleaseCategory::Notes,
        ],
        ..complete()
    }
}

fn the_desk_takes_a_request_from_intake_to_the_accounting(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    let chart = chart(store);
    let who = who(store);
    let mut request = request_for(&chart);
    request.identity_verified = None;
    form_categories(&mut request);
    let taken = trail
        .write(store, |a| Ok(intake(a, &who, request.clone()).unwrap()))
        .unwrap();
    assert_eq!(taken.record.status, RoiStatus::Received);
    assert_eq!(
        taken.record.due_on,
        date!(2026 - 03 - 27),
        "30 days after receipt"
    );
    let id = taken.meta.id;

    // The review names the defect; nothing can be released.
    let first = trail
        .write(store, |a| Ok(review(a, &who, id).unwrap()))
        .unwrap();
    let fields: Vec<&str> = first.defects.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, ["identity_verified"]);
    assert_eq!(first.request.record.status, RoiStatus::Received);
    let refused = trail
        .write(store, |a| {
            Ok(release(a, &who, id, &FeeSchedule::default(), "Chartroom General").unwrap_err())
        })
        .unwrap();
    assert!(matches!(refused, Error::Defective { .. }), "{refused}");
    assert!(
        refused.to_string().contains("identity_verified"),
        "{refused}"
    );

    // Fixed, it validates and releases.
    store
        .write(|tx| {
            let before: Stored<RoiRequest> = tx.get(id)?;
            let fixed = RoiRequest {
                identity_verified: Some("photo ID at the desk".into()),
                ..before.record
            };
            tx.update(&Actor::new("test:clerk"), id, before.meta.version, &fixed)
        })
        .unwrap();
    let second = trail
        .write(store, |a| Ok(review(a, &who, id).unwrap()))
        .unwrap();
    assert!(second.defects.is_empty(), "{:?}", second.defects);
    assert_eq!(second.request.record.status, RoiStatus::Validated);
    // The Part 2 encounter and the psychotherapy notes are withheld: not asked for.
    let withheld: Vec<String> = second
        .scope
        .withheld
        .iter()
        .map(|(r, n)| format!("{n} {}", r.describe()))
        .collect();
    assert_eq!(
        withheld,
        [
            "1 Psychotherapy notes not asked for",
            "3 Substance use disorder records (42 CFR Part 2) not asked for"
        ]
    );

    let released = trail
        .write(store, |a| {
            Ok(release(a, &who, id, &FeeSchedule::default(), "Chartroom General").unwrap())
        })
        .unwrap();
    assert_eq!(released.request.record.status, RoiStatus::Released);
    assert_eq!(
        released.request.record.pages,
        Some(released.packet.pages as i64)
    );
    assert_eq!(released.packet.pages, 2, "cover and one page of items");
    // Search fee and two pages at $1.
    assert_eq!(released.request.record.fee_cents, Some(1500 + 200));
    let pdf = String::from_utf8_lossy(&released.packet.pdf).into_owned();
    assert!(pdf.contains("ROI-"), "watermarked");
    assert!(pdf.contains("page 2 of 2"));
    assert!(pdf.contains("Sore throat"));
    assert!(!pdf.contains("buprenorphine"), "Part 2 note withheld");
    assert!(!pdf.contains("F11.20"));
    assert!(!pdf.contains("Session notes"));
    assert!(
        !released.disclosure.record.accountable,
        "under an authorization: excluded"
    );

    // A second release is refused: it is closed.
    let again = trail
        .write(store, |a| {
            Ok(release(a, &who, id, &FeeSchedule::default(), "x").unwrap_err())
        })
        .unwrap();
    assert!(again.to_string().contains("released already"), "{again}");

    // A court-ordered release is accountable and appears in the accounting.
    let mut ordered = request_for(&chart);
    ordered.legal_basis = LegalBasis::CourtOrder;
    ordered.authorization_form = None;
    ordered.minimum_necessary = Some("the visits of 2025 the order names".into());
    ordered.requester_name = "Clerk of Court".into();
    let ordered = trail
        .write(store, |a| Ok(intake(a, &who, ordered).unwrap()))
        .unwrap();
    trail
        .write(store, |a| {
            Ok(release(
                a,
                &who,
                ordered.meta.id,
                &FeeSchedule::default(),
                "Chartroom General",
            )
            .unwrap())
        })
        .unwrap();
    let account = trail
        .write(store, |a| Ok(accounting(a, &who, chart.patient).unwrap()))
        .unwrap();
    assert_eq!(account.disclosures.len(), 1);
    assert_eq!(account.excluded, 1);
    assert!(
        account.disclosures[0]
            .record
            .recipient
            .starts_with("Clerk of Court")
    );
    assert_eq!(
        account.disclosures[0].record.legal_basis,
        LegalBasis::CourtOrder
    );

    // Every step is in the audit trail: intake, reviews, the exports.
    let entries = store
        .audit_entries(&AuditFilter {
            patient_id: Some(chart.patient),
            ..AuditFilter::default()
        })
        .unwrap();
    let exports: Vec<_> = entries
        .iter()
        .filter(|e| e.event.action == Action::Export)
        .collect();
    assert_eq!(exports.len(), 2);
    let reason = exports[0].event.reason.clone().unwrap();
    assert!(
        reason.contains("withheld: Psychotherapy notes not asked for"),
        "{reason}"
    );
    assert!(exports[0].event.categories.contains(&DataCategory::Notes));
}

fn form_categories(request: &mut RoiRequest) {
    let form = request.authorization_form.as_mut().unwrap();
    form.categories = request.categories.clone();
}

fn a_restriction_keeps_a_self_paid_visit_from_the_health_plan(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    let chart = chart(store);
    let who = who(store);
    trail
        .write(store, |a| {
            Ok(add_consent(
                a,
                &who,
                Consent {
                    patient_id: chart.patient,
                    kind: ConsentKind::Restriction,
                    categories: Vec::new(),
                    recipient: Some("insurer".into()),
                    encounter_id: Some(chart.self_paid),
                    effective_from: date!(2025 - 06 - 09),
                    effective_to: None,
                    revoked_on: None,
                    note: Some("paid in full out of pocket (164.522(a)(1)(vi))".into()),
                    recorded_by: "hana".into(),
                },
            )
            .unwrap())
        })
        .unwrap();
    let mut request = request_for(&chart);
    request.requester_kind = RequesterKind::Insurer;
    request.requester_name = "Acme Health Plan".into();
    request.legal_basis = LegalBasis::Payment;
    request.authorization_form = None;
    request.minimum_necessary = Some("claims review of 2025 visits".into());
    let taken = trail
        .write(store, |a| Ok(intake(a, &who, request).unwrap()))
        .unwrap();
    let released = trail
        .write(store, |a| {
            Ok(release(
                a,
                &who,
                taken.meta.id,
                &FeeSchedule::default(),
                "Chartroom General",
            )
            .unwrap())
        })
        .unwrap();
    let pdf = String::from_utf8_lossy(&released.packet.pdf).into_owned();
    assert!(!pdf.contains("L70.0"), "the self-paid visit's diagnosis");
    assert!(!pdf.contains("paid out of pocket"));
    assert!(pdf.contains("J06.9"));
    assert!(
        released.withheld.iter().any(|w| w.contains("restriction")),
        "{:?}",
        released.withheld
    );

    // The queue shows open requests only; deny and extend close or move them.
    let mut other = request_for(&chart);
    form_categories(&mut other);
    let other = trail
        .write(store, |a| Ok(intake(a, &who, other).unwrap()))
        .unwrap();
    let open = trail
        .write(store, |a| Ok(queue(a, &who, &[], 50).unwrap()))
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].mrn, "M00000042");
    let extended = trail
        .write(store, |a| {
            Ok(extend(a, &who, other.meta.id, "records off site").unwrap())
        })
        .unwrap();
    assert_eq!(extended.record.due(), date!(2026 - 04 - 26));
    let twice = trail
        .write(store, |a| {
            Ok(extend(a, &who, other.meta.id, "again").unwrap_err())
        })
        .unwrap();
    assert!(twice.to_string().contains("one extension"), "{twice}");
    let no_reason = trail
        .write(
            store,
            |a| Ok(deny(a, &who, other.meta.id, " ").unwrap_err()),
        )
        .unwrap();
    assert!(
        no_reason.to_string().contains("decision_reason"),
        "{no_reason}"
    );
    trail
        .write(store, |a| {
            Ok(deny(a, &who, other.meta.id, "not the patient's representative").unwrap())
        })
        .unwrap();
    let open = trail
        .write(store, |a| Ok(queue(a, &who, &[], 50).unwrap()))
        .unwrap();
    assert!(open.is_empty());
}

backend_tests!(
    the_desk_takes_a_request_from_intake_to_the_accounting,
    a_restriction_keeps_a_self_paid_visit_from_the_health_plan,
);
