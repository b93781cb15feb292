//! Chart review's work items outside the review page: data-collection follow-up tasks over
//! the JSON API (open, contact, assign, close, list; refusals named; every change audited),
//! the chart page showing the patient's open deficiencies and follow-up tasks, and the
//! three kinds of work as read-only FHIR Tasks (read, search, history), valid R4.

use crate::fhir_rest::fhir;
use crate::fhir_schema::keep;
use crate::harness::{Harness, Reply};
use crate::pages::html;
use crate::review::{linked_physician_note, review_by_note_rule};
use axum::http::StatusCode;
use privacy::{Action, Role};
use serde_json::{Value, json};

async fn post(h: &Harness, who: &str, path: &str, body: Value) -> Reply {
    h.call("POST", path, Some(who), Some(body)).await
}

async fn get(h: &Harness, who: &str, uri: &str) -> Reply {
    fhir(h, "GET", uri, who, None, &[]).await
}

fn valid(resource: &Value) {
    let issues = ::fhir::validate_value(resource);
    assert!(issues.is_empty(), "{issues:?}\n{resource}");
}

#[tokio::test]
async fn follow_up_tasks_are_worked_over_the_api_and_shown_on_the_chart() {
    let h = Harness::new();
    let patient = h.add_patient("FT1");
    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("bo", &[Role::Billing]);
    let hana = h.login("hana").await;

    let bad_kind = post(
        &h,
        &hana,
        "/api/review/tasks",
        json!({"patient": patient, "kind": "pizza", "description": "x", "obtain_from": "y"}),
    )
    .await;
    assert_eq!(bad_kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_kind.body["error"]
            .as_str()
            .unwrap()
            .contains("\"pizza\" is not a kind of task (insurance, consent"),
        "{}",
        bad_kind.body
    );
    let nobody = post(&h, &hana, "/api/review/tasks", json!({"patient": patient, "kind": "insurance", "description": "x", "obtain_from": "y", "assignee": "ghost"})).await;
    assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nobody.body["error"].as_str().unwrap().contains("ghost"));
    let blank = post(&h, &hana, "/api/review/tasks", json!({"patient": patient, "kind": "consent", "description": " ", "obtain_from": "the patient"})).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        blank.body["error"]
            .as_str()
            .unwrap()
            .contains("description"),
        "{}",
        blank.body
    );
    let too_long = post(&h, &hana, "/api/review/tasks", json!({"patient": patient, "kind": "consent", "description": "x", "obtain_from": "y", "due_days": 400})).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        h.store
            .read(|tx| review::tasks(tx, &review::TaskQuery::default()))
            .unwrap()
            .is_empty(),
        "nothing written by a refused task"
    );

    let opened = post(
        &h,
        &hana,
        "/api/review/tasks",
        json!({
            "patient": patient,
            "kind": "insurance",
            "description": "Insurance card after the emergency visit",
            "obtain_from": "the patient",
            "due_days": 7,
        }),
    )
    .await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    let id = opened.body["task"]["meta"]["id"].as_i64().unwrap();
    assert_eq!(opened.body["task"]["record"]["status"], "open");
    assert_eq!(opened.body["task"]["record"]["opened_by"], "hana");

    let refused = h
        .call("GET", "/api/review/tasks", Some(&h.login("bo").await), None)
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "billing does not chase charts"
    );

    let contacted = post(
        &h,
        &hana,
        &format!("/api/review/tasks/{id}/contact"),
        json!({"method": "phone", "outcome": "left a message"}),
    )
    .await;
    assert_eq!(contacted.status, StatusCode::OK, "{}", contacted.body);
    assert_eq!(
        contacted.body["task"]["record"]["contacts"][0]["by"],
        "hana"
    );
    let no_outcome = post(
        &h,
        &hana,
        &format!("/api/review/tasks/{id}/contact"),
        json!({"method": "phone", "outcome": ""}),
    )
    .await;
    assert_eq!(no_outcome.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_outcome.body["error"]
            .as_str()
            .unwrap()
            .contains("outcome")
    );
    let assigned = post(
        &h,
        &hana,
        &format!("/api/review/tasks/{id}/assign"),
        json!({"to": "hana"}),
    )
    .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.body);

    let listed = h
        .call(
            "GET",
            &format!("/api/review/tasks?patient={patient}&assignee=hana"),
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let tasks = listed.body["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["mrn"], "FT1");
    let other = h
        .call("GET", "/api/review/tasks?patient=999999", Some(&hana), None)
        .await;
    assert_eq!(other.body["tasks"].as_array().unwrap().len(), 0);
    let bad_query = h
        .call("GET", "/api/review/tasks?patient=x", Some(&hana), None)
        .await;
    assert_eq!(bad_query.status, StatusCode::UNPROCESSABLE_ENTITY);

    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&hana), None)
        .await;
    let text = html(&chart);
    assert!(text.contains("Data-collection follow-up"), "{text}");
    assert!(
        text.contains(&format!("id=\"chart-task-{id}\"")),
        "the chart lists its open task: {text}"
    );
    assert!(text.contains("Insurance card after the emergency visit"));
    assert!(text.contains("phone: left a message"), "{text}");
    assert!(text.contains(&format!("href=\"/review#task-{id}\"")));

    let closed = post(
        &h,
        &hana,
        &format!("/api/review/tasks/{id}/close"),
        json!({"reason": "card copied at the front desk"}),
    )
    .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    assert_eq!(closed.body["task"]["record"]["status"], "done");
    let again = post(
        &h,
        &hana,
        &format!("/api/review/tasks/{id}/close"),
        json!({"reason": "again", "given_up": true}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.body["error"]
            .as_str()
            .unwrap()
            .contains("is done; it cannot be changed"),
        "{}",
        again.body
    );
    let open_now = h.call("GET", "/api/review/tasks", Some(&hana), None).await;
    assert_eq!(open_now.body["tasks"].as_array().unwrap().len(), 0);
    let all = h
        .call("GET", "/api/review/tasks?all=true", Some(&hana), None)
        .await;
    assert_eq!(all.body["tasks"].as_array().unwrap().len(), 1);
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&hana), None)
        .await;
    assert!(html(&chart).contains("Nothing being obtained for this chart."));

    let changes: Vec<_> = h
        .audit()
        .into_iter()
        .filter(|e| e.event.record_kind.as_deref() == Some("follow_up_task"))
        .collect();
    let actions: Vec<Action> = changes.iter().map(|e| e.event.action).collect();
    assert_eq!(
        actions,
        [
            Action::Create,
            Action::Update,
            Action::Update,
            Action::Update
        ],
        "open, contact, assign and close each audited"
    );
    assert!(changes.iter().all(|e| e.event.user == "hana"
        && e.event.patient_id == Some(records::PatientId(patient))
        && e.event.new_values.is_some()));
}

