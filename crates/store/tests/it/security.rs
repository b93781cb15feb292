//! Users, sessions, tokens and emergency grants, on both backends.

use crate::fixtures::{actor, patient};
use privacy::{BreakGlassGrant, Permission, PermissionSet, Role, RoleSet};
use records::PatientId;
use store::{NewUser, SessionRecord};
use test_support::{TestStore, backend_tests};
use time::Duration;

fn new_user(name: &str, roles: &[Role]) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: String::new(),
        password_hash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        roles: RoleSet::of(roles),
    }
}

fn users_are_unique_lower_case_and_listed(store: &TestStore) {
    let ann = store
        .security(|s| s.create_user(&new_user(" Ann ", &[Role::Physician, Role::Auditor]), "cli"))
        .unwrap();
    assert_eq!(ann.username, "ann");
    assert_eq!(ann.display_name, "ann");
    assert_eq!(ann.roles.to_list(), "physician,auditor");
    assert!(!ann.disabled);
    let dup = store
        .security(|s| s.create_user(&new_user("ANN", &[]), "cli"))
        .unwrap_err();
    assert_eq!(dup.to_string(), "user \"ann\" already exists");
    let bad = store
        .security(|s| s.create_user(&new_user("ann smith", &[]), "cli"))
        .unwrap_err();
    assert!(
        bad.to_string()
            .starts_with("username \"ann smith\": use 1 to 64"),
        "{bad}"
    );
    store
        .security(|s| s.create_user(&new_user("bo", &[Role::Billing]), "cli"))
        .unwrap();
    let names: Vec<String> = store
        .security(|s| s.users())
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["ann", "bo"]);
    assert_eq!(
        store
            .security(|s| s.user("Bo"))
            .unwrap()
            .unwrap()
            .roles
            .to_list(),
        "billing"
    );
    assert!(store.security(|s| s.user("cy")).unwrap().is_none());
}

fn session(store: &TestStore, id_hash: &str, user_id: i64) {
    let now = store.clock().now();
    store
        .security(|s| {
            s.create_session(&SessionRecord {
                id_hash: id_hash.into(),
                user_id,
                created_at: now,
                last_activity: now,
                expires_at: now + Duration::hours(8),
                mfa_passed: false,
                source: Some("127.0.0.1".into()),
            })
        })
        .unwrap();
}

fn role_changes_and_disabling_end_sessions_and_tokens(store: &TestStore) {
    let ann = store
        .security(|s| s.create_user(&new_user("ann", &[Role::Physician]), "cli"))
        .unwrap();
    session(store, "s1", ann.id);
    session(store, "s2", ann.id);
    store.clock.advance(Duration::minutes(3));
    store.security(|s| s.touch_session("s1")).unwrap();
    store.security(|s| s.pass_session_mfa("s1")).unwrap();
    let s1 = store.security(|s| s.session("s1")).unwrap().unwrap();
    assert!(s1.mfa_passed);
    assert_eq!(s1.last_activity - s1.created_at, Duration::minutes(3));

    let before = store
        .security(|s| s.set_roles("ann", &RoleSet::of(&[Role::Billing])))
        .unwrap();
    assert_eq!(before.roles.to_list(), "physician");
    assert_eq!(
        store
            .security(|s| s.existing_user("ann"))
            .unwrap()
            .roles
            .to_list(),
        "billing"
    );
    assert!(store.security(|s| s.session("s1")).unwrap().is_none());

    session(store, "s3", ann.id);
    let scopes: PermissionSet = [Permission::ReadDemographics].into_iter().collect();
    let expires = store.clock().now() + Duration::days(30);
    let token = store
        .security(|s| s.create_token("t-hash", ann.id, "nightly export", scopes, expires))
        .unwrap();
    assert_eq!(token.scopes, scopes);
    store.security(|s| s.set_disabled("ann", true)).unwrap();
    assert!(store.security(|s| s.existing_user("ann")).unwrap().disabled);
    assert!(store.security(|s| s.session("s3")).unwrap().is_none());
    assert!(
        store
            .security(|s| s.token("t-hash"))
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
    assert!(!store.security(|s| s.revoke_token(token.id)).unwrap());
    let listed = store.security(|s| s.user_tokens(ann.id)).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        store
            .security(|s| s.token_by_id(token.id))
            .unwrap()
            .unwrap()
            .name,
        "nightly export"
    );
    let missing = store.security(|s| s.set_disabled("cy", true)).unwrap_err();
    assert_eq!(missing.to_string(), "no user is named \"cy\"");
}

