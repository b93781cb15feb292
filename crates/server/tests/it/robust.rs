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
