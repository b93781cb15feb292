//! Signing notes through the store: the worklist, the signature with its history, the
//! signed note's immutability, and the account-to-provider link.

use crate::fixtures::{actor, full_chart};
use records::{ClinicalNote, NoteType, PatientId, Provider, ProviderId};
use store::{Actor, Error};
use test_support::{TestStore, backend_tests};
use time::macros::datetime;

fn note_by(patient: i64, encounter: Option<i64>, author: i64) -> ClinicalNote {
    ClinicalNote {
        patient_id: PatientId(patient),
        encounter_id: encounter.map(records::EncounterId),
        note_type: NoteType::Consultation,
        author_id: Some(ProviderId(author)),
        authored_at: datetime!(2026-02-02 10:00 UTC),
        text: "Synthetic consult.".into(),
        signed_at: None,
        signer_id: None,
    }
}

fn consultant() -> Provider {
    Provider {
        npi: None,
        family_name: "Consultant".into(),
        given_name: "Cleo".into(),
        credentials: Some("MD".into()),
        taxonomy: None,
        specialty: None,
        organization_id: None,
    }
}

fn worklist_signature_and_history(store: &TestStore) {
    let (chart, attending, other, on_encounter, loose) = store
        .write(|tx| {
            let chart = full_chart(tx)?;
            let attending = chart.encounter.record.attending_id.unwrap().0;
            let other = tx.create(&actor(), &consultant())?.meta.id;
            let patient = chart.patient.meta.id;
            let on_encounter = tx
                .create(
                    &actor(),
                    &note_by(patient, Some(chart.encounter.meta.id), other),
                )?
                .meta
                .id;
            let loose = tx.create(&actor(), &note_by(patient, None, other))?.meta.id;
            Ok((chart, attending, other, on_encounter, loose))
        })
        .unwrap();
    let ids = |provider: i64| {
        store
            .read(|tx| tx.unsigned_notes_for(ProviderId(provider), 50))
            .unwrap()
            .into_iter()
            .map(|n| n.meta.id)
            .collect::<Vec<_>>()
    };
    let attendings = ids(attending);
    assert_eq!(attendings.len(), 2, "own H&P and the consult on their stay");
    assert!(attendings.contains(&on_encounter) && !attendings.contains(&loose));
    assert_eq!(ids(other), [on_encounter, loose]);

    let hp = attendings
        .iter()
        .copied()
        .find(|id| *id != on_encounter)
        .unwrap();
    let refused = store
        .write(|tx| tx.sign_note(&Actor::new("user:cleo"), hp, 1, ProviderId(other)))
        .unwrap_err();
    match refused {
        Error::Invalid { errors, .. } => assert_eq!(
            errors.to_string(),
            format!(
                "signer_id: provider {other} is neither the note's author nor the encounter's attending"
            )
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }

    let signed = store
        .write(|tx| {
            tx.sign_note(
                &Actor::new("user:doc"),
                on_encounter,
                1,
                ProviderId(attending),
            )
        })
        .unwrap();
    assert_eq!(signed.meta.version, 2);
    assert_eq!(signed.record.signed_at, Some(test_support::test_epoch()));
    assert_eq!(signed.record.signer_id, Some(ProviderId(attending)));
    let history = store.read(|tx| tx.history("note", on_encounter)).unwrap();
    let fields: Vec<&str> = history[0]
        .changes
        .iter()
        .map(|c| c.field.as_str())
        .collect();
    assert_eq!(
        (history[0].changed_by.as_str(), fields),
        ("user:doc", vec!["signed_at", "signer_id"])
    );
    assert_eq!(ids(other), [loose], "signed notes leave every worklist");

    let again = store
        .write(|tx| {
            tx.sign_note(
                &Actor::new("user:doc"),
                on_encounter,
                2,
                ProviderId(attending),
            )
        })
        .unwrap_err();
    assert!(again.to_string().contains("already signed"), "{again}");
    let mut rewritten = signed.record.clone();
    rewritten.text = "Rewritten after signing.".into();
    let edit = store
        .write(|tx| tx.update(&actor(), on_encounter, 2, &rewritten))
        .unwrap_err();
    assert!(edit.to_string().contains("cannot be changed"), "{edit}");
    let _ = chart;
}

fn account_speaks_for_one_provider(store: &TestStore) {
    let (first, second) = store
        .write(|tx| {
            let first = tx.create(&actor(), &consultant())?.meta.id;
            let second = tx.create(&actor(), &consultant())?.meta.id;
            Ok((first, second))
        })
        .unwrap();
    assert_eq!(store.read(|tx| tx.account_provider("doc")).unwrap(), None);
    store
        .write(|tx| tx.link_account_provider("doc", ProviderId(first)))
        .unwrap();
    store
        .write(|tx| tx.link_account_provider("doc", ProviderId(second)))
        .unwrap();
    assert_eq!(
        store.read(|tx| tx.account_provider("doc")).unwrap(),
        Some(ProviderId(second))
    );
    let missing = store
        .write(|tx| tx.link_account_provider("doc", ProviderId(9_999)))
        .unwrap_err();
    assert!(matches!(
        missing,
        Error::NotFound {
            kind: "provider",
            ..
        }
    ));
}

backend_tests!(
    worklist_signature_and_history,
    account_speaks_for_one_provider
);
