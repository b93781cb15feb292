//! Physician queries on the pages and the API: the technician writes one from a deficiency
//! (leading or incomplete ones refused field by field, nothing written), the physician
//! sees it on the start page and "My queries" and answers once; another physician cannot;
//! every step audited.

use crate::harness::Harness;
use crate::pages::{html, token};
use crate::review::{linked_physician_note, review_by_note_rule};
use axum::http::StatusCode;
use privacy::{Action, Role};
use serde_json::json;

/// A reviewed chart whose deficiency is the linked physician's; returns the deficiency.
fn queried_chart(h: &Harness) -> i64 {
    linked_physician_note(h, "RQ1", "drosler");
    review_by_note_rule(h);
    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("drosler", &[Role::Physician]);
    h.store
        .read(|tx| review::queue(tx, &review::QueueQuery::default()))
        .unwrap()[0]
        .meta
        .id
}

fn n_queries(h: &Harness) -> usize {
    h.store
        .read(|tx| review::open_queries(tx, None))
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_query_is_written_on_the_page_and_answered_by_the_physician() {
    let h = Harness::new();
    let deficiency = queried_chart(&h);
    let hana = h.login("hana").await;
    let queue = h.call("GET", "/review", Some(&hana), None).await;
    let form_link = format!("/review/{deficiency}/query");
    assert!(html(&queue).contains(&form_link), "{}", html(&queue));
    let form = h.call("GET", &form_link, Some(&hana), None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(html(&form).contains("Note not signed: Consultation written"));
    let form_token = token(&form);

    let leading = h
        .form(
            &form_link,
            Some(&hana),
            &[
                ("token", &form_token),
                ("indicators", "  \n"),
                ("question", "Please document sepsis."),
                ("options", ""),
            ],
        )
        .await;
    assert_eq!(leading.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(&leading);
    for field in ["question", "indicators", "options"] {
        assert!(
            page.contains(&format!("id=\"error-{field}\"")),
            "{field} has its own error: {page}"
        );
    }
    assert!(page.contains("leads the physician to one answer"), "{page}");
    assert!(
        page.contains("Please document sepsis."),
        "the form keeps what was typed"
    );
    assert_eq!(n_queries(&h), 0, "nothing written");

    let asked = h
        .form(
            &form_link,
            Some(&hana),
            &[
                ("token", &form_token),
                ("indicators", "WBC 18.2 on admission\nTemperature 39.1 C"),
                ("question", "Which condition do the indicators support?"),
                ("options", "Sepsis\nSIRS without infection"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    assert_eq!(n_queries(&h), 1);

    let doctor = h.login("drosler").await;
    let start = h.call("GET", "/", Some(&doctor), None).await;
    assert!(
        html(&start).contains("Queries waiting for your answer"),
        "{}",
        html(&start)
    );
    let mine = h.call("GET", "/review/queries", Some(&doctor), None).await;
    let page = html(&mine);
    assert!(
        page.contains("Which condition do the indicators support?"),
        "{page}"
    );
    assert!(page.contains("WBC 18.2 on admission"));
    assert!(page.contains("value=\"Clinically undetermined\""), "{page}");
    let query = {
        let start = page.find("action=\"/review/queries/").unwrap() + 24;
        page[start..].split('/').next().unwrap().to_owned()
    };
    let answer_to = format!("/review/queries/{query}/answer");
    let token = token(&mine);
    let not_offered = h
        .form(
            &answer_to,
            Some(&doctor),
            &[("token", &token), ("answer", "Pneumonia")],
        )
        .await;
    assert_eq!(not_offered.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&not_offered).contains("is not one of the answers offered"));
    let answered = h
        .form(
            &answer_to,
            Some(&doctor),
            &[("token", &token), ("answer", "Sepsis"), ("comment", "")],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let again = h
        .form(
            &answer_to,
            Some(&doctor),
            &[("token", &token), ("answer", "Other")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        html(&again).contains("is answered; it cannot be answered again"),
        "{}",
        html(&again)
    );
    let status = h
        .store
        .read(|tx| tx.get::<records::Deficiency>(deficiency))
        .unwrap()
        .record
        .status;
    assert_eq!(status, records::DeficiencyStatus::Answered);

    let kinds: Vec<Action> = h
        .audit()
        .iter()
        .filter(|e| e.event.record_kind.as_deref() == Some("physician_query"))
        .map(|e| e.event.action)
        .collect();
    assert_eq!(
        kinds,
        [Action::Create, Action::Update],
        "asked, then answered"
    );
}

#[tokio::test]
async fn the_query_api_asks_lists_and_answers_only_for_the_physician_asked() {
    let h = Harness::new();
    let deficiency = queried_chart(&h);
    h.add_user("drjones", &[Role::Physician]);
    let hana = h.login("hana").await;
    let incomplete = h
        .call(
            "POST",
            "/api/review/queries",
            Some(&hana),
            Some(json!({"deficiency": deficiency, "question": "What was treated?", "indicators": [], "options": ["Sepsis"]})),
        )
        .await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        incomplete.body["field"], "indicators",
        "{}",
        incomplete.body
    );
    let asked = h
        .call(
            "POST",
            "/api/review/queries",
            Some(&hana),
            Some(json!({"deficiency": deficiency, "question": "What was treated?", "indicators": ["Lactate 4.1"], "options": ["Sepsis"]})),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let id = asked.body["query"]["meta"]["id"].as_i64().unwrap();
    let listed = h
        .call("GET", "/api/review/queries", Some(&hana), None)
        .await;
    assert_eq!(listed.body["queries"][0]["mrn"], "RQ1", "{}", listed.body);
    let bad_filter = h
        .call("GET", "/api/review/queries?provider=x", Some(&hana), None)
        .await;
    assert_eq!(bad_filter.status, StatusCode::UNPROCESSABLE_ENTITY);

    let jones = h.login("drjones").await;
    let theirs = h
        .call("GET", "/api/review/queries/mine", Some(&jones), None)
        .await;
    assert_eq!(theirs.body["linked"], false);
    let refused = h
        .call(
            "POST",
            &format!("/api/review/queries/{id}/answer"),
            Some(&jones),
            Some(json!({"answer": "Sepsis"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    let doctor = h.login("drosler").await;
    let mine = h
        .call("GET", "/api/review/queries/mine", Some(&doctor), None)
        .await;
    assert_eq!(mine.body["queries"].as_array().unwrap().len(), 1);
    let answered = h
        .call(
            "POST",
            &format!("/api/review/queries/{id}/answer"),
            Some(&doctor),
            Some(json!({"answer": "clinically undetermined", "comment": "cultures pending"})),
        )
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    assert_eq!(
        answered.body["query"]["record"]["answer"],
        "Clinically undetermined"
    );
    let closed = h
        .call(
            "POST",
            &format!("/api/review/queries/{id}/answer"),
            Some(&doctor),
            Some(json!({"answer": "Sepsis"})),
        )
        .await;
    assert_eq!(closed.status, StatusCode::CONFLICT);
    assert!(
        closed.body["error"]
            .as_str()
            .unwrap()
            .contains("cannot be answered again")
    );
    let technician_answers = h
        .call(
            "POST",
            &format!("/api/review/queries/{id}/answer"),
            Some(&hana),
            Some(json!({"answer": "Sepsis"})),
        )
        .await;
    assert_eq!(technician_answers.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_department_lists_open_queries_withdraws_one_and_chases_a_follow_up_task() {
    let h = Harness::new();
    let deficiency = queried_chart(&h);
    let hana = h.login("hana").await;
    let form_link = format!("/review/{deficiency}/query");
    let form = h.call("GET", &form_link, Some(&hana), None).await;
    let asked = h
        .form(
            &form_link,
            Some(&hana),
            &[
                ("token", &token(&form)),
                ("indicators", "WBC 18.2 on admission"),
                ("question", "Which condition do the indicators support?"),
                ("options", "Sepsis\nSIRS without infection"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let query = h.store.read(|tx| review::open_queries(tx, None)).unwrap()[0].clone();
    let provider = query.record.provider_id.0;

    let open = h
        .call(
            "GET",
            &format!("/review/queries/open?provider={provider}&older_than=0"),
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(open.status, StatusCode::OK);
    let page = html(&open);
    assert!(
        page.contains(&format!("id=\"query-{}\"", query.meta.id)),
        "{page}"
    );
    assert!(page.contains("0 days waiting"), "{page}");
    let older = h
        .call(
            "GET",
            "/review/queries/open?older_than=3",
            Some(&hana),
            None,
        )
        .await;
    assert!(html(&older).contains("No open query matches."));
    let bad = h
        .call(
            "GET",
            "/review/queries/open?older_than=soon",
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&bad).contains("&quot;soon&quot; is not a number"),
        "{}",
        html(&bad)
    );

    let withdraw = format!("/review/queries/{}/withdraw", query.meta.id);
    let withdrawn = h
        .form(
            &withdraw,
            Some(&hana),
            &[("token", &token(&open)), ("reason", "asked in error")],
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.body
    );
    assert_eq!(n_queries(&h), 0);
    let again = h
        .form(
            &withdraw,
            Some(&hana),
            &[("token", &token(&open)), ("reason", "again")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(html(&again).contains("only an open query can be withdrawn"));
    assert!(
        h.audit().iter().any(|e| e.event.user == "hana"
            && e.event.action == Action::Update
            && e.event.reason.as_deref() == Some("physician query withdrawn")),
        "the withdrawal is audited"
    );

    // A follow-up task from the review page: opened, a contact logged, closed.
    let queue = h.call("GET", "/review", Some(&hana), None).await;
    assert!(html(&queue).contains("Data-collection follow-up"));
    let patient = query.record.patient_id.0.to_string();
    let opened = h
        .form(
            "/review/tasks",
            Some(&hana),
            &[
                ("token", &token(&queue)),
                ("patient", &patient),
                ("kind", "insurance"),
                ("what", "Insurance card after the emergency visit"),
                ("from", "the patient"),
                ("due_days", "7"),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let task = h
        .store
        .read(|tx| review::tasks(tx, &review::TaskQuery::default()))
        .unwrap()[0]
        .meta
        .id;
    let blank = h
        .form(
            "/review/tasks",
            Some(&hana),
            &[
                ("token", &token(&queue)),
                ("patient", "x"),
                ("kind", "insurance"),
            ],
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&blank).contains("Patient id: &quot;x&quot; is not a number"),
        "{}",
        html(&blank)
    );
    let contacted = h
        .form(
            &format!("/review/tasks/{task}/contact"),
            Some(&hana),
            &[
                ("token", &token(&queue)),
                ("method", "phone"),
                ("outcome", "left a message"),
            ],
        )
        .await;
    assert_eq!(
        contacted.status,
        StatusCode::SEE_OTHER,
        "{}",
        contacted.body
    );
    let reviewed = h.call("GET", "/review", Some(&hana), None).await;
    let shown = html(&reviewed);
    assert!(shown.contains("phone: left a message"), "{shown}");
    let closed = h
        .form(
            &format!("/review/tasks/{task}/close"),
            Some(&hana),
            &[("token", &token(&queue)), ("reason", "card copied")],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let late = h
        .form(
            &format!("/review/tasks/{task}/contact"),
            Some(&hana),
            &[
                ("token", &token(&queue)),
                ("method", "phone"),
                ("outcome", "again"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(
        html(&late).contains("is done; it cannot be changed"),
        "{}",
        html(&late)
    );
}
