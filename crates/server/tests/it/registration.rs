//! Registering a patient in the browser: every problem at once with its label, the
//! patients who may be the same person before anything is saved, and an assigned MRN.

use crate::harness::Harness;
use crate::pages::{html, location, page_token, sign_in};
use axum::http::StatusCode;
use privacy::{Action, Role};
use records::Patient;

const GOOD: &[(&str, &str)] = &[
    ("family_name", "Quillfeather"),
    ("given_name", "Odile"),
    ("birth_date", "1991-07-08"),
    ("sex", "female"),
    ("state", "MA"),
    ("postal_code", "01101"),
];

fn with<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = GOOD
        .iter()
        .filter(|(name, _)| !changes.iter().any(|(changed, _)| changed == name))
        .copied()
        .collect();
    fields.extend_from_slice(changes);
    fields
}

#[tokio::test]
async fn registration_refuses_every_bad_field_at_once_by_its_label() {
    let h = Harness::new();
    h.add_user("fran", &[Role::FrontDesk]);
    let cookie = sign_in(&h, "fran").await;
    let form = h.call("GET", "/patients/new", Some(&cookie), None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(html(&form).contains("Register a patient"));
    let token = page_token(&h, &cookie).await;
    let mut fields = with(&[
        ("birth_date", "2031-01-01"),
        ("deceased_date", "2030-01-01"),
        ("state", "Atlantis"),
        ("postal_code", "1234"),
    ]);
    fields.push(("token", &token));
    let refused = h.form("/patients/new", Some(&cookie), &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = html(&refused);
    for expected in [
        "Date of birth</a>: 2031-01-01 is in the future",
        "Date of death</a>: 2030-01-01 is before birth_date 2031-01-01",
        "State</a>: &quot;Atlantis&quot; is not a US state or territory",
        "ZIP code</a>: &quot;1234&quot; is not a ZIP code",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert!(
        text.contains("value=\"Quillfeather\""),
        "what was typed is kept"
    );
    let none = h
        .store
        .read(|tx| {
            tx.search_patients(&store::PatientQuery {
                text: Some("Quillfeather".into()),
                birth_date: None,
                limit: 5,
            })
        })
        .unwrap();
    assert!(none.is_empty(), "nothing was stored");
}

#[tokio::test]
async fn possible_duplicates_are_shown_before_a_second_chart_is_opened() {
    let h = Harness::new();
    h.add_user("fran", &[Role::FrontDesk]);
    let cookie = sign_in(&h, "fran").await;
    let token = page_token(&h, &cookie).await;
    let mut fields = with(&[]);
    fields.push(("token", &token));
    let first = h.form("/patients/new", Some(&cookie), &fields).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let id: i64 = location(&first)
        .trim_start_matches("/patients/")
        .parse()
        .unwrap();
    let stored = h.store.read(|tx| tx.get::<Patient>(id)).unwrap();
    assert_eq!(stored.record.mrn.as_str(), "M00000001");
    assert_eq!(stored.meta.created_by, "user:fran");
    let created = h.audit().pop().unwrap();
    assert_eq!(created.event.action, Action::Create);
    assert_eq!(created.event.record_id, Some(id));

    // The same person again, with a typo in the family name.
    let mut again = with(&[("family_name", "Quilfeather")]);
    again.push(("token", &token));
    let shown = h.form("/patients/new", Some(&cookie), &again).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let text = html(&shown);
    assert!(text.contains("This may be a patient already on file"));
    assert!(text.contains(&format!("href=\"/patients/{id}\"")));
    assert!(text.contains("similar name, same date of birth"));
    assert!(text.contains("name=\"confirmed\" value=\"yes\""));
    let look = h.audit().pop().unwrap();
    assert_eq!(
        look.event.reason.as_deref(),
        Some("registration duplicate check")
    );

    again.push(("confirmed", "yes"));
    let second = h.form("/patients/new", Some(&cookie), &again).await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert_ne!(location(&second), format!("/patients/{id}"));
}

#[tokio::test]
async fn only_roles_that_write_demographics_register() {
    let h = Harness::new();
    h.add_user("bill", &[Role::Billing]);
    let cookie = sign_in(&h, "bill").await;
    let denied = h.call("GET", "/patients/new", Some(&cookie), None).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}
