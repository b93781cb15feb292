//! Every route in the table, tried without a session and with roles that lack its
//! permission: none serves patient data to either.

use crate::harness::Harness;
use axum::http::StatusCode;
use privacy::Role;
use server::{Access, Surface, route_specs};

fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{vid}", "1")
        .replace("{username}", "nobody")
}

#[tokio::test]
async fn no_route_serves_patient_data_without_a_session_holding_its_permission() {
    let h = Harness::new();
    h.add_patient("R1");
    h.add_user("res", &[Role::Researcher]);
    let researcher = h.login("res").await;
    let specs = route_specs();
    assert!(specs.iter().any(|s| s.patient_data));
    for spec in &specs {
        if spec.patient_data {
            assert!(
                matches!(spec.access, Access::Needs(_) | Access::NeedsOrEmergency(_)),
                "{} {} serves patient data, so it must need a permission",
                spec.method,
                spec.path
            );
        }
        if spec.access == Access::Public {
            continue;
        }
        let body = (spec.method == "POST").then(|| {
            serde_json::json!({"text": "testpatient", "reason": "a long enough reason", "roles": ["billing"]})
        });
        let anonymous = h
            .call(
                spec.method.as_str(),
                &concrete(spec.path),
                None,
                body.clone(),
            )
            .await;
        assert_refused_sign_in(spec, &anonymous);
        let forged = h
            .call(
                spec.method.as_str(),
                &concrete(spec.path),
                Some("chartroom_session=00ff"),
                body.clone(),
            )
            .await;
        assert_refused_sign_in(spec, &forged);
        // Population questions are open to researchers (aggregate only); every other
        // permission a route needs is one a researcher lacks.
        if let Access::Needs(permission) | Access::NeedsOrEmergency(permission) = spec.access
            && !researcher_may(permission)
        {
            let denied = h
                .call(
                    spec.method.as_str(),
                    &concrete(spec.path),
                    Some(&researcher),
                    body,
                )
                .await;
            assert_eq!(
                denied.status,
                StatusCode::FORBIDDEN,
                "{} {}",
                spec.method,
                spec.path
            );
            assert!(
                denied.body.to_string().contains("researcher"),
                "{}",
                denied.body
            );
            assert_eq!(denied.headers["cache-control"], "no-store");
        }
    }
    let denials = h
        .audit()
        .into_iter()
        .filter(|e| e.event.outcome == privacy::Outcome::Denied)
        .count();
    assert_eq!(
        denials,
        specs
            .iter()
            .filter(|s| {
                matches!(s.access, Access::Needs(p) | Access::NeedsOrEmergency(p) if !researcher_may(p))
            })
            .count()
    );
}

fn researcher_may(permission: privacy::Permission) -> bool {
    privacy::RoleSet::of(&[Role::Researcher]).allows(permission)
}

/// Not signed in: the API and FHIR answer 401, a page sends the browser to sign in.
fn assert_refused_sign_in(spec: &server::RouteSpec, reply: &crate::harness::Reply) {
    let what = format!(
        "{} {}: {} {}",
        spec.method, spec.path, reply.status, reply.body
    );
    match spec.surface {
        Surface::Api => {
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}");
            assert!(
                reply.body["error"].as_str().unwrap().contains("sign in"),
                "{what}"
            );
        }
        Surface::Fhir => {
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}");
            assert_eq!(reply.body["resourceType"], "OperationOutcome", "{what}");
        }
        Surface::Page => {
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{what}");
            let location = reply.headers["location"].to_str().unwrap();
            assert!(location.starts_with("/login?why="), "{what}");
        }
    }
    assert!(!reply.body.to_string().contains("testpatient"), "{what}");
}

