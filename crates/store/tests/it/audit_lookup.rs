//! One audit entry by sequence number, on both backends.

use privacy::{Action, AuditEvent, AuditKey, Channel};
use records::PatientId;
use store::AuditTrail;
use test_support::{TestStore, backend_tests};

fn an_entry_is_read_by_its_number(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = AuditTrail::with_key(AuditKey::from_bytes(&[6; 32]).unwrap(), dir.path());
    for patient in 1..=3 {
        let event = AuditEvent::new(store.clock().now(), "ann", Action::Read, Channel::Fhir)
            .patient(PatientId(patient));
        trail.record(store, &event).unwrap();
    }
    let second = store.audit_entry(2).unwrap().unwrap();
    assert_eq!(second.seq, 2);
    assert_eq!(second.event.patient_id, Some(PatientId(2)));
    assert_eq!(second.event.channel, Channel::Fhir);
    assert!(store.audit_entry(4).unwrap().is_none());
    assert!(store.audit_entry(-1).unwrap().is_none());
}

backend_tests!(an_entry_is_read_by_its_number);
