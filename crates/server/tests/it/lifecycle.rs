//! Archival, restore and destruction over the API and the HIM pages: only HIM; the running
//! server's population engine follows each move without a restart; a second person
//! approves a destruction; bad input is a clear refusal; every step audited.

use crate::harness::Harness;
use crate::pages::{html, location, sign_in, token};
use axum::http::StatusCode;
use privacy::{Action, Role};
use serde_json::json;

/// Far enough ahead that a chart opened today is past archival and destruction.
const LATER: &str = "2070-01-01";

async fn patients_counted(h: &Harness, cookie: &str) -> serde_json::Value {
    let reply = h
        .call(
            "POST",
            "/api/query",
            Some(cookie),
            Some(json!({ "text": "count patients" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["rows"].clone()
}

async fn approve(h: &Harness, id: i64, cookie: &str) -> crate::harness::Reply {
    h.call(
        "POST",
        &format!("/api/destruction/{id}/approve"),
        Some(cookie),
        Some(json!({ "as_of": LATER })),
    )
    .await
}

#[tokio::test]
async fn archive_restore_and_destroy_over_the_api_with_the_engine_following() {
    let h = Harness::new();
    let kept = h.add_patient("M00000051");
    let archived = h.add_patient("M00000052");
    h.add_patient("M00000053");
    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("hugo", &[Role::HimTechnician]);
    h.add_user("doc", &[Role::Physician]);
    let (hana, hugo, doc) = (
        h.login("hana").await,
        h.login("hugo").await,
        h.login("doc").await,
    );
    let refused = h.call("GET", "/api/archive", Some(&doc), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(patients_counted(&h, &doc).await, json!([[3]]));

    // Archive one chart: the running engine counts it out at once.
    let run = h
        .call(
            "POST",
            "/api/archive",
            Some(&hana),
            Some(json!({ "patient": "M00000052", "as_of": LATER })),
        )
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.body);
    assert_eq!(run.body["archived"][0]["mrn"], "M00000052");
    assert_eq!(patients_counted(&h, &doc).await, json!([[2]]));
    let report = h
        .call(
            "GET",
            &format!("/api/retention?as_of={LATER}"),
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(
        report.body["archived"][0]["mrn"], "M00000052",
        "{}",
        report.body
    );
    assert_eq!(
        report.body["archived"][0]["file"],
        format!("archive/chart-{archived}.zst")
    );
    assert_eq!(report.body["archived"][0]["status"], "destruction-due");
    let listed = h
        .call("GET", "/api/archive?search=M00000052", Some(&hana), None)
        .await;
    assert_eq!(listed.body[0]["patient_id"], archived, "{}", listed.body);
    let read = h
        .call(
            "GET",
            &format!("/api/archive/{archived}"),
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(read.body["chart"]["patient"]["record"]["mrn"], "M00000052");
    // A chart that is not archived is nothing on file, not a conflict (the API's GETs
    // document no 409).
    let none = h.call("GET", "/api/archive/0", Some(&hana), None).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "{}", none.body);

    // Restored: counted again.
    let restored = h
        .call(
            "POST",
            &format!("/api/archive/{archived}/restore"),
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
    assert_eq!(patients_counted(&h, &doc).await, json!([[3]]));
    let again = h
        .call(
            "POST",
            &format!("/api/archive/{archived}/restore"),
            Some(&hana),
            None,
        )
        .await;
    // Restored already: no archived chart answers to the path any more.
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
    assert_eq!(
        again.body["error"],
        format!("archived chart {archived} does not exist")
    );

    // Destruction: bad input named; the requester cannot approve; a second person can.
    for (body, field) in [
        (
            json!({ "patients": ["M00000051"], "reason": " " }),
            "reason",
        ),
        (
            json!({ "patients": ["M404"], "reason": "past retention" }),
            "patients",
        ),
        (
            json!({ "patients": ["M00000051"], "reason": "x", "as_of": "soon" }),
            "as_of",
        ),
    ] {
        let bad = h
            .call("POST", "/api/destruction", Some(&hana), Some(body))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(
            bad.body["error"].as_str().unwrap().contains(field),
            "{}",
            bad.body
        );
    }
    let not_due = h
        .call(
            "POST",
            "/api/destruction",
            Some(&hana),
            Some(json!({ "patients": ["M00000051"], "reason": "past retention" })),
        )
        .await;
    assert_eq!(not_due.status, StatusCode::CONFLICT, "{}", not_due.body);
    let request = h
        .call(
            "POST",
            "/api/destruction",
            Some(&hana),
            Some(json!({ "patients": ["M00000051"], "reason": "past retention", "as_of": LATER })),
        )
        .await;
    assert_eq!(request.status, StatusCode::OK, "{}", request.body);
    let id = request.body["id"].as_i64().unwrap();
    let own = approve(&h, id, &hana).await;
    assert_eq!(own.status, StatusCode::CONFLICT);
    assert!(
        own.body["error"]
            .as_str()
            .unwrap()
            .contains("a second person must approve it")
    );
    assert_eq!(patients_counted(&h, &doc).await, json!([[3]]));
    let done = approve(&h, id, &hugo).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["certificate"]["approved_by"], "hugo");
    assert_eq!(patients_counted(&h, &doc).await, json!([[2]]));
    let requests = h.call("GET", "/api/destruction", Some(&hugo), None).await;
    assert_eq!(requests.body[0]["status"], "destroyed");

    // A new paper chart volume, its barcode assigned.
    let volume = h
        .call(
            "POST",
            "/api/charts/volumes",
            Some(&hana),
            Some(json!({ "patient": "M00000053", "home": "Shelf D-4" })),
        )
        .await;
    assert_eq!(volume.status, StatusCode::OK, "{}", volume.body);
    assert_eq!(volume.body["barcode"], "M00000053-V1");
    let no_home = h
        .call(
            "POST",
            "/api/charts/volumes",
            Some(&hana),
            Some(json!({ "patient": "M00000053", "home": "" })),
        )
        .await;
    assert_eq!(no_home.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Each step is in the trail, naming the patient, in the CLI's words.
    let entries = h.audit();
    let said = |user: &str, action: Action, patient: i64, words: &str| {
        entries.iter().any(|e| {
            e.event.user == user
                && e.event.action == action
                && (e.event.patient_id == Some(records::PatientId(patient))
                    || e.event.patients.contains(&records::PatientId(patient)))
                && e.event.reason.as_deref().is_some_and(|r| r.contains(words))
        })
    };
    assert!(said(
        "hana",
        Action::Delete,
        archived,
        "chart archived to archive/chart-"
    ));
    assert!(said(
        "hana",
        Action::Read,
        archived,
        "archived chart read from"
    ));
    assert!(said(
        "hana",
        Action::Create,
        archived,
        "chart restored from"
    ));
    assert!(said("hana", Action::Delete, kept, "destruction requested"));
    assert!(said("hugo", Action::Delete, kept, "records destroyed"));
}

#[tokio::test]
async fn the_archive_and_destruction_pages_archive_restore_and_need_a_second_person() {
    let h = Harness::new();
    h.add_patient("M00000061");
    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("hugo", &[Role::HimTechnician]);
    let hana = sign_in(&h, "hana").await;
    let page = h.call("GET", "/archive", Some(&hana), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", html(&page));
    assert!(html(&page).contains("No archived chart"));
    let form = token(&page);
    let run = h
        .form(
            "/archive",
            Some(&hana),
            &[("token", &form), ("patient", "M00000061"), ("as_of", LATER)],
        )
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", html(&run));
    assert!(html(&run).contains("Archived M00000061"), "{}", html(&run));
    assert!(html(&run).contains("id=\"archived-"), "{}", html(&run));
    let unknown = h
        .form(
            "/archive",
            Some(&hana),
            &[("token", &form), ("patient", "M404"), ("as_of", LATER)],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&unknown).contains("no live chart has the MRN"),
        "{}",
        html(&unknown)
    );

    let destruction = h.call("GET", "/destruction", Some(&hana), None).await;
    assert_eq!(destruction.status, StatusCode::OK, "{}", html(&destruction));
    let requested = h
        .form(
            "/destruction",
            Some(&hana),
            &[
                ("token", &form),
                ("patients", "M00000061"),
                ("reason", "past retention"),
                ("as_of", LATER),
            ],
        )
        .await;
    assert_eq!(
        requested.status,
        StatusCode::SEE_OTHER,
        "{}",
        html(&requested)
    );
    assert_eq!(location(&requested), "/destruction?done=request");
    let listed = h.call("GET", "/destruction", Some(&hana), None).await;
    assert!(html(&listed).contains("waiting for a second person"));
    assert!(
        !html(&listed).contains("Approve and destroy"),
        "the requester is offered no approval"
    );
    let own = h
        .form(
            "/destruction/1/approve",
            Some(&hana),
            &[("token", &form), ("as_of", LATER)],
        )
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT);
    assert!(html(&own).contains("a second person must approve it"));

    let hugo = sign_in(&h, "hugo").await;
    let hugo_page = h.call("GET", "/destruction", Some(&hugo), None).await;
    assert!(html(&hugo_page).contains("Approve and destroy"));
    let approved = h
        .form(
            "/destruction/1/approve",
            Some(&hugo),
            &[("token", &token(&hugo_page)), ("as_of", LATER)],
        )
        .await;
    assert_eq!(
        approved.status,
        StatusCode::SEE_OTHER,
        "{}",
        html(&approved)
    );
    let after = h
        .call("GET", "/destruction?done=approve", Some(&hugo), None)
        .await;
    assert!(html(&after).contains("Certificate of destruction"));
    assert!(html(&after).contains("approved by hugo"));
    let archive = h.call("GET", "/archive", Some(&hugo), None).await;
    assert!(html(&archive).contains("No archived chart"));
}