fn failed_logins_lock_and_totp_steps_are_single_use(store: &TestStore) {
    let ann = store
        .security(|s| s.create_user(&new_user("ann", &[]), "cli"))
        .unwrap();
    assert_eq!(
        store
            .security(|s| s.record_failed_login(ann.id, None))
            .unwrap(),
        1
    );
    let until = store.clock().now() + Duration::minutes(15);
    assert_eq!(
        store
            .security(|s| s.record_failed_login(ann.id, Some(until)))
            .unwrap(),
        2
    );
    let locked = store.security(|s| s.existing_user("ann")).unwrap();
    assert_eq!(
        (locked.failed_attempts, locked.locked_until),
        (2, Some(until))
    );
    store
        .security(|s| s.record_successful_login(ann.id))
        .unwrap();
    let cleared = store.security(|s| s.existing_user("ann")).unwrap();
    assert_eq!((cleared.failed_attempts, cleared.locked_until), (0, None));

    store
        .security(|s| s.set_totp_secret(ann.id, Some("JBSWY3DPEHPK3PXP")))
        .unwrap();
    assert!(store.security(|s| s.accept_totp_step(ann.id, 100)).unwrap());
    assert!(!store.security(|s| s.accept_totp_step(ann.id, 100)).unwrap());
    assert!(!store.security(|s| s.accept_totp_step(ann.id, 99)).unwrap());
    assert!(store.security(|s| s.accept_totp_step(ann.id, 101)).unwrap());
}

fn emergency_grants_expire(store: &TestStore) {
    let ann = store
        .security(|s| s.create_user(&new_user("ann", &[Role::Physician]), "cli"))
        .unwrap();
    let p = store
        .write(|tx| tx.create(&actor(), &patient("G1", "Grant", "Gail")))
        .unwrap();
    let pid = PatientId(p.meta.id);
    let grant = BreakGlassGrant::request(
        "ann",
        &ann.roles,
        pid,
        "patient unconscious in the emergency room",
        store.clock().now(),
        30,
    )
    .unwrap();
    let stored = store.security(|s| s.create_grant(ann.id, &grant)).unwrap();
    assert_eq!(stored.grant, grant);
    assert_eq!(
        store.security(|s| s.live_grants("ann", pid)).unwrap(),
        std::slice::from_ref(&grant)
    );
    assert!(
        store
            .security(|s| s.live_grants("bo", pid))
            .unwrap()
            .is_empty()
    );
    store.clock.advance(Duration::minutes(31));
    assert!(
        store
            .security(|s| s.live_grants("ann", pid))
            .unwrap()
            .is_empty()
    );
    let review = store
        .security(|s| s.grants_since(grant.granted_at - Duration::days(1)))
        .unwrap();
    assert_eq!(review.len(), 1);
    assert_eq!(
        review[0].grant.reason,
        "patient unconscious in the emergency room"
    );
    // Reviewed once, with a note; waiting grants are listed until then (schema 21).
    let waiting = store.security(|s| s.unreviewed_grants()).unwrap();
    assert_eq!(waiting.len(), 1);
    assert!(
        store
            .security(|s| s.review_grant(stored.id, "officer", " "))
            .is_err()
    );
    let (before, after) = store
        .security(|s| s.review_grant(stored.id, "officer", "on the ED rota"))
        .unwrap();
    assert_eq!(before.review, None);
    let review = after.review.unwrap();
    assert_eq!(
        (review.reviewed_by.as_str(), review.note.as_str()),
        ("officer", "on the ED rota")
    );
    let again = store
        .security(|s| s.review_grant(stored.id, "other", "again"))
        .unwrap_err()
        .to_string();
    assert!(again.contains("already reviewed by officer"), "{again}");
    assert!(
        store
            .security(|s| s.unreviewed_grants())
            .unwrap()
            .is_empty()
    );
    let listed = store
        .security(|s| s.grants_since(grant.granted_at - Duration::days(1)))
        .unwrap();
    assert_eq!(
        listed[0].review.as_ref().map(|r| r.reviewed_at),
        Some(review.reviewed_at)
    );
}

