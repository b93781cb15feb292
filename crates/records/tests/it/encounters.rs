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

fn utc(local: time::PrimitiveDateTime) -> time::OffsetDateTime {
    local.assume_utc()
}

fn problems(errors: ValidationErrors) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

#[test]
fn an_entry_opens_a_visit_and_a_discharge_time_closes_it() {
    let entry = EncounterEntry {
        class: "inpatient".into(),
        admit_at: "2026-03-02T09:00".into(),
        attending_id: "3".into(),
        service: " Medicine ".into(),
        ..EncounterEntry::default()
    };
    let opened = entry.opened(PatientId(1), &utc).unwrap();
    assert_eq!(
        (
            opened.class,
            opened.status,
            opened.admit_at,
            opened.attending_id
        ),
        (
            EncounterClass::Inpatient,
            EncounterStatus::InProgress,
            datetime!(2026-03-02 09:00 UTC),
            Some(ProviderId(3))
        )
    );
    assert_eq!(opened.service.as_deref(), Some("Medicine"));
    let closing = EncounterEntry {
        discharge_at: "2026-03-05 14:30".into(),
        discharge_disposition: "03".into(),
        ..EncounterEntry::of(&opened, &|at| {
            time::PrimitiveDateTime::new(at.date(), at.time())
        })
    };
    let closed = closing.applied(&opened, &utc).unwrap();
    assert_eq!(closed.status, EncounterStatus::Finished);
    assert_eq!(closed.discharge_at, Some(datetime!(2026-03-05 14:30 UTC)));
    assert_eq!(closed.discharge_disposition.as_deref(), Some("03"));
    let cleared = EncounterEntry {
        discharge_at: String::new(),
        discharge_disposition: String::new(),
        ..closing
    };
    assert_eq!(
        problems(cleared.applied(&closed, &utc).unwrap_err()),
        ["discharge_at: is required once the visit is closed"]
    );
}

#[test]
fn every_problem_of_an_entry_is_named_at_once() {
    let entry = EncounterEntry {
        class: "walk-in".into(),
        admit_at: "yesterday".into(),
        attending_id: "dr who".into(),
        discharge_disposition: "77".into(),
        reason: "x".repeat(201),
        ..EncounterEntry::default()
    };
    assert_eq!(
        problems(entry.opened(PatientId(1), &utc).unwrap_err()),
        [
            "class: \"walk-in\" is not inpatient, outpatient, emergency or telehealth",
            "admit_at: \"yesterday\" is not a date and time (YYYY-MM-DD HH:MM)",
            "attending_id: \"dr who\" is not a provider",
            "discharge_disposition: goes with a discharge time; give the discharge time too",
            "reason: is 201 characters; at most 200 allowed",
        ]
    );
    let backwards = EncounterEntry {
        class: "outpatient".into(),
        admit_at: "2026-03-02T09:00".into(),
        discharge_at: "2026-03-01T09:00".into(),
        ..EncounterEntry::default()
    };
    assert_eq!(
        problems(backwards.opened(PatientId(1), &utc).unwrap_err()),
        [
            "discharge_at: 2026-03-01 9:00:00.0 +00:00:00 is before admit_at 2026-03-02 9:00:00.0 +00:00:00"
        ]
    );
}
