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

    assert!(
        text.contains("You entered: Odile Quilfeather"),
        "what was typed is shown beside the candidates: {text}"
    );
    let merge = format!("merge_{id}");
    assert!(text.contains(&format!("name=\"{merge}\"")), "{text}");

    // Registered anyway, asking the records department to review the two for a merge.
    again.push(("confirmed", "yes"));
    again.push((&merge, "yes"));
    let second = h.form("/patients/new", Some(&cookie), &again).await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert_ne!(location(&second), format!("/patients/{id}"));
    let new_id: i64 = location(&second)
        .trim_start_matches("/patients/")
        .parse()
        .unwrap();
    let tasks = h
        .store
        .read(|tx| {
            tx.select::<records::FollowUpTask>(
                "patient_id = ?",
                &[store::Value::Int(new_id)],
                "id",
                10,
            )
        })
        .unwrap();
    assert_eq!(tasks.len(), 1);
    let task = &tasks[0].record;
    assert!(
        task.description.contains("Possible duplicate")
            && task.description.contains("MRN M00000001")
            && task.description.contains(&format!("chart {id}")),
        "{}",
        task.description
    );
    assert_eq!(task.opened_by, "fran");
    let audited = h.audit().pop().unwrap();
    assert_eq!(audited.event.action, Action::Create);
    assert_eq!(audited.event.record_id, Some(tasks[0].meta.id));

    // The records department finds it in its follow-up list.
    h.add_user("hana", &[Role::HimTechnician]);
    let him = sign_in(&h, "hana").await;
    let review = h.call("GET", "/review", Some(&him), None).await;
    assert!(
        html(&review).contains("Possible duplicate"),
        "{}",
        html(&review)
    );

    // A merge request naming no chart on file registers nothing.
    let mut bad = with(&[("family_name", "Quilfeathers")]);
    bad.push(("token", &token));
    bad.push(("confirmed", "yes"));
    bad.push(("merge_999999", "yes"));
    let refused = h.form("/patients/new", Some(&cookie), &bad).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    let none = h
        .store
        .read(|tx| {
            tx.search_patients(&store::PatientQuery {
                text: Some("Quilfeathers".into()),
                birth_date: None,
                limit: 5,
            })
        })
        .unwrap();
    assert!(none.is_empty(), "nothing was stored");
}

#[tokio::test]
async fn only_roles_that_write_demographics_register() {
    let h = Harness::new();
    h.add_user("bill", &[Role::Billing]);
    let cookie = sign_in(&h, "bill").await;
    let denied = h.call("GET", "/patients/new", Some(&cookie), None).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}
