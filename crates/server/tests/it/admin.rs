//! User administration, emergency access and the audit report over the API.

use crate::harness::{Harness, PASSWORD, test_patient};
use axum::http::StatusCode;
use privacy::{Action, Role};
use serde_json::json;

#[tokio::test]
async fn administrators_manage_users_and_every_change_is_audited() {
    let h = Harness::new();
    h.add_user("root", &[Role::Administrator]);
    let admin = h.login("root").await;
    let create = |body: serde_json::Value| h.call("POST", "/api/users", Some(&admin), Some(body));

    let weak = create(json!({"username": "bo", "roles": ["billing"], "password": "short"})).await;
    assert_eq!(
        (weak.status, weak.body["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("password"))
    );
    let bad_role = create(json!({"username": "bo", "roles": ["cook"], "password": PASSWORD})).await;
    assert_eq!(bad_role.body["field"], "roles");
    let bad_name =
        create(json!({"username": "b o", "roles": ["billing"], "password": PASSWORD})).await;
    assert_eq!(bad_name.body["field"], "username");
    let made = create(json!({"username": "Bo", "display_name": "Bo Biller", "roles": ["billing"], "password": PASSWORD})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.body["username"], "bo");
    let again = create(json!({"username": "bo", "roles": ["billing"], "password": PASSWORD})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.body["error"], "user \"bo\" already exists");

    let bo = h.login("bo").await;
    let roles = h
        .call(
            "POST",
            "/api/users/bo/roles",
            Some(&admin),
            Some(json!({"roles": ["front-desk", "auditor"]})),
        )
        .await;
    assert_eq!(roles.body["roles"], json!(["front-desk", "auditor"]));
    assert_eq!(
        h.call("GET", "/api/me", Some(&bo), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let missing = h
        .call("POST", "/api/users/nobody/disable", Some(&admin), None)
        .await;
    assert_eq!(missing.status, StatusCode::CONFLICT);
    assert_eq!(
        h.call("POST", "/api/users/bo/disable", Some(&admin), None)
            .await
            .status,
        StatusCode::OK
    );
    let list = h.call("GET", "/api/users", Some(&admin), None).await;
    assert_eq!(list.body["users"][0]["status"], "disabled", "{}", list.body);

    let changes: Vec<(String, Option<String>)> = h
        .audit()
        .into_iter()
        .filter(|e| e.event.action == Action::PermissionChange)
        .filter(|e| e.event.reason.as_deref() != Some("authenticator enrolled"))
        .map(|e| (e.event.reason.unwrap(), e.event.new_values))
        .collect();
    assert_eq!(changes.len(), 3);
    assert_eq!(changes[0].0, "user created");
    assert!(
        changes[1]
            .1
            .as_deref()
            .unwrap()
            .contains("front-desk,auditor")
    );
    assert!(
        changes
            .iter()
            .all(|(_, v)| !v.as_deref().unwrap().contains("argon2"))
    );
}

#[tokio::test]
async fn breaking_the_glass_is_reasoned_limited_audited_and_reviewed() {
    let h = Harness::configured(|config| {
        config.emergency_staff =
            privacy::EmergencyStaff::new(vec!["doc".into()], privacy::RoleSet::new());
    });
    let id = h.add_patient("G1");
    h.add_user("doc", &[Role::Physician]);
    h.add_user("fd", &[Role::FrontDesk]);
    h.add_user("officer", &[Role::Auditor]);
    let doc = h.login("doc").await;
    let path = format!("/api/patients/{id}/break-glass");
    let chart = format!("/api/patients/{id}");
    assert!(
        h.call("GET", &chart, Some(&doc), None)
            .await
            .body
            .get("charges")
            .is_none()
    );

    let short = h
        .call(
            "POST",
            &path,
            Some(&doc),
            Some(json!({"reason": "because"})),
        )
        .await;
    assert_eq!(
        (short.status, short.body["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let long = h
        .call(
            "POST",
            &path,
            Some(&doc),
            Some(json!({"reason": "unconscious, need full history", "minutes": 100000})),
        )
        .await;
    assert_eq!(long.body["field"], "minutes");
    let unknown = h
        .call(
            "POST",
            "/api/patients/999/break-glass",
            Some(&doc),
            Some(json!({"reason": "unconscious, need full history"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let fd = h.login("fd").await;
    let refused = h
        .call(
            "POST",
            &path,
            Some(&fd),
            Some(json!({"reason": "unconscious, need full history"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let granted = h
        .call(
            "POST",
            &path,
            Some(&doc),
            Some(json!({"reason": "unconscious, need full history", "minutes": 20})),
        )
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.body);
    assert!(
        h.call("GET", &chart, Some(&doc), None)
            .await
            .body
            .get("charges")
            .is_some()
    );
    let entries = h.audit();
    let glass: Vec<(privacy::Outcome, Option<i64>, &str)> = entries
        .iter()
        .filter(|e| e.event.action == Action::BreakGlass)
        .map(|e| {
            (
                e.event.outcome,
                e.event.patient_id.map(|p| p.0),
                e.event.reason.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    // The refused requests are audited too, with the patient they aimed at (issue 10).
    assert!(glass.len() >= 2, "{glass:?}");
    let granted_entry = glass.last().unwrap();
    assert_eq!(
        *granted_entry,
        (
            privacy::Outcome::Success,
            Some(id),
            "unconscious, need full history"
        )
    );
    assert!(
        glass.iter().any(
            |(outcome, patient, reason)| *outcome == privacy::Outcome::Denied
                && *patient == Some(id)
                && reason.starts_with(
                    "emergency access refused: break the glass: a reason of at least 10 characters"
                )
        ),
        "{glass:?}"
    );

    let officer = h.login("officer").await;
    let review = h
        .call(
            "POST",
            "/api/break-glass/review",
            Some(&officer),
            Some(json!({})),
        )
        .await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    assert_eq!(review.body["waiting"][0]["username"], "doc");
    assert_eq!(review.body["waiting"][0]["patient_id"], id);
}

#[tokio::test]
async fn auditors_search_the_trail_and_verify_it() {
    let h = Harness::new();
    let id = h.add_patient("A1");
    h.add_user("doc", &[Role::Physician]);
    h.add_user("aud", &[Role::Auditor]);
    let doc = h.login("doc").await;
    h.call("GET", &format!("/api/patients/{id}"), Some(&doc), None)
        .await;
    h.call("GET", &format!("/api/patients/{id}"), Some(&doc), None)
        .await;
    let aud = h.login("aud").await;
    let found = h
        .call(
            "POST",
            "/api/audit/search",
            Some(&aud),
            Some(json!({"patient_id": id, "action": "read"})),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    let entries = found.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["user"], "doc");
    assert!(entries[0]["categories"].as_str().unwrap().contains("notes"));
    let bad = h
        .call(
            "POST",
            "/api/audit/search",
            Some(&aud),
            Some(json!({"action": "peek"})),
        )
        .await;
    assert_eq!(bad.body["field"], "action");
    let bad = h
        .call(
            "POST",
            "/api/audit/search",
            Some(&aud),
            Some(json!({"since": "yesterday"})),
        )
        .await;
    assert_eq!(bad.body["field"], "since");
    let bad_channel = h
        .call(
            "POST",
            "/api/audit/search",
            Some(&aud),
            Some(json!({"channel": "pigeon"})),
        )
        .await;
    assert_eq!(bad_channel.body["field"], "channel");
    let denied = h
        .call(
            "POST",
            "/api/audit/search",
            Some(&aud),
            Some(json!({"channel": "api", "outcome": "denied"})),
        )
        .await;
    let rows = denied.body["entries"].as_array().unwrap();
    assert!(
        rows.iter()
            .all(|e| e["channel"] == "api" && e["outcome"] == "denied"),
        "{}",
        denied.body
    );
    let verify = h.call("POST", "/api/audit/verify", Some(&aud), None).await;
    assert_eq!(verify.body["ok"], true, "{}", verify.body);
    // Looking at the report and checking the chain are audited (issue 10).
    let entries = h.audit();
    let last = &entries[entries.len() - 1].event;
    assert_eq!(
        (last.action, last.outcome),
        (Action::Verify, privacy::Outcome::Success)
    );
    assert!(
        last.reason
            .as_deref()
            .unwrap()
            .starts_with("audit chain intact")
    );
    assert!(
        entries.iter().any(|e| e.event.user == "aud"
            && e.event.action == Action::Read
            && e.event.record_kind.as_deref() == Some("audit_log")
            && e.event
                .reason
                .as_deref()
                .unwrap_or_default()
                .starts_with("audit report viewed (patient ")),
        "the report view is audited with its filter"
    );
}

/// A failed verification is itself an audit entry, written after the entries it judged.
#[tokio::test]
async fn a_failed_verification_is_audited() {
    let h = Harness::new();
    h.add_user("aud", &[Role::Auditor]);
    let aud = h.login("aud").await;
    h.store
        .write(|tx| {
            tx.query("DROP TRIGGER audit_log_no_update", &[])?;
            tx.query(
                "UPDATE audit_log SET username = 'mallory' WHERE seq = 1",
                &[],
            )
        })
        .unwrap();
    let verify = h.call("POST", "/api/audit/verify", Some(&aud), None).await;
    assert_eq!(verify.body["ok"], false, "{}", verify.body);
    let entries = h.audit();
    let last = &entries[entries.len() - 1].event;
    assert_eq!(
        (last.action, last.outcome),
        (Action::Verify, privacy::Outcome::Failure)
    );
    assert!(
        last.reason
            .as_deref()
            .unwrap()
            .starts_with("audit chain check failed: entry 1 was altered"),
        "{:?}",
        last.reason
    );
}

#[tokio::test]
async fn amendment_requests_are_recorded_decided_and_audited() {
    let h = Harness::new();
    let id = h.add_patient("AM1");
    h.add_user("him", &[Role::HimTechnician]);
    h.add_user("doc", &[Role::Physician]);
    let him = h.login("him").await;
    let path = format!("/api/patients/{id}/amendments");
    let empty = h
        .call("POST", &path, Some(&him), Some(json!({"description": " "})))
        .await;
    assert_eq!(empty.body["field"], "description");
    let asked = h
        .call(
            "POST",
            &path,
            Some(&him),
            Some(json!({"description": "my phone number is 555-0123"})),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.body);
    let request = asked.body["id"].as_i64().unwrap();
    let decision = format!("/api/amendments/{request}/decision");

    let short = h
        .call(
            "POST",
            &decision,
            Some(&him),
            Some(json!({"accept": false, "reason": "no"})),
        )
        .await;
    assert_eq!(short.body["field"], "reason");
    let unlinked = h
        .call(
            "POST",
            &decision,
            Some(&him),
            Some(json!({"accept": true, "reason": "verified"})),
        )
        .await;
    assert_eq!(unlinked.body["field"], "record_kind");
    // A denial names the disputed record as well (issue 10).
    let unlinked = h
        .call(
            "POST",
            &decision,
            Some(&him),
            Some(json!({"accept": false, "reason": "the number on file is right"})),
        )
        .await;
    assert_eq!(unlinked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unlinked.body["field"], "record_kind");
    // The record named must be this patient's (issue 10): another patient's, a missing
    // one or an unknown kind is a 422 naming the field, and nothing is decided.
    let other = h.add_patient("AM2");
    let note_of_other = {
        h.add_note(other, "someone else's note");
        h.store
            .read(|tx| {
                tx.query(
                    "SELECT id FROM notes WHERE patient_id = ?",
                    &[store::Value::Int(other)],
                )
            })
            .unwrap()[0]
            .int(0)
    };
    for (kind, record, field, message) in [
        (
            "patient",
            other,
            "record_id",
            format!("patient {id} has no patient {other}"),
        ),
        (
            "note",
            note_of_other,
            "record_id",
            format!("note {note_of_other} belongs to another patient, not patient {id}"),
        ),
        (
            "note",
            999_999,
            "record_id",
            format!("patient {id} has no note 999999"),
        ),
        (
            "spaceship",
            1,
            "record_kind",
            "\"spaceship\" is not a kind of record in a patient's chart".to_owned(),
        ),
    ] {
        let wrong = h
            .call(
                "POST",
                &decision,
                Some(&him),
                Some(json!({"accept": true, "reason": "verified", "record_kind": kind, "record_id": record})),
            )
            .await;
        assert_eq!(
            wrong.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{kind}: {}",
            wrong.body
        );
        assert_eq!(wrong.body["field"], field, "{}", wrong.body);
        assert!(
            wrong.body["error"].as_str().unwrap().contains(&message),
            "{}",
            wrong.body
        );
    }
    let accepted = h
        .call(
            "POST",
            &decision,
            Some(&him),
            Some(json!({"accept": true, "reason": "verified by phone", "record_kind": "patient", "record_id": id})),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(accepted.body["status"], "accepted");
    let twice = h
        .call(
            "POST",
            &decision,
            Some(&him),
            Some(json!({"accept": false, "reason": "changed our mind", "record_kind": "patient", "record_id": id})),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    let listed = h.call("GET", &path, Some(&him), None).await;
    assert_eq!(listed.body["amendments"][0]["decision"]["linked_id"], id);
    let doc = h.login("doc").await;
    assert_eq!(
        h.call("GET", &path, Some(&doc), None).await.status,
        StatusCode::FORBIDDEN
    );
    let kinds: Vec<Option<String>> = h
        .audit()
        .into_iter()
        .filter(|e| e.event.patient_id == Some(records::PatientId(id)))
        .map(|e| e.event.record_kind)
        .collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| k.as_deref() == Some("amendment_request"))
            .count(),
        2
    );
    assert!(
        kinds
            .iter()
            .any(|k| k.as_deref() == Some("amendment_requests")),
        "the listing is audited"
    );
}

/// Decided amendments go with their record (issue 10): an accepted one and a denied one
/// are on the chart page, in the JSON chart and on the FHIR resource, for every role that
/// may read the record, and for no one else.
#[tokio::test]
async fn decided_amendments_go_with_their_record_on_every_channel() {
    let h = Harness::new();
    let id = h.add_patient("AM3");
    h.add_note(id, "Patient reports smoking 10 a day.");
    let note = h
        .store
        .read(|tx| {
            tx.query(
                "SELECT id FROM notes WHERE patient_id = ?",
                &[store::Value::Int(id)],
            )
        })
        .unwrap()[0]
        .int(0);
    h.add_user("him", &[Role::HimTechnician]);
    h.add_user("doc", &[Role::Physician]);
    h.add_user("bo", &[Role::Billing]);
    let him = h.login("him").await;
    let ask = |text: &'static str| {
        let him = him.clone();
        let h = &h;
        async move {
            let asked = h
                .call(
                    "POST",
                    &format!("/api/patients/{id}/amendments"),
                    Some(&him),
                    Some(json!({ "description": text })),
                )
                .await;
            asked.body["id"].as_i64().unwrap()
        }
    };
    let phone = ask("my phone number is 555-0123").await;
    let smoking = ask("I never smoked").await;
    for (request, accept, reason, kind, record) in [
        (phone, true, "phone number corrected", "patient", id),
        (
            smoking,
            false,
            "the note records what the patient said that day",
            "note",
            note,
        ),
    ] {
        let decided = h
            .call(
                "POST",
                &format!("/api/amendments/{request}/decision"),
                Some(&him),
                Some(json!({"accept": accept, "reason": reason, "record_kind": kind, "record_id": record})),
            )
            .await;
        assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    }
    // The physician reads demographics and notes: both amendments, with their records.
    let doc = h.login("doc").await;
    let chart = h
        .call("GET", &format!("/api/patients/{id}"), Some(&doc), None)
        .await;
    let shown: Vec<(String, String, i64)> = chart.body["amendments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["status"].as_str().unwrap().to_owned(),
                a["decision"]["linked_kind"].as_str().unwrap().to_owned(),
                a["decision"]["linked_id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("accepted".to_owned(), "patient".to_owned(), id),
            ("denied".to_owned(), "note".to_owned(), note)
        ]
    );
    let page = h
        .call(
            "GET",
            &format!("/patients/{id}"),
            Some(&crate::pages::sign_in(&h, "doc").await),
            None,
        )
        .await;
    let page = crate::pages::html(&page);
    assert!(
        page.contains("Accepted: record amended")
            && page.contains("Denied: disputed")
            && page.contains(&format!("note {note}"))
            && page.contains("the note records what the patient said that day"),
        "{page}"
    );
    for (path, status) in [
        (format!("/fhir/Patient/{id}"), "accepted"),
        (format!("/fhir/DocumentReference/{note}"), "denied"),
    ] {
        let resource = crate::fhir_rest::fhir(&h, "GET", &path, &doc, None, &[]).await;
        assert_eq!(resource.status, StatusCode::OK, "{}", resource.body);
        let amendment = resource.body["extension"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["url"] == "urn:chartroom:amendment")
            .unwrap_or_else(|| panic!("{path}: {}", resource.body));
        assert!(
            amendment["extension"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["url"] == "status" && e["valueCode"] == status),
            "{amendment}"
        );
    }
    // Billing reads demographics but not notes: the denial kept with the note is not
    // shown to it.
    let bo = h.login("bo").await;
    let chart = h
        .call("GET", &format!("/api/patients/{id}"), Some(&bo), None)
        .await;
    let statuses: Vec<&str> = chart.body["amendments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["accepted"], "{}", chart.body);
}

/// A password reset from the API ends the user's sessions and revokes their tokens at
/// once, and is audited; a weak password is a 422 naming the field.
#[tokio::test]
async fn a_password_reset_revokes_sessions_and_tokens() {
    let h = Harness::new();
    h.add_user("root", &[Role::Administrator]);
    h.add_user("bo", &[Role::Billing]);
    let admin = h.login("root").await;
    let bo = h.login("bo").await;
    let token = crate::tokens::feed_token(&h, &bo).await;
    assert_eq!(
        h.call_token("GET", "/api/me", &token, None).await.status,
        StatusCode::OK
    );
    let reset = |password: &str| {
        h.call(
            "POST",
            "/api/users/bo/password",
            Some(&admin),
            Some(json!({ "password": password })),
        )
    };
    let weak = reset("short").await;
    assert_eq!(
        (weak.status, weak.body["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("password"))
    );
    assert_eq!(
        h.call("GET", "/api/me", Some(&bo), None).await.status,
        StatusCode::OK
    );
    let done = reset("Another-Good-Passphrase-9").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        h.call("GET", "/api/me", Some(&bo), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.call_token("GET", "/api/me", &token, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let entry = h.audit().into_iter().last().unwrap().event;
    assert_eq!(entry.reason.as_deref(), Some("password reset"));
    assert!(!entry.new_values.unwrap().contains("argon2"));
}

/// The only active administrator cannot disable themselves or drop the role, and the
/// refusal says why (409); nothing changes.
#[tokio::test]
async fn the_last_administrator_is_kept_with_a_reason() {
    let h = Harness::new();
    h.add_user("root", &[Role::Administrator]);
    let admin = h.login("root").await;
    let disable = h
        .call("POST", "/api/users/root/disable", Some(&admin), None)
        .await;
    assert_eq!(disable.status, StatusCode::CONFLICT);
    assert_eq!(
        disable.body["error"],
        "root is the only active administrator, so they must stay an enabled administrator; make another user an administrator first"
    );
    let demote = h
        .call(
            "POST",
            "/api/users/root/roles",
            Some(&admin),
            Some(json!({"roles": ["auditor"]})),
        )
        .await;
    assert_eq!(demote.status, StatusCode::CONFLICT);
    assert_eq!(
        h.call("GET", "/api/me", Some(&admin), None).await.status,
        StatusCode::OK
    );
}

/// Served read-only after a failed chain check: sign-in and reads work, changes are refused.
#[tokio::test]
async fn a_read_only_server_refuses_every_change() {
    let h = Harness::configured(|config| {
        config.read_only = Some("entry 1 was altered".into());
    });
    h.add_user("root", &[Role::Administrator]);
    let admin = h.login("root").await;
    let list = h.call("GET", "/api/users", Some(&admin), None).await;
    assert_eq!(list.status, StatusCode::OK);
    let create = h
        .call(
            "POST",
            "/api/users",
            Some(&admin),
            Some(json!({"username": "bo", "roles": ["billing"], "password": PASSWORD})),
        )
        .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    assert!(
        create.body["error"]
            .as_str()
            .unwrap()
            .contains("the server is read-only because its audit chain check failed"),
        "{}",
        create.body
    );
    assert!(h.store.security(|s| s.user("bo")).unwrap().is_none());
}

#[tokio::test]
async fn a_patient_s_audit_report_shows_only_the_writes_to_that_chart() {
    let h = Harness::new();
    h.add_user("aud", &[Role::Auditor]);
    // One bulk load (as an import or the demo writes) writes two charts in one transaction:
    // one audit entry stands for both.
    let template =
        privacy::AuditEvent::new(h.now(), "importer", Action::Create, privacy::Channel::Cli)
            .reason("bulk load");
    h.store.audit_writes(Some((h.trail.clone(), template)));
    let ids = h
        .store
        .write(|tx| {
            let actor = store::Actor::new("importer");
            let first = tx.create(&actor, &test_patient("T1"))?.meta.id;
            let second = tx.create(&actor, &test_patient("T2"))?.meta.id;
            Ok([first, second])
        })
        .unwrap();
    h.store.audit_writes(None);
    let aud = h.login("aud").await;
    let report = |patient: Option<i64>| {
        let body = match patient {
            Some(id) => json!({"patient_id": id, "action": "create"}),
            None => json!({"action": "create", "user": "importer"}),
        };
        h.call("POST", "/api/audit/search", Some(&aud), Some(body))
    };
    for id in ids {
        let found = report(Some(id)).await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        let entry = &found.body["entries"][0];
        assert_eq!(entry["writes_total"], 2, "{}", found.body);
        let writes = entry["writes"].as_array().unwrap();
        assert_eq!(writes.len(), 1, "{}", found.body);
        assert_eq!(
            (writes[0]["kind"].as_str(), writes[0]["patient"].as_i64()),
            (Some("patient"), Some(id))
        );
    }
    // Without a patient filter the entry shows every write it stands for.
    let all = report(None).await;
    let entry = &all.body["entries"][0];
    assert_eq!(
        (
            entry["writes"].as_array().unwrap().len(),
            &entry["writes_total"]
        ),
        (2, &json!(2))
    );
    // FHIR AuditEvent by patient: the entry's write entities are that chart's alone.
    for id in ids {
        let events = h
            .call(
                "GET",
                &format!("/fhir/AuditEvent?patient=Patient/{id}&action=C"),
                Some(&aud),
                None,
            )
            .await;
        assert_eq!(events.status, StatusCode::OK, "{}", events.body);
        let written: Vec<String> = events.body["entry"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|e| {
                e["resource"]["entity"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|entity| entity.get("detail").is_some())
            .filter_map(|entity| entity["what"]["reference"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(written, [format!("Patient/{id}")], "{}", events.body);
    }
}
