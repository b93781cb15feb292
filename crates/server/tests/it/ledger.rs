//! Billing's ledger page: charges and postings with the running balance, and posting a
//! payment or an adjustment with its reason code.

use crate::harness::Harness;
use crate::pages::{html, location, page_token, sign_in};
use axum::http::StatusCode;
use privacy::{Action, Role};
use records::{Posting, PostingKind};

#[tokio::test]
async fn billing_posts_a_payment_and_an_adjustment_needs_its_reason() {
    let h = Harness::new();
    let patient = h.add_patient("P500");
    let charge = h.add_charge(patient, "99213", 250_000);
    h.add_user("bill", &[Role::Billing]);
    let cookie = sign_in(&h, "bill").await;
    let uri = format!("/patients/{patient}/ledger");
    let ledger = h.call("GET", &uri, Some(&cookie), None).await;
    assert_eq!(ledger.status, StatusCode::OK);
    assert!(html(&ledger).contains("99213 Office visit"));
    assert!(
        html(&ledger).contains("balance $2,500.00"),
        "{}",
        ledger.body
    );

    let token = page_token(&h, &cookie).await;
    let post_uri = format!("/patients/{patient}/postings");
    let charge_id = charge.to_string();
    let refused = h
        .form(
            &post_uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("kind", "adjustment"),
                ("source", "patient"),
                ("charge_id", &charge_id),
                ("amount", "12.345"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = html(&refused);
    assert!(
        text.contains("Amount</a>: &quot;12.345&quot; is not an amount"),
        "{text}"
    );
    assert!(
        text.contains("Reason code</a>: is required for an adjustment"),
        "{text}"
    );

    let paid = h
        .form(
            &post_uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("kind", "payment"),
                ("source", "patient"),
                ("charge_id", &charge_id),
                ("amount", "1,000.00"),
                ("reference", "RCPT-9"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    let posting_id: i64 = location(&paid).rsplit('=').next().unwrap().parse().unwrap();
    let stored = h.store.read(|tx| tx.get::<Posting>(posting_id)).unwrap();
    assert_eq!(
        (stored.record.kind, stored.record.amount_cents),
        (PostingKind::Payment, 100_000)
    );
    assert_eq!(stored.meta.created_by, "user:bill");
    let entry = h.audit().pop().unwrap();
    assert_eq!(entry.event.action, Action::Create);
    assert_eq!(entry.event.record_kind.as_deref(), Some("posting"));

    let after = h.call("GET", location(&paid), Some(&cookie), None).await;
    let text = html(&after);
    assert!(text.contains(&format!("Posting {posting_id} recorded.")));
    assert!(text.contains("balance $1,500.00"), "{text}");
    assert!(text.contains("Payment (ref. RCPT-9)"));
}

#[tokio::test]
async fn roles_without_billing_see_no_ledger_and_post_nothing() {
    let h = Harness::new();
    let patient = h.add_patient("P501");
    h.add_user("fran", &[Role::FrontDesk]);
    let cookie = sign_in(&h, "fran").await;
    let ledger = h
        .call(
            "GET",
            &format!("/patients/{patient}/ledger"),
            Some(&cookie),
            None,
        )
        .await;
    assert_eq!(ledger.status, StatusCode::FORBIDDEN);
    let token = page_token(&h, &cookie).await;
    let posted = h
        .form(
            &format!("/patients/{patient}/postings"),
            Some(&cookie),
            &[
                ("token", &token),
                ("kind", "payment"),
                ("source", "patient"),
                ("amount", "5"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn billing_start_page_lists_open_balances_linked_to_their_ledgers() {
    let h = Harness::new();
    let patient = h.add_patient("P502");
    h.add_charge(patient, "99214", 1_234_500);
    h.add_patient("P503");
    h.add_user("bill", &[Role::Billing]);
    h.add_user("fran", &[Role::FrontDesk]);
    let cookie = sign_in(&h, "bill").await;
    let home = h.call("GET", "/", Some(&cookie), None).await;
    let text = html(&home);
    assert!(text.contains("Open balances"), "{text}");
    assert!(text.contains(&format!("href=\"/patients/{patient}/ledger\"")));
    assert!(text.contains("$12,345.00"));
    let look = h.audit().pop().unwrap();
    assert_eq!(look.event.reason.as_deref(), Some("open balances"));
    assert_eq!(look.event.patient_id, Some(records::PatientId(patient)));

    let cookie = sign_in(&h, "fran").await;
    let home = h.call("GET", "/", Some(&cookie), None).await;
    assert!(!html(&home).contains("Open balances"));
}
