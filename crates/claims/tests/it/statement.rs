//! Patient statements and the A/R aging by patient, from an office visit billed, paid in
//! part by the 835 and paid by the patient; and a self-pay visit owed from its date.
//! Run on both backends.

use crate::lifecycle::{drafted, post_remittance_of, scrub, submit};
use claims::{StatementFrom, patient_aging, statement};
use records::*;
use store::Actor;
use test_support::{TestStore, backend_tests};
use time::Date;
use time::macros::date;

fn from() -> StatementFrom {
    StatementFrom {
        name: "Maple Family Practice".into(),
        contact: Some("Billing: 413-555-0100".into()),
    }
}

fn statement_on(store: &TestStore, patient: PatientId, as_of: Date) -> claims::Statement {
    store
        .read(|tx| statement(tx, patient.0, as_of, date!(2026 - 01 - 01), &from()))
        .unwrap()
        .unwrap()
}

/// The account's balance as the ledger computes it.
fn ledger_balance(store: &TestStore, patient: PatientId) -> i64 {
    store
        .read(|tx| tx.chart(patient.0))
        .unwrap()
        .balance
        .balance_cents
}

fn a_statement_asks_the_patient_only_for_what_insurance_left(store: &TestStore) {
    let (ids, claim) = drafted(store);
    // Billed and waiting: nothing is due from the patient yet.
    let waiting = statement_on(store, ids.patient, date!(2026 - 02 - 15));
    assert_eq!(waiting.lines.len(), 2);
    assert!(waiting.lines.iter().all(|l| l.with_insurance));
    assert_eq!(waiting.insurance_pending_cents, 15_050);
    assert_eq!(waiting.amount_due_cents, 0);
    assert_eq!(waiting.aging, [0; 5]);

    scrub(store, claim.meta.id, date!(2026 - 02 - 20));
    submit(store, &[claim.meta.id]);
    post_remittance_of(store, ids.encounter, date!(2026 - 03 - 16));

    // The 835 paid $100.00 on the visit, wrote off CO-45 $10.50 and CO-97 $20.00 and left
    // PR-2 $15.00 and $5.00 to the patient.
    let after = statement_on(store, ids.patient, date!(2026 - 04 - 01));
    let visit = &after.lines[0];
    assert_eq!(visit.code.as_deref(), Some("99213"));
    assert_eq!(
        (
            visit.charge_cents,
            visit.insurance_paid_cents,
            visit.adjusted_cents,
            visit.patient_paid_cents,
            visit.balance_cents
        ),
        (12_550, 10_000, 1_050, 0, 1_500)
    );
    assert!(!visit.with_insurance);
    assert_eq!(visit.owed_since, date!(2026 - 03 - 16), "owed from the 835");
    assert_eq!(after.lines[1].balance_cents, 500);
    assert_eq!(after.insurance_pending_cents, 0);
    assert_eq!(after.amount_due_cents, 2_000);
    assert_eq!(after.aging, [2_000, 0, 0, 0, 0]);
    assert_eq!(after.balance_cents(), ledger_balance(store, ids.patient));

    // The patient pays $5.00 at the desk, on account: it pays the oldest first.
    store
        .write(|tx| {
            tx.create(
                &Actor::new("test:desk"),
                &Posting {
                    patient_id: ids.patient,
                    charge_id: None,
                    kind: PostingKind::Payment,
                    source: PostingSource::Patient,
                    payer_id: None,
                    posted_on: date!(2026 - 04 - 02),
                    amount_cents: 500,
                    reason_code: None,
                    reference: Some("RCPT1".into()),
                },
            )
        })
        .unwrap();
    let paid = statement_on(store, ids.patient, date!(2026 - 05 - 20));
    assert_eq!(paid.on_account_cents, 500);
    assert_eq!(paid.amount_due_cents, 1_500);
    assert_eq!(paid.aging, [0, 0, 1_500, 0, 0], "65 days since the 835");
    assert_eq!(paid.balance_cents(), ledger_balance(store, ids.patient));
    assert_eq!(
        paid.amount_due_cents + paid.insurance_pending_cents,
        paid.balance_cents()
    );

    let html = paid.html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Amount due: $15.00"), "{html}");
    assert!(html.contains("<td>99213 Service</td><td class=\"num\">$125.50</td><td class=\"num\">$100.00</td><td class=\"num\">$10.50</td><td class=\"num\">$0.00</td><td class=\"num\">$15.00</td>"), "{html}");
    assert!(html.contains("Less money on account</td><td class=\"num\">-$5.00"));
    assert!(html.contains("Account: M00000042"));
    let pdf = String::from_utf8_lossy(&paid.pdf()).into_owned();
    assert!(pdf.starts_with("%PDF-1.4"));
    assert!(pdf.contains("(Amount due: $15.00) Tj"), "{pdf}");
    assert!(pdf.contains("(2026-02-10 99213 Service              $125.50     $100.00      $10.50       $0.00      $15.00) Tj"), "{pdf}");

    let report = store
        .read(|tx| patient_aging(tx, date!(2026 - 05 - 20)))
        .unwrap();
    assert_eq!(report.patients.len(), 1);
    assert_eq!(report.patients[0].patient, "Lopez, Ana");
    assert_eq!(report.patients[0].mrn, "M00000042");
    assert_eq!(report.patients[0].cents, [0, 0, 1_500, 0, 0]);
    assert_eq!(report.totals, [0, 0, 1_500, 0, 0]);
    assert_eq!(report.insurance_pending_cents, 0);
}

