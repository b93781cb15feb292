//! How failures look: HTML pages in the application's layout for the web surface, JSON
//! under `/api` and OperationOutcomes under `/fhir` as before; refusals speak of roles.

use crate::harness::Harness;
use crate::pages::{html, sign_in};
use axum::http::StatusCode;
use privacy::Role;

#[tokio::test]
async fn unknown_page_is_an_html_page_but_api_and_fhir_keep_their_forms() {
    let h = Harness::new();
    let page = h.call("GET", "/no/such/page", None, None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let text = html(&page);
    assert!(text.contains("<h1>Not found</h1>"), "{text}");
    assert!(text.contains("there is no page at /no/such/page"));
    assert!(text.contains("/static/chartroom.css"));
    assert!(!text.contains("{\"error\""));

    let api = h.call("GET", "/api/no-such-thing", None, None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.body["error"], "no such page");

    let fhir = h.call("GET", "/fhir/NoSuchType", None, None).await;
    assert_eq!(fhir.status, StatusCode::NOT_FOUND);
    assert_eq!(fhir.body["resourceType"], "OperationOutcome");
}

#[tokio::test]
async fn favicon_is_served_and_linked() {
    let h = Harness::new();
    let icon = h.call("GET", "/favicon.ico", None, None).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.headers["content-type"], "image/svg+xml");
    let login = h.call("GET", "/login", None, None).await;
    assert!(html(&login).contains("rel=\"icon\" href=\"/favicon.ico\""));
}

#[tokio::test]
async fn refusal_names_the_roles_not_token_scopes() {
    let h = Harness::new();
    let id = h.add_patient("P400");
    h.add_user("bill", &[Role::Billing]);
    let cookie = sign_in(&h, "bill").await;
    let refused = h
        .call("GET", &format!("/patients/{id}/edit"), Some(&cookie), None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let text = html(&refused);
    assert!(
        text.contains("your roles (billing) do not allow this: it needs the permission write-demographics, which the roles him-technician, front-desk have"),
        "{text}"
    );
    assert!(!text.contains("token"));
}
