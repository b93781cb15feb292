//! The master patient index over the API and the pages: the duplicate queue, a pair side
//! by side, decisions, merge and unmerge; refused without the permission; audited.

use crate::harness::Harness;
use crate::pages::{html, token};
use axum::http::StatusCode;
use privacy::Role;
use serde_json::json;

/// Two charts of one person, and a pair matching found between them.
fn pair(h: &Harness) -> (i64, i64, i64) {
    let a = h.add_patient("DUP1");
    let b = h.add_patient("DUP2");
    h.add_encounter(
        a,
        records::EncounterClass::Outpatient,
        time::macros::datetime!(2026-01-05 10:00 UTC),
        None,
    );
    let pair = h
        .store
        .write(|tx| {
            tx.save_candidate_pairs(&[store::FoundPair {
                patient_a: b,
                patient_b: a,
                probability: 0.93,
                weight: 6.2,
                class: "review".into(),
                contributions: json!([{ "field": "family_name", "level": "exact", "weight": 4.1 }]),
            }])?;
            Ok(tx.candidate_pair_of(a, b)?.unwrap().id)
        })
        .unwrap();
    (a, b, pair)
}

#[tokio::test]
async fn the_technician_decides_merges_and_unmerges_over_the_api() {
    let h = Harness::new();
    let (a, b, pair) = pair(&h);
    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("fred", &[Role::FrontDesk]);
    let hana = h.login("hana").await;
    let fred = h.login("fred").await;
    let refused = h
        .call("POST", "/api/mpi/queue", Some(&fred), Some(json!({})))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let queue = h
        .call("POST", "/api/mpi/queue", Some(&hana), Some(json!({})))
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    let pairs = queue.body["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["pair"]["patient_a"], a);
    assert_eq!(pairs[0]["encounters"], json!([1, 0]));
    let fields = pairs[0]["fields"].as_array().unwrap();
    let mrn = fields.iter().find(|f| f["label"] == "MRN").unwrap();
    assert_eq!(
        (mrn["a"].as_str(), mrn["same"].as_bool()),
        (Some("DUP1"), Some(false))
    );
    let bad = h
        .call(
            "POST",
            "/api/mpi/queue",
            Some(&hana),
            Some(json!({ "status": ["maybe"] })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);

    let shown = h
        .call("GET", &format!("/api/mpi/pairs/{pair}"), Some(&hana), None)
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let no_reason = h
        .call(
            "POST",
            &format!("/api/mpi/pairs/{pair}/decide"),
            Some(&hana),
            Some(json!({ "decision": "duplicate" })),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason.body.to_string().contains("reason"),
        "{}",
        no_reason.body
    );
    let decided = h
        .call(
            "POST",
            &format!("/api/mpi/pairs/{pair}/decide"),
            Some(&hana),
            Some(json!({ "decision": "duplicate", "reason": "same SSN on both cards" })),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    assert_eq!(decided.body["decision"]["decided_by"], "hana");

    let volume = h
        .call(
            "POST",
            "/api/charts/volumes",
            Some(&hana),
            Some(json!({ "patient": "DUP1", "home": "Shelf C-3" })),
        )
        .await;
    assert_eq!(volume.body["barcode"], "DUP1-V1", "{}", volume.body);
    let desk = h.call("GET", "/charts", Some(&hana), None).await;
    let desk = html(&desk);
    assert!(!desk.contains("relabel-section"), "nothing to relabel yet");

    let merged = h
        .call(
            "POST",
            "/api/mpi/merge",
            Some(&hana),
            Some(json!({ "surviving": "DUP2", "retired": "DUP1", "reason": "same person" })),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
    let merge = merged.body["merge"]["id"].as_i64().unwrap();
    assert_eq!(
        merged.body["merge"]["moved"],
        json!([["encounter", 1], ["candidate", 1], ["chart_volume", 1]])
    );
    // The paper volume is the surviving chart's now; the desk lists the label to print.
    let desk = h.call("GET", "/charts", Some(&hana), None).await;
    let desk = html(&desk);
    assert!(
        desk.contains("New labels to print after a merge (1)")
            && desk.contains("<td>DUP1-V1</td>")
            && desk.contains(">DUP2-V1</a>")
            && desk.contains("at Shelf C-3"),
        "{desk}"
    );
    let encounters = h
        .store
        .read(|tx| tx.for_patient::<records::Encounter>(b))
        .unwrap();
    assert_eq!(
        encounters.len(),
        1,
        "the encounter moved to the surviving chart"
    );
    let again = h
        .call(
            "POST",
            "/api/mpi/merge",
            Some(&hana),
            Some(
                json!({ "surviving": b.to_string(), "retired": a.to_string(), "reason": "again" }),
            ),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

    let stats = h.call("GET", "/api/mpi/stats", Some(&hana), None).await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.body);
    assert_eq!(stats.body["stats"]["merges_standing"], 1);

    let undone = h
        .call(
            "POST",
            &format!("/api/mpi/merges/{merge}/unmerge"),
            Some(&hana),
            Some(json!({ "reason": "two people after all" })),
        )
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    assert_eq!(undone.body["merge"]["status"], "unmerged");
    let back = h
        .store
        .read(|tx| tx.for_patient::<records::Encounter>(a))
        .unwrap();
    assert_eq!(back.len(), 1, "the encounter is back on its chart");
    let desk = h.call("GET", "/charts", Some(&hana), None).await;
    let desk = html(&desk);
    assert!(
        !desk.contains("relabel-section"),
        "its old label is right again"
    );

    let audit = h.audit();
    let merges = audit
        .iter()
        .filter(|e| e.event.record_kind.as_deref() == Some("mpi_merge"))
        .count();
    assert_eq!(merges, 2);
    assert!(
        audit
            .iter()
            .any(|e| e.event.record_kind.as_deref() == Some("mpi_candidate")
                && e.event.user == "hana")
    );
}

#[tokio::test]
async fn the_queue_pages_compare_decide_merge_and_unmerge() {
    let h = Harness::new();
    let (a, b, pair) = pair(&h);
    h.add_user("hana", &[Role::HimTechnician]);
    let hana = h.login("hana").await;
    let start = h.call("GET", "/", Some(&hana), None).await;
    assert!(html(&start).contains("href=\"/mpi\""), "{}", html(&start));
    let queue = h.call("GET", "/mpi", Some(&hana), None).await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(
        html(&queue).contains(&format!("href=\"/mpi/pairs/{pair}\"")),
        "{}",
        html(&queue)
    );
    let page = h
        .call("GET", &format!("/mpi/pairs/{pair}"), Some(&hana), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let text = html(&page);
    assert!(text.contains("DUP1") && text.contains("DUP2"), "{text}");
    assert!(
        text.contains("family_name"),
        "the weights are shown: {text}"
    );
    let token = token(&page);

    let wrong = h
        .form(
            &format!("/mpi/pairs/{pair}/merge"),
            Some(&hana),
            &[("token", &token), ("surviving", "999"), ("reason", "x")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&wrong).contains("choose one of the pair"),
        "{}",
        html(&wrong)
    );
    let needs = h
        .form(
            &format!("/mpi/pairs/{pair}/decide"),
            Some(&hana),
            &[
                ("token", &token),
                ("decision", "needs_info"),
                ("reason", "ask at next visit"),
            ],
        )
        .await;
    assert_eq!(needs.status, StatusCode::SEE_OTHER, "{}", needs.body);
    let merged = h
        .form(
            &format!("/mpi/pairs/{pair}/merge"),
            Some(&hana),
            &[
                ("token", &token),
                ("surviving", &a.to_string()),
                ("reason", "same person"),
            ],
        )
        .await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    let after = h.call("GET", "/mpi", Some(&hana), None).await;
    let text = html(&after);
    assert!(text.contains("No pairs are waiting"), "{text}");
    let merge = h.store.read(|tx| tx.merges(1)).unwrap().remove(0);
    assert_eq!((merge.surviving_id, merge.retired_id), (a, b));
    assert!(
        text.contains(&format!("/mpi/merges/{}/unmerge", merge.id)),
        "{text}"
    );
    let blank = h
        .form(
            &format!("/mpi/merges/{}/unmerge", merge.id),
            Some(&hana),
            &[("token", &token), ("reason", " ")],
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    let undone = h
        .form(
            &format!("/mpi/merges/{}/unmerge", merge.id),
            Some(&hana),
            &[("token", &token), ("reason", "two people")],
        )
        .await;
    assert_eq!(undone.status, StatusCode::SEE_OTHER, "{}", undone.body);
    let back = h.call("GET", "/mpi", Some(&hana), None).await;
    assert!(
        html(&back).contains(&format!("href=\"/mpi/pairs/{pair}\"")),
        "the pair waits again, needing information: {}",
        html(&back)
    );
}
