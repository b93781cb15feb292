//! Checking a patient in and closing the visit.

use records::*;
use time::macros::datetime;

#[test]
fn check_in_opens_and_close_finishes_with_a_disposition() {
    let opened = Encounter::check_in(
        PatientId(1),
        EncounterClass::Outpatient,
        datetime!(2026-03-02 09:00 UTC),
        Some(ProviderId(3)),
        Some("cough".into()),
    );
    assert_eq!(opened.status, EncounterStatus::InProgress);
    assert!(opened.validate().is_ok());
    let closed = opened
        .closed(datetime!(2026-03-02 09:40 UTC), Some("01".into()))
        .unwrap();
    assert_eq!(closed.status, EncounterStatus::Finished);
    assert_eq!(closed.discharge_at, Some(datetime!(2026-03-02 09:40 UTC)));
    let refused = closed
        .closed(datetime!(2026-03-01 09:00 UTC), Some("77".into()))
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "status: only an encounter in progress can be closed; \
         discharge_at: 2026-03-01 9:00:00.0 +00:00:00 is before admit_at 2026-03-02 9:00:00.0 +00:00:00; \
         discharge_disposition: \"77\" is not a UB-04 patient discharge status code"
    );
}
