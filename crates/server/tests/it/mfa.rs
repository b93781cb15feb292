//! The second factor: administrators must enrol, enrolled users must enter a code, codes
//! work once, wrong codes count toward the lockout, and passing replaces the session.

use crate::harness::{Harness, cookie_of};
use axum::http::StatusCode;
use privacy::{Action, Role};
use serde_json::json;
use time::Duration;

#[tokio::test]
async fn administrators_enrol_before_anything_else() {
    let h = Harness::new();
    h.add_user("root", &[Role::Administrator]);
    let first = h.password_login("root").await;
    assert_eq!(first.body["mfa"], "enrolment-required");
    let pending = cookie_of(&first);
    let users = h.call("GET", "/api/users", Some(&pending), None).await;
    assert_eq!(users.status, StatusCode::UNAUTHORIZED);
    assert!(
        users.body["error"]
            .as_str()
            .unwrap()
            .contains("enrol an authenticator")
    );
    let tokens = h
        .call(
            "POST",
            "/api/tokens",
            Some(&pending),
            Some(json!({"name": "x", "permissions": ["manage-users"]})),
        )
        .await;
    assert_eq!(
        tokens.status,
        StatusCode::UNAUTHORIZED,
        "no token before the second factor"
    );
    assert_eq!(
        h.call("GET", "/api/me", Some(&pending), None).await.body["mfa"],
        "enrolment-required"
    );

    let enrol = h
        .call("POST", "/api/mfa/enroll", Some(&pending), None)
        .await;
    let secret = enrol.body["secret"].as_str().unwrap().to_owned();
    assert!(
        enrol.body["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Chartroom:root?")
    );
    let wrong = h
        .call(
            "POST",
            "/api/mfa/confirm",
            Some(&pending),
            Some(json!({"secret": secret, "code": "000000"})),
        )
        .await;
    assert_eq!(wrong.body["field"], "code");
    assert!(
        h.store
            .security(|s| s.existing_user("root"))
            .unwrap()
            .totp_secret
            .is_none()
    );
    let code = privacy::totp_code(&secret, h.now()).unwrap();
    let confirmed = h
        .call(
            "POST",
            "/api/mfa/confirm",
            Some(&pending),
            Some(json!({"secret": secret, "code": code})),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let passed = cookie_of(&confirmed);
    assert_ne!(passed, pending, "a new session id after the second factor");
    assert_eq!(
        h.call("GET", "/api/me", Some(&pending), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.call("GET", "/api/users", Some(&passed), None)
            .await
            .status,
        StatusCode::OK
    );
    assert!(
        h.audit()
            .iter()
            .any(|e| e.event.reason.as_deref() == Some("authenticator enrolled"))
    );
}

#[tokio::test]
async fn enrolled_users_enter_a_code_once_and_wrong_codes_count() {
    let h = Harness::new();
    let id = h.add_patient("M1");
    h.add_user("doc", &[Role::Physician]);
    let doc = h.login("doc").await;
    // Physicians may enrol voluntarily; from then on the code is required.
    let enrol = h.call("POST", "/api/mfa/enroll", Some(&doc), None).await;
    let secret = enrol.body["secret"].as_str().unwrap().to_owned();
    let code = privacy::totp_code(&secret, h.now()).unwrap();
    let confirmed = h
        .call(
            "POST",
            "/api/mfa/confirm",
            Some(&doc),
            Some(json!({"secret": secret, "code": code})),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);

    let pending = h.password_login("doc").await;
    assert_eq!(pending.body["mfa"], "code-required");
    let pending = cookie_of(&pending);
    let chart = h
        .call("GET", &format!("/api/patients/{id}"), Some(&pending), None)
        .await;
    assert_eq!(chart.status, StatusCode::UNAUTHORIZED);
    let reused = h
        .call(
            "POST",
            "/api/mfa/verify",
            Some(&pending),
            Some(json!({"code": code})),
        )
        .await;
    assert_eq!(
        reused.status,
        StatusCode::UNAUTHORIZED,
        "the enrolment code was used already"
    );
    let wrong = h
        .call(
            "POST",
            "/api/mfa/verify",
            Some(&pending),
            Some(json!({"code": "123456"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    h.clock.advance(Duration::seconds(30));
    let good = h
        .call(
            "POST",
            "/api/mfa/verify",
            Some(&pending),
            Some(json!({"code": h.code("doc")})),
        )
        .await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    let doc = cookie_of(&good);
    assert_eq!(
        h.call("GET", &format!("/api/patients/{id}"), Some(&doc), None)
            .await
            .status,
        StatusCode::OK
    );

    let failures: Vec<String> = h
        .audit()
        .into_iter()
        .filter(|e| e.event.action == Action::LoginFailed)
        .map(|e| e.event.reason.unwrap())
        .collect();
    assert_eq!(failures.len(), 2);
    assert!(
        failures[0].starts_with("authenticator code used before"),
        "{failures:?}"
    );
    assert!(
        failures[1].starts_with("wrong authenticator code"),
        "{failures:?}"
    );
    let user = h.store.security(|s| s.existing_user("doc")).unwrap();
    assert_eq!(user.failed_attempts, 0, "cleared by the successful sign-in");
}

/// By default administrators, HIM technicians, physicians and auditors must pass a second
/// factor (enrolling first); other roles need not. A user without an authenticator is
/// sent to enrolment on the API and the pages alike, never through.
#[tokio::test]
async fn the_default_roles_must_enrol_before_reaching_patient_data() {
    let h = Harness::new();
    let id = h.add_patient("M1");
    for (name, role) in [
        ("hana", Role::HimTechnician),
        ("doc", Role::Physician),
        ("audra", Role::Auditor),
    ] {
        h.add_user(name, &[role]);
        let first = h.password_login(name).await;
        assert_eq!(first.body["mfa"], "enrolment-required", "{name}");
        let pending = cookie_of(&first);
        let chart = h
            .call("GET", &format!("/api/patients/{id}"), Some(&pending), None)
            .await;
        assert_eq!(chart.status, StatusCode::UNAUTHORIZED, "{name}");
        let form = h
            .form(
                "/login",
                None,
                &[("username", name), ("password", crate::harness::PASSWORD)],
            )
            .await;
        assert_eq!(form.headers["location"], "/mfa/enroll", "{name}");
    }
    h.add_user("bo", &[Role::Billing]);
    assert_eq!(h.password_login("bo").await.body["mfa"], "passed");
}

/// The roles are a setting: with none listed, a physician without an authenticator signs
/// in with the password alone; with billing listed, a biller must enrol.
#[tokio::test]
async fn the_roles_that_need_a_second_factor_are_a_setting() {
    let h = Harness::configured(|config| {
        config.mfa_roles = privacy::RoleSet::of(&[Role::Billing]);
    });
    h.add_user("doc", &[Role::Physician]);
    h.add_user("bo", &[Role::Billing]);
    assert_eq!(h.password_login("doc").await.body["mfa"], "passed");
    assert_eq!(
        h.password_login("bo").await.body["mfa"],
        "enrolment-required"
    );
}

/// A token made while the roles did not need a second factor stops working once they do
/// and no authenticator is enrolled: tokens are not a way around it.
#[tokio::test]
async fn a_token_is_no_way_around_a_required_second_factor() {
    let h = Harness::new();
    h.add_user("bo", &[Role::Billing]);
    let token = crate::tokens::feed_token(&h, &h.login("bo").await).await;
    assert_eq!(
        h.call_token("GET", "/api/me", &token, None).await.status,
        StatusCode::OK
    );
    h.store
        .security(|s| {
            s.set_roles(
                "bo",
                &privacy::RoleSet::of(&[Role::Billing, Role::Physician]),
            )
        })
        .unwrap();
    let refused = h.call_token("GET", "/api/me", &token, None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.body["error"],
        "the account's roles require an authenticator: sign in and enrol one first"
    );
}

/// Authenticator secrets are encrypted at rest under `totp.key` (0600, beside the audit
/// key); a secret an earlier version stored in plain text is sealed when the server
/// starts, and its codes still work.
#[tokio::test]
async fn authenticator_secrets_are_encrypted_at_rest() {
    let h = Harness::new();
    h.add_user("root", &[Role::Administrator]);
    h.login("root").await;
    let stored = h
        .store
        .security(|s| s.existing_user("root"))
        .unwrap()
        .totp_secret
        .unwrap();
    assert!(stored.starts_with("aes256gcm:"), "{stored}");
    let key = h.trail.dir().join("totp.key");
    assert_eq!(std::fs::read(&key).unwrap().len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // An earlier version's plain secret, then a server start over the same store and key.
    let user = h.store.security(|s| s.existing_user("root")).unwrap();
    let plain = privacy::totp_secret([9; 20]);
    h.store
        .security(|s| s.reseal_totp_secret(user.id, &plain))
        .unwrap();
    let restarted = server::AppState::new(
        h.store.clone(),
        h.trail.clone(),
        server::ServerConfig::default(),
    )
    .unwrap();
    let user = h.store.security(|s| s.existing_user("root")).unwrap();
    let stored = user.totp_secret.clone().unwrap();
    assert!(stored.starts_with("aes256gcm:"), "{stored}");
    assert_eq!(restarted.authenticator_secret(&user).unwrap(), Some(plain));
    // The first harness shares the key file, so its sign-in still checks codes.
    h.login("root").await;
}

/// "Login" success is written only once the second factor passed; before it the entry
/// says only that the password was accepted. A user without one needed logs in at once.
#[tokio::test]
async fn login_success_is_audited_only_after_the_second_factor() {
    let h = Harness::new();
    h.add_user("doc", &[Role::Physician]);
    h.add_user("bo", &[Role::Billing]);
    h.login("doc").await;
    h.login("doc").await;
    h.login("bo").await;
    let entries: Vec<(String, Action, Option<String>)> = h
        .audit()
        .into_iter()
        .map(|e| (e.event.user, e.event.action, e.event.reason))
        .collect();
    let actions: Vec<(&str, Action)> = entries.iter().map(|(u, a, _)| (u.as_str(), *a)).collect();
    assert_eq!(
        actions,
        [
            ("doc", Action::PasswordAccepted),
            ("doc", Action::PermissionChange),
            ("doc", Action::Login),
            ("doc", Action::PasswordAccepted),
            ("doc", Action::Login),
            ("bo", Action::Login),
        ]
    );
    assert_eq!(entries[4].2.as_deref(), Some("second factor passed"));
}