fn a_self_pay_visit_is_owed_from_its_date_and_credits_leave_nothing_due(store: &TestStore) {
    let actor = Actor::new("test:desk");
    let (patient, charge) = store
        .write(|tx| {
            let mut person = Patient::new(
                Mrn::parse("M00000077").unwrap(),
                "CHARTROOM",
                "O'Brien <Jr>",
                "Sam",
                date!(1980 - 01 - 01),
                AdministrativeSex::Male,
            );
            person.address.line1 = Some("1 Elm St".into());
            let patient = PatientId(tx.create(&actor, &person)?.meta.id);
            let charge = tx.create(
                &actor,
                &Charge {
                    patient_id: patient,
                    encounter_id: None,
                    procedure_id: None,
                    code: Some("99203".into()),
                    description: "New patient visit".into(),
                    service_date: date!(2026 - 01 - 05),
                    amount_cents: 20_000,
                    units: 1,
                    payer_id: None,
                    due_date: None,
                },
            )?;
            Ok((patient, ChargeId(charge.meta.id)))
        })
        .unwrap();
    let owed = statement_on(store, patient, date!(2026 - 05 - 20));
    assert_eq!(owed.amount_due_cents, 20_000);
    assert_eq!(owed.aging, [0, 0, 0, 0, 20_000], "135 days since the visit");
    assert!(owed.html().contains("O&#39;Brien &lt;Jr&gt;"), "escaped");
    // Overpaid by $30.00: a credit, nothing due, no aging.
    store
        .write(|tx| {
            tx.create(
                &actor,
                &Posting {
                    patient_id: patient,
                    charge_id: Some(charge),
                    kind: PostingKind::Payment,
                    source: PostingSource::Patient,
                    payer_id: None,
                    posted_on: date!(2026 - 05 - 21),
                    amount_cents: 23_000,
                    reason_code: None,
                    reference: None,
                },
            )
        })
        .unwrap();
    let credit = statement_on(store, patient, date!(2026 - 05 - 21));
    assert_eq!(credit.amount_due_cents, -3_000);
    assert_eq!(credit.aging, [0; 5]);
    assert!(credit.html().contains("Credit balance: $30.00"));
    let before = statement_on(store, patient, date!(2026 - 05 - 20));
    assert_eq!(
        before.amount_due_cents, 20_000,
        "a statement dated before the payment does not show it"
    );
    let report = store
        .read(|tx| patient_aging(tx, date!(2026 - 05 - 21)))
        .unwrap();
    assert!(report.patients.is_empty(), "a credit owes nothing");
    assert!(
        store
            .read(|tx| statement(
                tx,
                999_999,
                date!(2026 - 05 - 21),
                date!(2026 - 01 - 01),
                &from()
            ))
            .unwrap()
            .is_none()
    );
}

backend_tests!(
    a_statement_asks_the_patient_only_for_what_insurance_left,
    a_self_pay_visit_is_owed_from_its_date_and_credits_leave_nothing_due
);
