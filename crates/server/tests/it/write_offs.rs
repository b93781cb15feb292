//! A write-off asked for on the ledger moves the balance only when someone other than the
//! requester approves it from their start page; a refusal needs its reason.

use crate::harness::Harness;
use crate::pages::{html, page_token, sign_in};
use axum::http::StatusCode;
use privacy::{Action, Role};
use records::{Posting, PostingKind, WriteOffRequest, WriteOffStatus};

#[tokio::test]
async fn a_write_off_waits_for_another_approver() {
    let h = Harness::new();
    let patient = h.add_patient("P640");
    let charge = h.add_charge(patient, "99213", 10_000);
    h.add_user("bo", &[Role::Billing]);
    h.add_user("cy", &[Role::Billing]);
    let bo = sign_in(&h, "bo").await;
    let bo_token = page_token(&h, &bo).await;
    let ledger = h
        .call(
            "GET",
            &format!("/patients/{patient}/ledger"),
            Some(&bo),
            None,
        )
        .await;
    assert!(html(&ledger).contains(&format!("action=\"/patients/{patient}/write-offs\"")));
    let uri = format!("/patients/{patient}/write-offs");
    let charge_id = charge.to_string();

    let refused = h
        .form(
            &uri,
            Some(&bo),
            &[
                ("token", &bo_token),
                ("charge_id", &charge_id),
                ("amount", "abc"),
                ("reason_code", "45"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(&refused);
    for expected in [
        "Amount</a>: &quot;abc&quot; is not an amount",
        "Reason code</a>: &quot;45&quot; is not a group and reason code",
        "Why</a>: is required",
    ] {
        assert!(page.contains(expected), "{expected} missing from {page}");
    }

    let asked = h
        .form(
            &uri,
            Some(&bo),
            &[
                ("token", &bo_token),
                ("charge_id", &charge_id),
                ("amount", "25.00"),
                ("reason_code", "oa-45"),
                ("justification", "small-balance policy"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let request = h
        .store
        .read(|tx| tx.for_patient::<WriteOffRequest>(patient))
        .unwrap()
        .remove(0);
    assert_eq!(
        (
            request.record.status,
            request.record.amount_cents,
            request.record.reason_code.as_str()
        ),
        (WriteOffStatus::Pending, 2_500, "OA-45")
    );
    assert!(
        h.store
            .read(|tx| tx.for_patient::<Posting>(patient))
            .unwrap()
            .is_empty()
    );
    assert_eq!(h.audit().pop().unwrap().event.action, Action::Create);

    let start = h.call("GET", "/", Some(&bo), None).await;
    assert!(html(&start).contains("Yours: another approver decides."));
    let decision = format!("/write-offs/{}/decision", request.meta.id);
    let own = h
        .form(
            &decision,
            Some(&bo),
            &[
                ("token", &bo_token),
                ("version", "1"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&own).contains("cannot decide it; another approver must"));
    assert!(
        h.store
            .read(|tx| tx.for_patient::<Posting>(patient))
            .unwrap()
            .is_empty()
    );

    let cy = sign_in(&h, "cy").await;
    let cy_token = page_token(&h, &cy).await;
    let start = h.call("GET", "/", Some(&cy), None).await;
    assert!(
        html(&start).contains(&format!("action=\"{decision}\"")),
        "{}",
        html(&start)
    );
    let no_reason = h
        .form(
            &decision,
            Some(&cy),
            &[
                ("token", &cy_token),
                ("version", "1"),
                ("decision", "refuse"),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&no_reason).contains("is required to refuse a write-off"));
    let approved = h
        .form(
            &decision,
            Some(&cy),
            &[
                ("token", &cy_token),
                ("version", "1"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let postings = h
        .store
        .read(|tx| tx.for_patient::<Posting>(patient))
        .unwrap();
    assert_eq!(
        (
            postings[0].record.kind,
            postings[0].record.amount_cents,
            postings[0].record.reason_code.as_deref()
        ),
        (PostingKind::Adjustment, 2_500, Some("OA-45"))
    );
    let request = h
        .store
        .read(|tx| tx.get::<WriteOffRequest>(request.meta.id))
        .unwrap();
    assert_eq!(
        (
            request.record.status,
            request.record.decided_by.as_deref(),
            request.record.posting_id.map(|p| p.0)
        ),
        (
            WriteOffStatus::Approved,
            Some("cy"),
            Some(postings[0].meta.id)
        )
    );
    let ledger = h
        .call(
            "GET",
            &format!("/patients/{patient}/ledger"),
            Some(&cy),
            None,
        )
        .await;
    assert!(
        html(&ledger).contains("balance $75.00"),
        "{}",
        html(&ledger)
    );
    assert!(html(&ledger).contains("Approved by cy; posted"));
    let again = h
        .form(
            &decision,
            Some(&cy),
            &[
                ("token", &cy_token),
                ("version", "2"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        h.store
            .read(|tx| tx.for_patient::<Posting>(patient))
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_front_desk_decides_no_write_off() {
    let h = Harness::new();
    let patient = h.add_patient("P641");
    h.add_user("fran", &[Role::FrontDesk]);
    let cookie = sign_in(&h, "fran").await;
    let token = page_token(&h, &cookie).await;
    let refused = h
        .form(
            &format!("/patients/{patient}/write-offs"),
            Some(&cookie),
            &[
                ("token", &token),
                ("amount", "5"),
                ("reason_code", "OA-45"),
                ("justification", "x"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let decided = h
        .form(
            "/write-offs/1/decision",
            Some(&cookie),
            &[("token", &token), ("version", "1"), ("decision", "approve")],
        )
        .await;
    assert_eq!(decided.status, StatusCode::FORBIDDEN);
}
