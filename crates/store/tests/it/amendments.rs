//! Amendment requests: recorded, decided once, audited with the decision.

use crate::fixtures::{actor, patient};
use privacy::{Action, AuditEvent, AuditKey, Channel};
use records::PatientId;
use store::{AuditFilter, AuditTrail};
use test_support::{TestStore, backend_tests};

fn by(store: &TestStore) -> AuditEvent {
    AuditEvent::new(store.clock().now(), "him", Action::Create, Channel::Api)
}

fn requests_are_recorded_decided_once_and_audited(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = AuditTrail::with_key(AuditKey::from_bytes(&[6; 32]).unwrap(), dir.path());
    let p = store
        .write(|tx| tx.create(&actor(), &patient("AM1", "Amend", "Ada")))
        .unwrap();
    let pid = PatientId(p.meta.id);
    let asked = trail
        .write(store, |a| {
            a.request_amendment(pid, "my birth date is 1980-04-21", by(store))
        })
        .unwrap();
    assert_eq!(asked.status, "pending");
    let missing = trail
        .write(store, |a| {
            a.request_amendment(PatientId(999), "x", by(store))
        })
        .unwrap_err();
    assert_eq!(missing.to_string(), "patient 999 does not exist");

    let accepted = trail
        .write(store, |a| {
            a.decide_amendment(
                asked.id,
                true,
                "birth certificate seen",
                Some(("patient", pid.0)),
                by(store),
            )
        })
        .unwrap();
    assert_eq!(accepted.status, "accepted");
    assert_eq!(accepted.decision.as_ref().unwrap().linked_id, Some(pid.0));
    let again = trail
        .write(store, |a| {
            a.decide_amendment(asked.id, false, "no", None, by(store))
        })
        .unwrap_err();
    assert_eq!(
        again.to_string(),
        format!("amendment request {} was already accepted", asked.id)
    );

    // A denial names the record disputed too, so it is kept with it (issue 10).
    let disputed = trail
        .write(store, |a| {
            a.request_amendment(pid, "my name is spelled Jon", by(store))
        })
        .unwrap();
    let unnamed = trail
        .write(store, |a| {
            a.decide_amendment(disputed.id, false, "matches the ID shown", None, by(store))
        })
        .unwrap_err();
    assert!(
        unnamed.to_string().contains("names the record it is about"),
        "{unnamed}"
    );
    let denied = trail
        .write(store, |a| {
            a.decide_amendment(
                disputed.id,
                false,
                "matches the ID shown",
                Some(("patient", pid.0)),
                by(store),
            )
        })
        .unwrap();
    assert_eq!(denied.status, "denied");
    assert_eq!(denied.decision.as_ref().unwrap().linked_id, Some(pid.0));
    assert_eq!(store.amendments(pid).unwrap(), [accepted, denied]);
    let entries = store
        .audit_entries(&AuditFilter {
            patient_id: Some(pid),
            ..Default::default()
        })
        .unwrap();
    let actions: Vec<Action> = entries.iter().map(|e| e.event.action).collect();
    assert_eq!(
        actions,
        [
            Action::Create,
            Action::Update,
            Action::Create,
            Action::Update
        ]
    );
    assert!(
        entries[1]
            .event
            .new_values
            .as_deref()
            .unwrap()
            .contains("\"status\":\"accepted\"")
    );
    assert_eq!(trail.verify(store).unwrap().unwrap().entries, 4);
}

backend_tests!(requests_are_recorded_decided_once_and_audited);
