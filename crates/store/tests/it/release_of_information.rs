//! Release-of-information records (schema 16) are written and read back unchanged, the
//! authorisation form as JSON, and a disclosure must name a request that exists.

use crate::fixtures::{actor, full_chart};
use records::*;
use test_support::{TestStore, backend_tests};
use time::macros::{date, datetime};

fn request(patient_id: PatientId) -> RoiRequest {
    RoiRequest {
        patient_id,
        requester_kind: RequesterKind::Attorney,
        requester_name: "Dana Counsel".into(),
        requester_organization: Some("Counsel & Co".into()),
        requester_address: Some("1 Court St, Springfield MA 01101".into()),
        identity_verified: Some("bar card checked".into()),
        purpose: "personal injury claim".into(),
        legal_basis: LegalBasis::Authorization,
        subpoena_assurances: None,
        categories: vec![ReleaseCategory::Encounters, ReleaseCategory::SubstanceUse],
        from_date: Some(date!(2025 - 01 - 01)),
        to_date: None,
        minimum_necessary: Some("visits of the accident".into()),
        delivery: Delivery::Pdf,
        authorization_form: Some(Authorization {
            description: Some("visit notes 2025".into()),
            signature: true,
            signed_on: Some(date!(2026 - 01 - 02)),
            categories: vec![ReleaseCategory::Encounters],
            ..Authorization::default()
        }),
        status: RoiStatus::Received,
        received_on: date!(2026 - 01 - 05),
        due_on: date!(2026 - 02 - 04),
        extended_to: None,
        extension_reason: None,
        decided_by: None,
        decided_at: None,
        decision_reason: None,
        pages: None,
        fee_cents: None,
        packet_sha256: None,
        received_by: "him".into(),
    }
}

fn roi_records_round_trip(store: &TestStore) {
    let chart = store.write(full_chart).unwrap();
    let patient_id = PatientId(chart.patient.meta.id);
    let (stored, disclosure, consent) = store
        .write(|tx| {
            let stored = tx.create(&actor(), &request(patient_id))?;
            let disclosure = tx.create(
                &actor(),
                &Disclosure {
                    patient_id,
                    disclosed_at: datetime!(2026-01-10 14:00 UTC),
                    recipient: "Dana Counsel".into(),
                    recipient_address: None,
                    description: "encounters 2025".into(),
                    purpose: "personal injury claim".into(),
                    legal_basis: LegalBasis::CourtOrder,
                    accountable: true,
                    request_id: Some(stored.meta.id),
                    channel: "roi".into(),
                    made_by: "him".into(),
                },
            )?;
            let consent = tx.create(
                &actor(),
                &Consent {
                    patient_id,
                    kind: ConsentKind::Restriction,
                    categories: Vec::new(),
                    recipient: Some("insurer".into()),
                    encounter_id: Some(EncounterId(chart.encounter.meta.id)),
                    effective_from: date!(2026 - 01 - 01),
                    effective_to: None,
                    revoked_on: None,
                    note: Some("paid in full out of pocket".into()),
                    recorded_by: "him".into(),
                },
            )?;
            Ok((stored, disclosure, consent))
        })
        .unwrap();
    let read: Vec<store::Stored<RoiRequest>> =
        store.read(|tx| tx.for_patient(patient_id.0)).unwrap();
    assert_eq!(read[0].record, stored.record);
    let read: Vec<store::Stored<Disclosure>> =
        store.read(|tx| tx.for_patient(patient_id.0)).unwrap();
    assert_eq!(read[0].record, disclosure.record);
    assert!(read[0].record.accountable);
    let read: Vec<store::Stored<Consent>> = store.read(|tx| tx.for_patient(patient_id.0)).unwrap();
    assert_eq!(read[0].record, consent.record);
}

fn disclosure_names_an_existing_request(store: &TestStore) {
    let chart = store.write(full_chart).unwrap();
    let error = store
        .write(|tx| {
            tx.create(
                &actor(),
                &Disclosure {
                    patient_id: PatientId(chart.patient.meta.id),
                    disclosed_at: datetime!(2026-01-10 14:00 UTC),
                    recipient: "State registry".into(),
                    recipient_address: None,
                    description: "immunizations".into(),
                    purpose: "registry".into(),
                    legal_basis: LegalBasis::PublicHealth,
                    accountable: true,
                    request_id: Some(999),
                    channel: "registry message".into(),
                    made_by: "job:vxu".into(),
                },
            )
        })
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "disclosure.request_id: roi_request 999 does not exist"
    );
}

backend_tests!(roi_records_round_trip, disclosure_names_an_existing_request);
