//! API tokens: shown once, scoped, expiring, revocable, never above the user's roles, and
//! audited with the token as the client application.

use crate::harness::Harness;
use axum::http::StatusCode;
use privacy::{Action, Role, RoleSet};
use serde_json::json;
use time::Duration;

#[tokio::test]
async fn a_scoped_token_reads_only_what_its_scopes_and_roles_allow() {
    let h = Harness::new();
    let id = h.add_patient("T1");
    h.add_user("bo", &[Role::Billing]);
    let bo = h.login("bo").await;
    let issue = |body: serde_json::Value| h.call("POST", "/api/tokens", Some(&bo), Some(body));

    let above = issue(json!({"name": "export", "permissions": ["read-notes"]})).await;
    assert_eq!(above.body["field"], "permissions", "{}", above.body);
    assert!(
        above.body["error"]
            .as_str()
            .unwrap()
            .contains("your roles do not give read-notes")
    );
    let unknown = issue(json!({"name": "export", "permissions": ["read-everything"]})).await;
    assert_eq!(unknown.body["field"], "permissions");
    let long =
        issue(json!({"name": "export", "permissions": ["read-demographics"], "days": 999})).await;
    assert_eq!(long.body["field"], "days");

    let issued =
        issue(json!({"name": "nightly export", "permissions": ["read-demographics"], "days": 7}))
            .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    let token = issued.body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("chartroom_"));
    let listed = h.call("GET", "/api/tokens", Some(&bo), None).await;
    assert_eq!(listed.body["tokens"][0]["name"], "nightly export");
    assert!(
        !listed.body.to_string().contains(&token),
        "the secret is shown once"
    );

    let chart = h
        .call_token("GET", &format!("/api/patients/{id}"), &token, None)
        .await;
    assert_eq!(chart.status, StatusCode::OK, "{}", chart.body);
    assert!(chart.body.get("patient").is_some());
    assert!(
        chart.body.get("charges").is_none(),
        "billing is outside the token's scopes"
    );
    let read = h.audit().pop().unwrap();
    assert_eq!(read.event.user, "bo");
    assert!(
        read.event
            .client
            .as_deref()
            .unwrap()
            .starts_with("token:nightly export")
    );

    let minted = h
        .call_token(
            "POST",
            "/api/tokens",
            &token,
            Some(json!({"name": "x", "permissions": ["read-demographics"]})),
        )
        .await;
    assert_eq!(minted.status, StatusCode::FORBIDDEN);
    let signout = h.call_token("POST", "/api/logout", &token, None).await;
    assert_eq!(signout.body["field"], "authorization");

    let token_id = issued.body["id"].as_i64().unwrap();
    let revoked = h
        .call(
            "POST",
            &format!("/api/tokens/{token_id}/revoke"),
            Some(&bo),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let after = h
        .call_token("GET", &format!("/api/patients/{id}"), &token, None)
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.body["error"], "the API token was revoked");
    let reasons: Vec<String> = h
        .audit()
        .into_iter()
        .filter(|e| e.event.action == Action::PermissionChange)
        .filter_map(|e| e.event.reason)
        .collect();
    // Trying to mint a token with a token is refused and audited (issue 10).
    assert_eq!(
        reasons,
        [
            "API token issued",
            "tokens are managed from a signed-in session, not with another token",
            "API token revoked"
        ]
    );
}

/// A one-day token for reading demographics, issued from the session `cookie`.
pub(crate) async fn feed_token(h: &Harness, cookie: &str) -> String {
    let issued = h
        .call(
            "POST",
            "/api/tokens",
            Some(cookie),
            Some(json!({"name": "feed", "permissions": ["read-demographics"], "days": 1})),
        )
        .await;
    issued.body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn tokens_expire_follow_role_changes_and_die_with_the_account() {
    let h = Harness::new();
    let id = h.add_patient("T2");
    h.add_user("bo", &[Role::Billing]);
    let token = feed_token(&h, &h.login("bo").await).await;
    let path = format!("/api/patients/{id}");
    // Adding a role keeps the token; removing one revokes it (issue 10).
    h.store
        .security(|s| s.set_roles("bo", &RoleSet::of(&[Role::Billing, Role::Researcher])))
        .unwrap();
    assert_eq!(
        h.call_token("GET", &path, &token, None).await.status,
        StatusCode::OK
    );
    h.store
        .security(|s| s.set_roles("bo", &RoleSet::of(&[Role::Billing])))
        .unwrap();
    assert_eq!(
        h.call_token("GET", &path, &token, None).await.body["error"],
        "the API token was revoked"
    );
    let token = feed_token(&h, &h.login("bo").await).await;
    h.store.security(|s| s.set_disabled("bo", true)).unwrap();
    assert_eq!(
        h.call_token("GET", &path, &token, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    h.store.security(|s| s.set_disabled("bo", false)).unwrap();
    assert_eq!(
        h.call_token("GET", &path, &token, None).await.body["error"],
        "the API token was revoked",
        "disabling revoked every token for good"
    );

    let fresh = feed_token(&h, &h.login("bo").await).await;
    h.clock.advance(Duration::days(1));
    let expired = h.call_token("GET", &path, &fresh, None).await;
    assert_eq!(expired.body["error"], "the API token expired");
    let bogus = h.call_token("GET", &path, "chartroom_0000", None).await;
    assert_eq!(bogus.body["error"], "the API token is not valid");
    let malformed = h
        .send("GET", &path, &[("authorization", "Basic Ym86cHc=")], None)
        .await;
    assert_eq!(malformed.status, StatusCode::UNAUTHORIZED);
}