#[tokio::test]
async fn unknown_paths_are_404_and_health_is_public() {
    let h = Harness::new();
    assert_eq!(
        h.call("GET", "/api/nothing-here", None, None).await.status,
        StatusCode::NOT_FOUND
    );
    let health = h.call("GET", "/api/health", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn the_api_document_lists_every_route_with_its_rule() {
    let h = Harness::new();
    let doc = h.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3."));
    for spec in route_specs()
        .into_iter()
        .filter(|s| s.surface == Surface::Api)
    {
        let method = spec.method.as_str().to_ascii_lowercase();
        let operation = &doc.body["paths"][spec.path][&method];
        assert!(
            operation.is_object(),
            "{} {} is missing",
            spec.method,
            spec.path
        );
        assert_eq!(operation["summary"], spec.summary);
        if let Access::Needs(permission) | Access::NeedsOrEmergency(permission) = spec.access {
            assert!(
                operation["description"]
                    .as_str()
                    .unwrap()
                    .contains(permission.as_str())
            );
        }
        assert_eq!(
            operation.get("requestBody").is_some(),
            spec.body.is_some(),
            "{}",
            spec.path
        );
    }
    assert_eq!(
        doc.body["paths"]["/api/login"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/LoginBody"
    );
    let login = &doc.body["components"]["schemas"]["LoginBody"];
    assert_eq!(
        login["required"],
        serde_json::json!(["username", "password"])
    );
    assert_eq!(
        doc.body["components"]["securitySchemes"]["session"]["in"],
        "cookie"
    );
}

#[tokio::test]
async fn the_api_document_names_each_body_schema_once_and_types_every_path_parameter() {
    let h = Harness::new();
    let doc = h.call("GET", "/api/openapi.json", None, None).await;
    // Two request types of one name would share one component: one route would document
    // the other's body (codes and patients each had a `SearchBody`).
    let mut seen = std::collections::HashMap::new();
    for spec in route_specs()
        .into_iter()
        .filter(|s| s.surface == Surface::Api)
    {
        let Some(schema) = spec.body else { continue };
        let (name, schema) = schema();
        let schema = serde_json::to_value(schema).unwrap();
        if let Some(earlier) = seen.insert(name.to_string(), schema.clone()) {
            assert_eq!(earlier, schema, "two request bodies are named {name}");
        }
        let method = spec.method.as_str().to_ascii_lowercase();
        for parameter in doc.body["paths"][spec.path][&method]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
        {
            assert_eq!(parameter["in"], "path");
            assert_eq!(parameter["schema"]["type"], "string", "{}", spec.path);
        }
    }
    let search = &doc.body["components"]["schemas"]["CodeSearchBody"];
    assert_eq!(search["required"], serde_json::json!(["system", "q"]));
    let id = &doc.body["paths"]["/api/patients/{id}"]["get"]["parameters"][0]["schema"];
    assert_eq!(id["pattern"], "^0*[1-9][0-9]{0,17}$");
}

#[tokio::test]
async fn a_whole_number_with_a_fraction_is_an_integer() {
    let h = Harness::new();
    h.add_user("ann", &[Role::Auditor]);
    let ann = h.login("ann").await;
    let review = h
        .call(
            "POST",
            "/api/break-glass/review",
            Some(&ann),
            Some(serde_json::json!({"days": 30.0})),
        )
        .await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    let fraction = h
        .call(
            "POST",
            "/api/break-glass/review",
            Some(&ann),
            Some(serde_json::json!({"days": 30.5})),
        )
        .await;
    assert_eq!(fraction.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        fraction.body["reason"].as_str().unwrap().contains("days"),
        "{}",
        fraction.body
    );
}

#[tokio::test]
async fn a_denied_look_at_a_chart_is_audited_under_the_patient() {
    let h = Harness::new();
    let id = h.add_patient("R2");
    h.add_user("res", &[Role::Researcher]);
    let researcher = h.login("res").await;
    let denied = h
        .call(
            "GET",
            &format!("/api/patients/{id}"),
            Some(&researcher),
            None,
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let entry = h.audit().pop().unwrap();
    assert_eq!(entry.event.outcome, privacy::Outcome::Denied);
    assert_eq!(entry.event.patient_id, Some(records::PatientId(id)));
    assert_eq!(
        entry.event.reason.as_deref(),
        Some("GET /api/patients/{id} needs read-demographics")
    );
}