/// A live session and token for `user_id`, under the hashes `tag`.
fn access(store: &TestStore, user_id: i64, tag: &str) {
    session(store, tag, user_id);
    let scopes: PermissionSet = [Permission::ReadDemographics].into_iter().collect();
    let expires = store.clock().now() + Duration::days(30);
    store
        .security(|s| s.create_token(tag, user_id, tag, scopes, expires))
        .unwrap();
}

/// Whether the session and the token made by `access(.., tag)` are still live.
fn live(store: &TestStore, tag: &str) -> (bool, bool) {
    store
        .security(|s| {
            Ok((
                s.session(tag)?.is_some(),
                s.token(tag)?.is_some_and(|t| t.revoked_at.is_none()),
            ))
        })
        .unwrap()
}

fn password_mfa_and_role_removal_revoke_sessions_and_tokens(store: &TestStore) {
    let ann = store
        .security(|s| s.create_user(&new_user("ann", &[Role::Physician, Role::Auditor]), "cli"))
        .unwrap();
    access(store, ann.id, "a1");
    store
        .security(|s| s.reset_password("ann", "$argon2id$v=19$m=8,t=1,p=1$bmV3c2FsdA$bmV3"))
        .unwrap();
    assert_eq!(live(store, "a1"), (false, false));

    access(store, ann.id, "a2");
    store
        .security(|s| s.set_totp_secret(ann.id, Some("JBSWY3DPEHPK3PXP")))
        .unwrap();
    let before = store.security(|s| s.reset_mfa("ann")).unwrap();
    assert!(before.totp_secret.is_some());
    assert!(
        store
            .security(|s| s.existing_user("ann"))
            .unwrap()
            .totp_secret
            .is_none()
    );
    assert_eq!(live(store, "a2"), (false, false));

    // Adding a role ends sessions only; removing one revokes tokens as well.
    access(store, ann.id, "a3");
    let all = RoleSet::of(&[Role::Physician, Role::Auditor, Role::Billing]);
    store.security(|s| s.set_roles("ann", &all)).unwrap();
    assert_eq!(live(store, "a3"), (false, true));
    access(store, ann.id, "a4");
    store
        .security(|s| s.set_roles("ann", &RoleSet::of(&[Role::Physician, Role::Billing])))
        .unwrap();
    assert_eq!(live(store, "a3"), (false, false));
    assert_eq!(live(store, "a4"), (false, false));
}

fn the_last_active_administrator_cannot_be_removed(store: &TestStore) {
    store
        .security(|s| s.create_user(&new_user("root", &[Role::Administrator]), "cli"))
        .unwrap();
    let refused = "root is the only active administrator, so they must stay an enabled administrator; make another user an administrator first";
    let disable = store
        .security(|s| s.set_disabled("root", true))
        .unwrap_err();
    assert_eq!(disable.to_string(), refused);
    let demote = store
        .security(|s| s.set_roles("root", &RoleSet::of(&[Role::Auditor])))
        .unwrap_err();
    assert_eq!(demote.to_string(), refused);
    let root = store.security(|s| s.existing_user("root")).unwrap();
    assert!(!root.disabled && root.roles.contains(Role::Administrator));
    // Keeping the role while changing others is fine.
    store
        .security(|s| s.set_roles("root", &RoleSet::of(&[Role::Administrator, Role::Auditor])))
        .unwrap();

    // A disabled administrator does not count; an enabled second one does.
    store
        .security(|s| s.create_user(&new_user("deputy", &[Role::Administrator]), "cli"))
        .unwrap();
    store.security(|s| s.set_disabled("deputy", true)).unwrap();
    assert!(store.security(|s| s.set_disabled("root", true)).is_err());
    store.security(|s| s.set_disabled("deputy", false)).unwrap();
    store.security(|s| s.set_disabled("root", true)).unwrap();
    let last = store
        .security(|s| s.set_disabled("deputy", true))
        .unwrap_err();
    assert!(
        last.to_string()
            .starts_with("deputy is the only active administrator"),
        "{last}"
    );
}

backend_tests!(
    password_mfa_and_role_removal_revoke_sessions_and_tokens,
    the_last_active_administrator_cannot_be_removed,
    users_are_unique_lower_case_and_listed,
    role_changes_and_disabling_end_sessions_and_tokens,
    failed_logins_lock_and_totp_steps_are_single_use,
    emergency_grants_expire,
);
