//! The delinquency metrics page and API: figures by age and physician with the physician
//! named, the suspension list at the chosen threshold, the monthly trend, charts, each
//! table as CSV; bad parameters named; refused without the review permission; audited.

use crate::harness::Harness;
use crate::pages::html;
use crate::review::{linked_physician_note, review_by_note_rule};
use axum::http::StatusCode;
use privacy::Role;

/// A chart whose one deficiency (an unsigned note, due a day after it was written) is now
/// 29 days past due.
fn overdue(h: &Harness) {
    linked_physician_note(h, "RM1", "drosler");
    review_by_note_rule(h);
    h.clock.advance(time::Duration::days(30));
    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("bo", &[Role::Billing]);
}

#[tokio::test]
async fn the_metrics_page_shows_tables_charts_and_exports_each_table() {
    let h = Harness::new();
    overdue(&h);
    let hana = h.login("hana").await;
    let page = h.call("GET", "/review/metrics", Some(&hana), None).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = html(&page);
    for heading in [
        "Open deficiencies by age",
        "Open deficiencies by physician",
        "Suspension list",
        "Delinquency by month",
        "Physician queries",
    ] {
        assert!(text.contains(heading), "{heading}: {text}");
    }
    assert!(
        text.contains("<td>Wilma Osler, MD</td><td>1</td><td>1</td><td>29</td>"),
        "{text}"
    );
    assert_eq!(text.matches("<svg").count(), 3, "age, physicians, trend");
    let suspended = |text: &str| {
        let section = text.split("id=\"metrics-suspension\"").nth(1).unwrap();
        section
            .split("</section>")
            .next()
            .unwrap()
            .contains("Wilma Osler")
    };
    assert!(suspended(text), "29 days past due is past 21");
    let lenient = h
        .call("GET", "/review/metrics?suspend_after=30", Some(&hana), None)
        .await;
    assert!(!suspended(html(&lenient)));

    let csv = h
        .call(
            "GET",
            "/review/metrics.csv?table=providers",
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        html(&csv),
        "Physician,Open,Past due,Most days past due\n\"Wilma Osler, MD\",1,1,29\n"
    );
    let trend = h
        .call("GET", "/review/metrics.csv?table=trend", Some(&hana), None)
        .await;
    assert_eq!(
        html(&trend).lines().count(),
        14,
        "a header and thirteen months"
    );
    let unknown = h
        .call("GET", "/review/metrics.csv?table=beds", Some(&hana), None)
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&unknown).contains("&quot;beds&quot; is not one of age, providers"),
        "{}",
        html(&unknown)
    );
    let negative = h
        .call("GET", "/review/metrics?suspend_after=-1", Some(&hana), None)
        .await;
    assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_metrics_api_answers_the_department_and_is_audited() {
    let h = Harness::new();
    overdue(&h);
    let hana = h.login("hana").await;
    let figures = h
        .call("GET", "/api/review/metrics", Some(&hana), None)
        .await;
    assert_eq!(figures.status, StatusCode::OK, "{}", figures.body);
    assert_eq!(figures.body["metrics"]["open"], 1);
    assert_eq!(figures.body["metrics"]["delinquent_records"], 1);
    assert_eq!(figures.body["trend"].as_array().unwrap().len(), 13);
    assert_eq!(
        figures.body["trend"][12]["delinquent_records"], 1,
        "the running month"
    );
    let bad = h
        .call(
            "GET",
            "/api/review/metrics?suspend_after=x",
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bo = h.login("bo").await;
    let refused = h.call("GET", "/api/review/metrics", Some(&bo), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(h.audit().iter().any(|e| e.event.user == "hana"
        && e.event.patient_id.is_none()
        && e.event.reason.as_deref()
            == Some("review metrics (counts by physician, no patient named)")));
}
