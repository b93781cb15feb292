//! The ledger's order and running balance, and amounts typed by a person.

use records::ledger::{cents_from_text, ledger};
use records::*;
use time::macros::date;

fn charge(amount_cents: i64, on: time::Date) -> Charge {
    Charge {
        patient_id: PatientId(1),
        encounter_id: None,
        procedure_id: None,
        code: Some("99213".into()),
        description: "Office visit".into(),
        service_date: on,
        amount_cents,
        units: 1,
        payer_id: None,
        due_date: None,
    }
}

fn posting(kind: PostingKind, amount_cents: i64, reason: Option<&str>) -> Posting {
    Posting {
        patient_id: PatientId(1),
        charge_id: Some(ChargeId(1)),
        kind,
        source: PostingSource::Patient,
        payer_id: None,
        posted_on: date!(2026 - 02 - 01),
        amount_cents,
        reason_code: reason.map(str::to_owned),
        reference: Some("R-7".into()),
    }
}

#[test]
fn lines_run_in_date_order_with_the_balance_after_each() {
    let visit = charge(15_000, date!(2026 - 02 - 01));
    let later = charge(2_500, date!(2026 - 03 - 01));
    let paid = posting(PostingKind::Payment, 4_000, None);
    let adjusted = posting(PostingKind::Adjustment, 1_000, Some("CO-45"));
    let lines = ledger(&[(2, &later), (1, &visit)], &[(5, &paid), (6, &adjusted)]);
    let shown: Vec<(&str, i64, String, i64, i64)> = lines
        .iter()
        .map(|l| {
            (
                l.kind,
                l.id,
                l.description.clone(),
                l.effect_cents,
                l.balance_cents,
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("charge", 1, "99213 Office visit".into(), 15_000, 15_000),
            ("posting", 5, "Payment (ref. R-7)".into(), -4_000, 11_000),
            (
                "posting",
                6,
                "Adjustment CO-45 (ref. R-7)".into(),
                -1_000,
                10_000
            ),
            ("charge", 2, "99213 Office visit".into(), 2_500, 12_500),
        ]
    );
}

#[test]
fn an_adjustment_needs_its_reason_code() {
    let errors = posting(PostingKind::Adjustment, 500, None)
        .validate()
        .unwrap_err();
    assert_eq!(
        errors.to_string(),
        "reason_code: is required for an adjustment (a group and reason code like CO-45)"
    );
    assert!(posting(PostingKind::Payment, 500, None).validate().is_ok());
}

#[test]
fn typed_amounts_become_cents() {
    for (text, cents) in [
        ("1,234.56", 123_456),
        ("$80", 8_000),
        ("0.5", 50),
        (".25", 25),
        ("7.", 700),
    ] {
        assert_eq!(cents_from_text(text), Some(cents), "{text}");
    }
    for text in ["", "abc", "1.234", "-5", "1e3", "."] {
        assert_eq!(cents_from_text(text), None, "{text}");
    }
}
