//! No input makes the server answer 500: every route gets malformed bodies and odd path
//! values from a user who holds every role, and answers 2xx or 4xx with a JSON error.

use crate::harness::Harness;
use server::route_specs;

#[tokio::test]
async fn malformed_input_never_gets_a_server_error() {
    let h = Harness::new();
    h.add_patient("X1");
    h.add_user("all", privacy::Role::ALL);
    let session = h.login("all").await;
    let bodies = [
        None,
        Some("null"),
        Some("[]"),
        Some("{"),
        Some("\"text\""),
        Some(r#"{"username": 5, "password": []}"#),
        Some(r#"{"text": "", "birth_date": "9999-99-99", "limit": -1}"#),
        Some(r#"{"patient_id": "x", "since": "2026-13-01T00:00:00Z", "limit": 1e99}"#),
        Some(
            r#"{"reason": "\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000", "minutes": 9223372036854775807}"#,
        ),
        Some(
            r#"{"roles": ["administrator", "ADMINISTRATOR", ""], "permissions": [], "days": 0, "code": "99999999", "secret": "!!"}"#,
        ),
    ];
    let ids = ["1", "0", "-1", "99999999999999999999", "abc", "%00", "1.5"];
    for spec in route_specs() {
        if spec.path == "/api/logout" {
            continue; // would end the session the rest of the loop uses
        }
        for id in ids {
            let path = spec
                .path
                .replace("{id}", id)
                .replace("{vid}", id)
                .replace("{username}", id);
            for body in bodies {
                let mut headers = vec![("cookie", session.as_str())];
                if body.is_some() {
                    headers.push(("content-type", "application/json"));
                }
                let reply = h
                    .send_raw(spec.method.as_str(), &path, &headers, body.unwrap_or(""))
                    .await;
                assert!(
                    !reply.status.is_server_error(),
                    "{} {path} with {body:?}: {} {}",
                    spec.method,
                    reply.status,
                    reply.body
                );
                if reply.status.is_client_error() {
                    let named = match spec.surface {
                        server::Surface::Api => reply.body["error"].is_string(),
                        server::Surface::Fhir => reply.body["resourceType"] == "OperationOutcome",
                        server::Surface::Page => reply
                            .body
                            .as_str()
                            .is_some_and(|html| html.contains("role=\"alert\"")),
                    };
                    assert!(named, "{} {path}: {}", spec.method, reply.body);
                }
            }
        }
    }
}

/// The pages' forms with the session's own token and odd values in every field any form
/// has: each answers a page (2xx, 3xx or a 4xx naming the problem), never a 500.
#[tokio::test]
async fn odd_form_values_never_get_a_server_error() {
    let h = Harness::new();
    let patient = h.add_patient("X2");
    h.add_encounter(
        patient,
        records::EncounterClass::Outpatient,
        time::macros::datetime!(2026-02-10 09:00 UTC),
        None,
    );
    h.add_user("all", privacy::Role::ALL);
    h.add_user("other", &[privacy::Role::Billing]);
    let session = h.login("all").await;
    let home = h.call("GET", "/", Some(&session), None).await;
    let page = home.body.as_str().unwrap();
    let start = page.find("name=\"token\" value=\"").unwrap() + 20;
    let token = page[start..start + 64].to_owned();
    let fields = [
        "text",
        "birth_date",
        "version",
        "family_name",
        "given_name",
        "sex",
        "city",
        "deceased_date",
        "encounter_id",
        "code",
        "rank",
        "poa",
        "system",
        "modifiers",
        "units",
        "reason",
        "minutes",
        "username",
        "display_name",
        "password",
        "action",
        "patient_id",
        "user",
        "since",
        "until",
        "export",
        "q",
        "date",
        "sex",
        "age_min",
        "age_max",
        "dx_codes",
        "dx_from",
        "vax",
        "overdue_days",
        "as_of",
        "group_by",
        "coverage",
        "name",
        "description",
        "decision",
        "record_kind",
        "record_id",
        "secret",
    ];
    let odd = [
        "",
        "%00",
        "-1",
        "0",
        "99999999999999999999",
        "9999-99-99",
        "1980-02-30",
        "NaN",
        "<script>alert(1)</script>",
        "E11.",
        "0DTJ4ZZ9",
        "'; DROP TABLE patients; --",
        "ä€😀",
        "(",
        "flu, (",
        "age_band(",
        "1e99",
        "true",
    ];
    let pages: Vec<_> = server::route_specs()
        .into_iter()
        .filter(|s| s.surface == server::Surface::Page && s.method == "POST")
        .filter(|s| s.path != "/logout" && s.path != "/login")
        .collect();
    assert!(!pages.is_empty());
    for spec in &pages {
        let path = spec
            .path
            .replace("{id}", &patient.to_string())
            .replace("{username}", "other");
        for value in odd {
            let mut form: Vec<(&str, &str)> = vec![("token", &token)];
            form.extend(fields.iter().map(|f| (*f, value)));
            let reply = h.form(&path, Some(&session), &form).await;
            assert!(
                !reply.status.is_server_error(),
                "{path} with {value:?}: {} {}",
                reply.status,
                reply.body
            );
            if reply.status.is_client_error() {
                assert!(
                    reply
                        .body
                        .as_str()
                        .is_some_and(|html| html.contains("role=\"alert\"")
                            || html.contains("class=\"field-error\"")),
                    "{path} with {value:?}: {}",
                    reply.body
                );
            }
        }
    }
}
