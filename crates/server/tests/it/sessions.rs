//! Sign-in, lockout, cookie attributes, idle sign-out, disabling and role changes, and
//! their audit entries.

use crate::harness::{Harness, PASSWORD, set_cookie};
use axum::http::StatusCode;
use privacy::{Action, Outcome, Role, RoleSet};
use serde_json::json;
use time::Duration;

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_and_sign_out_ends_the_session() {
    let h = Harness::new();
    h.add_user("ann", &[Role::Physician]);
    let reply = h
        .call(
            "POST",
            "/api/login",
            None,
            Some(json!({"username": "Ann", "password": PASSWORD})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["roles"], json!(["physician"]));
    let cookie = set_cookie(&reply);
    assert!(cookie.starts_with("chartroom_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let me = h.call("GET", "/api/me", Some(&session), None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(
        me.body["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("sign-notes"))
    );

    let out = h.call("POST", "/api/logout", Some(&session), None).await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(
        set_cookie(&out).contains("chartroom_session="),
        "the cookie is cleared"
    );
    assert_eq!(
        out.headers["clear-site-data"],
        "\"cache\", \"cookies\", \"storage\""
    );
    assert!(
        !me.headers.contains_key("strict-transport-security"),
        "no HSTS over plain HTTP"
    );
    assert_eq!(
        h.call("GET", "/api/me", Some(&session), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let actions: Vec<Action> = h.audit().iter().map(|e| e.event.action).collect();
    // A physician needs a second factor: the password alone is not a sign-in (issue 10).
    assert_eq!(actions, [Action::PasswordAccepted, Action::Logout]);
    assert_eq!(h.trail.verify(&h.store).unwrap().unwrap().entries, 2);
}

#[tokio::test]
async fn failures_say_the_same_thing_are_audited_and_lock_the_account() {
    let h = Harness::new();
    h.add_user("ann", &[Role::Physician]);
    let attempt = |user: &'static str, password: &'static str| {
        h.call(
            "POST",
            "/api/login",
            None,
            Some(json!({"username": user, "password": password})),
        )
    };
    let unknown = attempt("nobody", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    for _ in 0..privacy::LOCKOUT_AFTER {
        let wrong = attempt("ann", "Wrong-password-1").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.body, unknown.body, "no hint which part was wrong");
    }
    let locked = attempt("ann", PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::UNAUTHORIZED,
        "locked even with the right password"
    );
    let reasons: Vec<String> = h
        .audit()
        .iter()
        .map(|e| {
            assert_eq!(
                (e.event.action, e.event.outcome),
                (Action::LoginFailed, Outcome::Denied)
            );
            e.event.reason.clone().unwrap()
        })
        .collect();
    assert_eq!(reasons[0], "unknown username");
    assert_eq!(reasons[1], "wrong password (1 in a row)");
    assert!(
        reasons[5].starts_with("wrong password (5 in a row); locked until"),
        "{}",
        reasons[5]
    );
    assert!(
        reasons[6].starts_with("the account is locked until"),
        "{}",
        reasons[6]
    );
    h.clock.advance(Duration::minutes(16));
    assert_eq!(attempt("ann", PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn idle_sessions_end_and_background_polling_does_not_keep_them_alive() {
    let h = Harness::new();
    h.add_user("ann", &[Role::Physician]);
    let session = h.login("ann").await;
    h.clock.advance(Duration::minutes(10));
    assert_eq!(
        h.call("GET", "/api/me", Some(&session), None).await.status,
        StatusCode::OK
    );
    h.clock.advance(Duration::minutes(10));
    let poll = axum::http::Request::builder()
        .uri("/api/me")
        .header("cookie", &session)
        .header(server::IDLE_HEADER, "1")
        .body(axum::body::Body::empty())
        .unwrap();
    let polled = tower::ServiceExt::oneshot(h.app.clone(), poll)
        .await
        .unwrap();
    assert_eq!(polled.status(), StatusCode::OK);
    h.clock.advance(Duration::minutes(6));
    let timed_out = h.call("GET", "/api/me", Some(&session), None).await;
    assert_eq!(timed_out.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        timed_out.body["error"],
        "signed out after inactivity; sign in again"
    );
    let last = h.audit().pop().unwrap();
    assert_eq!(last.event.action, Action::Logout);
    assert_eq!(
        last.event.reason.as_deref(),
        Some("signed out after inactivity; sign in again")
    );
    assert_eq!(
        h.call("GET", "/api/me", Some(&session), None).await.body["error"],
        "the session ended; sign in again"
    );
}

#[tokio::test]
async fn disabling_and_role_changes_take_effect_at_once() {
    let h = Harness::new();
    let id = h.add_patient("D1");
    h.add_user("ann", &[Role::Physician]);
    h.add_user("bo", &[Role::Billing]);
    let ann = h.login("ann").await;
    let bo = h.login("bo").await;
    let path = format!("/api/patients/{id}");
    assert_eq!(
        h.call("GET", &path, Some(&ann), None).await.status,
        StatusCode::OK
    );
    h.store.security(|s| s.set_disabled("ann", true)).unwrap();
    assert_eq!(
        h.call("GET", &path, Some(&ann), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let relogin = h
        .call(
            "POST",
            "/api/login",
            None,
            Some(json!({"username": "ann", "password": PASSWORD})),
        )
        .await;
    assert_eq!(relogin.status, StatusCode::UNAUTHORIZED);

    assert_eq!(
        h.call("GET", &path, Some(&bo), None).await.status,
        StatusCode::OK
    );
    h.store
        .security(|s| s.set_roles("bo", &RoleSet::of(&[Role::Researcher])))
        .unwrap();
    assert_eq!(
        h.call("GET", &path, Some(&bo), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let bo = h.login("bo").await;
    assert_eq!(
        h.call("GET", &path, Some(&bo), None).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn malformed_sign_in_bodies_are_client_errors() {
    let h = Harness::new();
    let missing = h
        .call("POST", "/api/login", None, Some(json!({"username": "ann"})))
        .await;
    assert!(missing.status.is_client_error(), "{}", missing.status);
    let not_json = h.call("POST", "/api/login", None, None).await;
    assert!(not_json.status.is_client_error(), "{}", not_json.status);
}

#[tokio::test]
async fn cross_site_state_changes_are_refused() {
    let h = Harness::new();
    h.add_user("ann", &[Role::Physician]);
    let session = h.login("ann").await;
    let login = json!({"username": "ann", "password": PASSWORD});
    let refused = |headers: Vec<(&'static str, &'static str)>| {
        let body = login.clone();
        let h = &h;
        async move { h.send("POST", "/api/login", &headers, Some(body)).await }
    };
    let evil = refused(vec![
        ("origin", "https://evil.example"),
        ("host", "127.0.0.1:8080"),
    ])
    .await;
    assert_eq!(evil.status, StatusCode::FORBIDDEN);
    assert!(
        evil.body["error"]
            .as_str()
            .unwrap()
            .starts_with("cross-site request refused")
    );
    let fetch = refused(vec![("sec-fetch-site", "cross-site")]).await;
    assert_eq!(fetch.status, StatusCode::FORBIDDEN);
    let same = refused(vec![
        ("origin", "http://127.0.0.1:8080"),
        ("host", "127.0.0.1:8080"),
        ("sec-fetch-site", "same-origin"),
    ])
    .await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    let logout = h
        .send(
            "POST",
            "/api/logout",
            &[("cookie", &session), ("origin", "null")],
            None,
        )
        .await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    let read = h
        .send(
            "GET",
            "/api/me",
            &[("cookie", &session), ("sec-fetch-site", "cross-site")],
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "reads are not state changes");
    // Each refusal is audited as denied, naming the request and, with a live session,
    // its user (issue 10).
    let refusals: Vec<(String, Option<String>)> = h
        .audit()
        .into_iter()
        .filter(|e| {
            e.event.outcome == privacy::Outcome::Denied
                && e.event
                    .reason
                    .as_deref()
                    .is_some_and(|r| r.starts_with("cross-site request refused"))
        })
        .map(|e| (e.event.user, e.event.reason))
        .collect();
    assert_eq!(refusals.len(), 3, "{refusals:?}");
    assert_eq!(refusals[0].0, "unknown");
    assert!(
        refusals[0]
            .1
            .as_deref()
            .unwrap()
            .ends_with("(POST /api/login)"),
        "{refusals:?}"
    );
    assert_eq!(refusals[2].0, "ann");
}

/// Signing out from the pages tells the browser to drop its cache, cookies and storage.
#[tokio::test]
async fn signing_out_of_the_pages_clears_the_site_data() {
    let h = Harness::new();
    h.add_user("bo", &[Role::Billing]);
    let cookie = crate::pages::sign_in(&h, "bo").await;
    let token = crate::pages::page_token(&h, &cookie).await;
    let out = h.form("/logout", Some(&cookie), &[("token", &token)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        out.headers["clear-site-data"],
        "\"cache\", \"cookies\", \"storage\""
    );
}

/// Password spraying: failures from one address over many usernames stop that address
/// (with the same answer as any failure, audited with the real cause), not the accounts,
/// and not other addresses.
#[tokio::test]
async fn one_address_failing_over_many_usernames_is_throttled() {
    use axum::extract::connect_info::ConnectInfo;
    use tower::ServiceExt;
    let h = Harness::new();
    h.add_user("bo", &[Role::Billing]);
    let attempt = |from: &'static str, user: String, password: &'static str| {
        let body = json!({"username": user, "password": password}).to_string();
        let request = axum::http::Request::builder()
            .method("POST")
            .uri("/api/login")
            .header("content-type", "application/json")
            .extension(ConnectInfo(
                format!("{from}:4000")
                    .parse::<std::net::SocketAddr>()
                    .unwrap(),
            ))
            .body(axum::body::Body::from(body))
            .unwrap();
        h.app.clone().oneshot(request)
    };
    for n in 0..privacy::ADDRESS_FAILURES_ALLOWED {
        let reply = attempt("192.0.2.7", format!("user{n}"), "Spring-2026-spray")
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    }
    let right = attempt("192.0.2.7", "bo".into(), PASSWORD).await.unwrap();
    assert_eq!(
        right.status(),
        StatusCode::UNAUTHORIZED,
        "the address is throttled"
    );
    let elsewhere = attempt("198.51.100.9", "bo".into(), PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        elsewhere.status(),
        StatusCode::OK,
        "other addresses are not"
    );
    let last_failure = h
        .audit()
        .into_iter()
        .rev()
        .find(|e| e.event.action == Action::LoginFailed)
        .unwrap()
        .event;
    assert_eq!(last_failure.user, "bo");
    assert_eq!(last_failure.source.as_deref(), Some("192.0.2.7"));
    assert!(
        last_failure
            .reason
            .unwrap()
            .starts_with("too many failed sign-ins from this address (20 in 15 minutes)")
    );
    assert_eq!(
        h.store
            .security(|s| s.existing_user("bo"))
            .unwrap()
            .failed_attempts,
        0,
        "spraying does not lock the account"
    );
}
