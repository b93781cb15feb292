//! Coverage typed from the card, one coverage of each order at a time, and ending one.

use records::*;
use time::macros::date;

fn card() -> CoverageEntry {
    CoverageEntry {
        payer_id: "5".into(),
        plan_name: "Gold PPO".into(),
        member_id: " XJ123 ".into(),
        relationship: "spouse".into(),
        subscriber_name: "Pat Testpatient".into(),
        coverage_order: "primary".into(),
        effective_start: "2026-01-01".into(),
        ..CoverageEntry::default()
    }
}

fn problems(errors: ValidationErrors) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

#[test]
fn a_card_becomes_a_coverage_or_every_problem() {
    let coverage = card().coverage(PatientId(1)).unwrap();
    assert_eq!(
        (
            coverage.payer_id,
            coverage.member_id.as_str(),
            coverage.relationship,
            coverage.effective_end
        ),
        (PayerId(5), "XJ123", Relationship::Spouse, None)
    );
    let bad = CoverageEntry {
        payer_id: String::new(),
        member_id: String::new(),
        relationship: "cousin".into(),
        coverage_order: "first".into(),
        effective_start: "01/02/2026".into(),
        ..card()
    };
    assert_eq!(
        problems(bad.coverage(PatientId(1)).unwrap_err()),
        [
            "payer_id: is required",
            "relationship: \"cousin\" is not one of self_subscriber, spouse, child, other",
            "coverage_order: \"first\" is not one of primary, secondary, tertiary",
            "effective_start: \"01/02/2026\" is not a date (YYYY-MM-DD)",
            "member_id: is required",
        ]
    );
    let no_subscriber = CoverageEntry {
        subscriber_name: String::new(),
        effective_end: "2025-12-31".into(),
        ..card()
    };
    assert_eq!(
        problems(no_subscriber.coverage(PatientId(1)).unwrap_err()),
        [
            "subscriber_name: is required when the patient is not the subscriber",
            "effective_end: 2025-12-31 is before effective_start 2026-01-01",
        ]
    );
}

#[test]
fn one_coverage_of_each_order_at_a_time() {
    let held = card().coverage(PatientId(1)).unwrap();
    let second = CoverageEntry {
        payer_id: "6".into(),
        effective_start: "2026-06-01".into(),
        ..card()
    }
    .coverage(PatientId(1))
    .unwrap();
    assert_eq!(
        order_conflict(&second, std::slice::from_ref(&held)).as_deref(),
        Some(
            "the patient already has a primary coverage from 2026-01-01 with no end; end it first or choose another order"
        )
    );
    let ended = held.ended(date!(2026 - 05 - 31)).unwrap();
    assert_eq!(order_conflict(&second, std::slice::from_ref(&ended)), None);
    let secondary = Coverage {
        coverage_order: CoverageOrder::Secondary,
        ..second
    };
    assert_eq!(order_conflict(&secondary, &[held]), None);
    assert_eq!(
        problems(ended.ended(date!(2025 - 01 - 01)).unwrap_err()),
        [
            "effective_end: the coverage already ended on 2026-05-31",
            "effective_end: 2025-01-01 is before effective_start 2026-01-01",
        ]
    );
}