#[tokio::test]
async fn deficiencies_queries_and_follow_up_tasks_are_fhir_tasks() {
    let h = Harness::new();
    let (patient, provider) = linked_physician_note(&h, "FX1", "drosler");
    review_by_note_rule(&h);
    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("drosler", &[Role::Physician]);
    h.add_user("bo", &[Role::Billing]);
    let actor = store::Actor::new("test");
    let deficiency = h
        .store
        .read(|tx| review::queue(tx, &review::QueueQuery::default()))
        .unwrap()[0]
        .clone();
    let d = deficiency.meta.id;
    let query = h
        .store
        .write(|tx| {
            review::ask(
                tx,
                &actor,
                &review::NewQuery {
                    deficiency_id: d,
                    provider_id: None,
                    asked_by: "hana".into(),
                    question: "Which condition do the indicators support?".into(),
                    indicators: vec!["WBC 18.2 on admission".into()],
                    options: vec!["Sepsis".into(), "SIRS without infection".into()],
                },
            )
            .map_err(|e| store::Error::Conflict(e.to_string()))
        })
        .unwrap();
    let task = h
        .store
        .write(|tx| {
            review::add_task(
                tx,
                &actor,
                &review::NewTask {
                    patient_id: patient,
                    encounter_id: None,
                    kind: records::FollowUpKind::OutsideRecords,
                    description: "Discharge summary from St. Elsewhere".into(),
                    obtain_from: "St. Elsewhere records office".into(),
                    assignee: Some("hana".into()),
                    due_at: h.now() + time::Duration::days(10),
                    opened_by: "hana".into(),
                },
            )
        })
        .unwrap();
    let hana = h.login("hana").await;

    let read = get(&h, &hana, &format!("/fhir/Task/{d}")).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    valid(&read.body);
    keep("task-deficiency-read", &read);
    assert_eq!(
        read.body["status"], "on-hold",
        "queried: waiting on the physician"
    );
    assert_eq!(read.body["businessStatus"]["coding"][0]["code"], "queried");
    assert_eq!(read.body["intent"], "order");
    assert_eq!(read.body["code"]["coding"][0]["code"], "note-unsigned");
    assert_eq!(read.body["for"]["reference"], format!("Patient/{patient}"));
    assert_eq!(
        read.body["owner"]["reference"],
        format!("Practitioner/{provider}")
    );
    assert!(
        read.body["focus"]["reference"]
            .as_str()
            .unwrap()
            .starts_with("DocumentReference/"),
        "{}",
        read.body
    );
    assert!(
        read.body["restriction"]["period"]["end"].is_string(),
        "due time"
    );

    let q = get(&h, &hana, &format!("/fhir/Task/query-{}", query.meta.id)).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.body);
    valid(&q.body);
    keep("task-query-read", &q);
    assert_eq!(q.body["id"], format!("query-{}", query.meta.id));
    assert_eq!(q.body["status"], "requested");
    assert_eq!(q.body["partOf"][0]["reference"], format!("Task/{d}"));
    assert_eq!(q.body["requester"]["display"], "hana");
    let inputs: Vec<&str> = q.body["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["valueString"].as_str().unwrap())
        .collect();
    assert!(inputs.contains(&"WBC 18.2 on admission"));
    assert!(inputs.contains(&"Clinically undetermined"), "{inputs:?}");

    let t = get(&h, &hana, &format!("/fhir/Task/followup-{}", task.meta.id)).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    valid(&t.body);
    assert_eq!(t.body["status"], "in-progress");
    assert_eq!(t.body["code"]["coding"][0]["code"], "outside_records");
    assert_eq!(t.body["owner"]["display"], "hana");

    // The physician answers: the query Task completes with its answer as output.
    h.store
        .write(|tx| {
            review::answer(
                tx,
                &actor,
                query.meta.id,
                "Sepsis",
                Some("see progress note"),
                "drosler",
            )
        })
        .unwrap();
    let answered = get(&h, &hana, &format!("/fhir/Task/query-{}", query.meta.id)).await;
    valid(&answered.body);
    assert_eq!(answered.body["status"], "completed");
    assert_eq!(answered.body["output"][0]["valueString"], "Sepsis");
    let history = get(
        &h,
        &hana,
        &format!("/fhir/Task/query-{}/_history", query.meta.id),
    )
    .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    assert_eq!(history.body["total"], 2, "asked, then answered");
    keep("task-history", &history);

    let ids = |reply: &Reply| -> Vec<String> {
        reply.body["entry"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|e| e["search"]["mode"] == "match")
            .map(|e| e["resource"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let everything = get(
        &h,
        &hana,
        &format!("/fhir/Task?patient=Patient/{patient}&_include=Task:patient"),
    )
    .await;
    assert_eq!(everything.status, StatusCode::OK, "{}", everything.body);
    keep("task-search", &everything);
    for entry in everything.body["entry"].as_array().unwrap() {
        valid(&entry["resource"]);
    }
    let mut all = ids(&everything);
    all.sort();
    let mut want = vec![
        d.to_string(),
        format!("query-{}", query.meta.id),
        format!("followup-{}", task.meta.id),
    ];
    want.sort();
    assert_eq!(all, want);
    for (search, expected) in [
        ("status=completed", vec![format!("query-{}", query.meta.id)]),
        (
            "status=in-progress",
            vec![d.to_string(), format!("followup-{}", task.meta.id)],
        ),
        (
            "business-status=answered",
            vec![d.to_string(), format!("query-{}", query.meta.id)],
        ),
        ("business-status=escalated", vec![]),
        ("code=note-unsigned", vec![d.to_string()]),
        (
            "code=urn:chartroom:review-task|physician-query",
            vec![format!("query-{}", query.meta.id)],
        ),
        (
            "code=outside-records",
            vec![format!("followup-{}", task.meta.id)],
        ),
        (
            &format!("owner=Practitioner/{provider}"),
            vec![d.to_string(), format!("query-{}", query.meta.id)],
        ),
        (
            &format!("part-of=Task/{d}"),
            vec![format!("query-{}", query.meta.id)],
        ),
        ("status=draft", vec![]),
        ("patient=Patient/999999", vec![]),
    ] {
        let reply = get(&h, &hana, &format!("/fhir/Task?{search}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{search}: {}", reply.body);
        let mut found = ids(&reply);
        found.sort();
        let mut expected = expected;
        expected.sort();
        assert_eq!(found, expected, "{search}");
    }
    let strict = fhir(
        &h,
        "GET",
        "/fhir/Task?colour=blue",
        &hana,
        None,
        &[("prefer", "handling=strict")],
    )
    .await;
    assert_eq!(strict.status, StatusCode::BAD_REQUEST);

    let unknown = get(&h, &hana, "/fhir/Task/query-999999").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["resourceType"], "OperationOutcome");
    let write = fhir(
        &h,
        "POST",
        "/fhir/Task",
        &hana,
        Some(json!({"resourceType": "Task", "status": "ready", "intent": "order"})),
        &[],
    )
    .await;
    assert_eq!(
        write.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        write.body
    );

    let bo = h.login("bo").await;
    let refused = get(&h, &bo, &format!("/fhir/Task/{d}")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let refused = get(&h, &bo, "/fhir/Task").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let metadata = h.call("GET", "/fhir/metadata", None, None).await;
    let task_type = metadata.body["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Task")
        .cloned()
        .unwrap();
    let interactions: Vec<&str> = task_type["interaction"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert!(interactions.contains(&"search-type") && !interactions.contains(&"create"));

    let reads: Vec<_> = h
        .audit()
        .into_iter()
        .filter(|e| {
            e.event.user == "hana"
                && e.event.channel == privacy::Channel::Fhir
                && e.event.action == Action::Read
        })
        .collect();
    assert!(
        reads.iter().any(
            |e| e.event.record_kind.as_deref() == Some("physician_query")
                && e.event.patient_id == Some(records::PatientId(patient))
        ),
        "each FHIR read of a Task is audited with its patient"
    );
}
