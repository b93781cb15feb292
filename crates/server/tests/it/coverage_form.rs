//! Adding insurance coverage from the chart and ending it: every problem by its label at
//! once, one coverage of each order at a time, versioned and audited.

use crate::harness::Harness;
use crate::pages::{html, location, page_token, sign_in};
use axum::http::StatusCode;
use privacy::{Action, Role};
use records::{Address, Coverage, CoverageOrder, Payer, PayerKind, Relationship};
use store::Actor;
use time::macros::date;

fn add_payer(h: &Harness, name: &str) -> String {
    let payer = Payer {
        name: name.into(),
        payer_code: None,
        kind: PayerKind::Commercial,
        address: Address::default(),
        phone: None,
    };
    h.store
        .write(|tx| tx.create(&Actor::new("test"), &payer))
        .unwrap()
        .meta
        .id
        .to_string()
}

#[tokio::test]
async fn the_front_desk_adds_a_coverage_and_ends_it() {
    let h = Harness::new();
    let patient = h.add_patient("P630");
    let gold = add_payer(&h, "Gold Health");
    let silver = add_payer(&h, "Silver Mutual");
    h.add_user("fran", &[Role::FrontDesk]);
    let cookie = sign_in(&h, "fran").await;
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    assert!(html(&chart).contains(&format!("href=\"/patients/{patient}/coverages/new\"")));
    let form = h
        .call(
            "GET",
            &format!("/patients/{patient}/coverages/new"),
            Some(&cookie),
            None,
        )
        .await;
    assert!(html(&form).contains("Silver Mutual"));
    let token = page_token(&h, &cookie).await;
    let uri = format!("/patients/{patient}/coverages");

    let refused = h
        .form(
            &uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("payer_id", &gold),
                ("relationship", "child"),
                ("coverage_order", "primary"),
                ("effective_start", "2026-13-01"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(&refused);
    for expected in [
        "Covered from</a>: &quot;2026-13-01&quot; is not a date",
        "Member id</a>: is required",
    ] {
        assert!(page.contains(expected), "{expected} missing from {page}");
    }

    let card = |payer: &str, member: &str, start: &str| {
        vec![
            ("token".to_owned(), token.clone()),
            ("payer_id".to_owned(), payer.to_owned()),
            ("member_id".to_owned(), member.to_owned()),
            ("relationship".to_owned(), "child".to_owned()),
            ("subscriber_name".to_owned(), "Pat Testpatient".to_owned()),
            ("coverage_order".to_owned(), "primary".to_owned()),
            ("effective_start".to_owned(), start.to_owned()),
        ]
    };
    let post = |fields: Vec<(String, String)>| {
        let uri = uri.clone();
        let cookie = cookie.clone();
        let h = &h;
        async move {
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            h.form(&uri, Some(&cookie), &fields).await
        }
    };
    let added = post(card(&gold, "G-100", "2026-01-01")).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(location(&added), format!("/patients/{patient}#insurance"));
    let held = h
        .store
        .read(|tx| tx.for_patient::<Coverage>(patient))
        .unwrap()
        .remove(0);
    assert_eq!(
        (
            held.record.member_id.as_str(),
            held.record.relationship,
            held.record.coverage_order
        ),
        ("G-100", Relationship::Child, CoverageOrder::Primary)
    );
    let entry = h.audit().pop().unwrap();
    assert_eq!(
        (entry.event.action, entry.event.record_id),
        (Action::Create, Some(held.meta.id))
    );

    let second = post(card(&silver, "S-200", "2026-03-01")).await;
    assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&second)
            .contains("Order</a>: the patient already has a primary coverage from 2026-01-01"),
        "{}",
        html(&second)
    );

    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    let end_uri = format!("/coverages/{}/end", held.meta.id);
    assert!(html(&chart).contains(&format!("action=\"{end_uri}\"")));
    let ended = h
        .form(
            &end_uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("version", "1"),
                ("last_day", "2026-02-28"),
            ],
        )
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.body);
    let held = h.store.read(|tx| tx.get::<Coverage>(held.meta.id)).unwrap();
    assert_eq!(
        (held.meta.version, held.record.effective_end),
        (2, Some(date!(2026 - 02 - 28)))
    );
    assert_eq!(h.audit().pop().unwrap().event.action, Action::Update);
    let again = h
        .form(
            &end_uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("version", "2"),
                ("last_day", "2026-02-27"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&again).contains("already ended on 2026-02-28"));

    let second = post(card(&silver, "S-200", "2026-03-01")).await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
}

#[tokio::test]
async fn a_physician_adds_no_coverage() {
    let h = Harness::new();
    let patient = h.add_patient("P631");
    let gold = add_payer(&h, "Gold Health");
    h.add_user("doc", &[Role::Physician]);
    let cookie = sign_in(&h, "doc").await;
    let token = page_token(&h, &cookie).await;
    let refused = h
        .form(
            &format!("/patients/{patient}/coverages"),
            Some(&cookie),
            &[
                ("token", &token),
                ("payer_id", &gold),
                ("member_id", "G-1"),
                ("relationship", "self_subscriber"),
                ("coverage_order", "primary"),
                ("effective_start", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
