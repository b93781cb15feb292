//! Population queries over the API: answers follow writes, aggregate-only roles get small
//! cells suppressed, every run is audited, and bad query text names its position.

use crate::harness::Harness;
use axum::http::StatusCode;
use privacy::{Action, Role};
use records::{Immunization, ImmunizationStatus, PatientId};
use serde_json::json;
use store::Actor;

const FLU: &str = "count patients where immunization(cvx in flu, status = completed)";

pub(crate) fn flu_shot(h: &Harness, patient: i64) {
    h.store
        .write(|tx| {
            tx.create(
                &Actor::new("test"),
                &Immunization {
                    patient_id: PatientId(patient),
                    encounter_id: None,
                    cvx: "158".into(),
                    administered_at: time::macros::datetime!(2025-10-01 09:00 UTC),
                    status: ImmunizationStatus::Completed,
                    lot_number: None,
                    site: None,
                    route: None,
                    performer_id: None,
                    description: None,
                },
            )
        })
        .unwrap();
}

#[tokio::test]
async fn population_counts_follow_writes_and_small_cells_are_suppressed_for_public_health() {
    let h = Harness::new();
    let first = h.add_patient("Q1");
    let second = h.add_patient("Q2");
    flu_shot(&h, first);
    h.add_user("doc", &[Role::Physician]);
    h.add_user("ph", &[Role::PublicHealth]);
    h.add_user("desk", &[Role::FrontDesk]);
    let doc = h.login("doc").await;
    let reply = h
        .call(
            "POST",
            "/api/query",
            Some(&doc),
            Some(json!({ "text": FLU })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["rows"], json!([[1]]));
    assert_eq!(reply.body["small_cells_suppressed"], json!(false));

    flu_shot(&h, second);
    let reply = h
        .call(
            "POST",
            "/api/query",
            Some(&doc),
            Some(json!({ "text": FLU })),
        )
        .await;
    assert_eq!(
        reply.body["rows"],
        json!([[2]]),
        "the engine refreshed from the store"
    );

    let ph = h.login("ph").await;
    let reply = h
        .call(
            "POST",
            "/api/query",
            Some(&ph),
            Some(json!({ "text": FLU })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["rows"], json!([["<11"]]));
    assert_eq!(reply.body["small_cells_suppressed"], json!(true));

    let entry = h.audit().pop().unwrap();
    assert_eq!(
        (entry.event.action, entry.event.user.as_str()),
        (Action::Read, "ph")
    );
    assert!(
        entry
            .event
            .reason
            .as_deref()
            .unwrap_or_default()
            .starts_with("population query: count patients")
    );

    let desk = h.login("desk").await;
    let denied = h
        .call(
            "POST",
            "/api/query",
            Some(&desk),
            Some(json!({ "text": FLU })),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    let bad = h
        .call(
            "POST",
            "/api/query",
            Some(&doc),
            Some(json!({ "text": "count patients where immunization(cvx in)" })),
        )
        .await;
    assert_eq!(bad.status.as_u16() / 100, 4, "{}", bad.body);
    assert!(bad.body.to_string().contains("text"), "{}", bad.body);
}

#[tokio::test]
async fn code_sets_over_the_api() {
    let h = Harness::new();
    h.add_user("him", &[Role::HimTechnician]);
    let him = h.login("him").await;
    let search = h
        .call(
            "POST",
            "/api/codes/search",
            Some(&him),
            Some(json!({ "system": "icd10cm", "q": "diab mell neph", "date": "2026-01-05" })),
        )
        .await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.body);
    assert_eq!(
        search.body["hits"][0]["code"],
        json!("E11.21"),
        "{}",
        search.body
    );
    let valid = h
        .call(
            "POST",
            "/api/codes/validate",
            Some(&him),
            Some(json!({ "system": "icd10cm", "code": "e1121", "date": "2026-01-05" })),
        )
        .await;
    assert_eq!(valid.status, StatusCode::OK, "{}", valid.body);
    assert_eq!(valid.body["billable"], json!(true), "{}", valid.body);
    let header = h
        .call(
            "POST",
            "/api/codes/validate",
            Some(&him),
            Some(json!({ "system": "icd10cm", "code": "E11", "date": "2026-01-05" })),
        )
        .await;
    assert_eq!(header.body["billable"], json!(false), "{}", header.body);
    let page = h
        .call(
            "GET",
            "/api/codes/icd10cm/E11.21?date=2026-01-05",
            Some(&him),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let bad_system = h
        .call(
            "POST",
            "/api/codes/search",
            Some(&him),
            Some(json!({ "system": "icd9", "q": "x" })),
        )
        .await;
    assert_eq!(bad_system.status.as_u16() / 100, 4);
    assert!(
        bad_system.body.to_string().contains("system"),
        "{}",
        bad_system.body
    );
    let anonymous = h
        .call(
            "POST",
            "/api/codes/search",
            None,
            Some(json!({ "system": "icd10cm", "q": "flu" })),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_role_counts_only_the_categories_it_may_read() {
    let h = Harness::new();
    let id = h.add_patient("Q9");
    flu_shot(&h, id);
    h.add_user("bill", &[Role::Billing]);
    h.add_user("ph", &[Role::PublicHealth]);
    let bill = h.login("bill").await;
    let results = "count patients where observation(code = 2345-7, value > 200)";
    let refused = h
        .call(
            "POST",
            "/api/query",
            Some(&bill),
            Some(json!({ "text": results })),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused.body["error"].as_str().unwrap().contains("results"),
        "{}",
        refused.body
    );
    let denied = h.audit().pop().unwrap();
    assert_eq!(denied.event.outcome, privacy::Outcome::Denied);
    // Billing may count balances, and diagnoses (codes are billing work).
    for allowed in [
        "count balances where days_past_due > 90 as of 2026-01-01",
        "count patients where diagnosis(code in E08-E13)",
    ] {
        let reply = h
            .call(
                "POST",
                "/api/query",
                Some(&bill),
                Some(json!({ "text": allowed })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{allowed}: {}", reply.body);
    }
    // Aggregate-only roles may ask anything; small cells are withheld.
    let ph = h.login("ph").await;
    let reply = h
        .call(
            "POST",
            "/api/query",
            Some(&ph),
            Some(json!({ "text": FLU })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let audited = h.audit().pop().unwrap();
    assert!(
        audited
            .event
            .categories
            .contains(&privacy::DataCategory::Immunizations)
    );
    assert_eq!(audited.event.action, Action::Read);
}

#[tokio::test]
async fn a_daily_series_is_zero_filled_and_audited_like_any_count() {
    let h = Harness::new();
    let id = h.add_patient("S1");
    flu_shot(&h, id);
    h.add_user("doc", &[Role::Physician]);
    let doc = h.login("doc").await;
    let text =
        "count immunizations where date >= 2025-09-30 and date <= 2025-10-02 group by day(date)";
    let reply = h
        .call(
            "POST",
            "/api/query",
            Some(&doc),
            Some(json!({ "text": text })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body["rows"],
        json!([["2025-09-30", 0], ["2025-10-01", 1], ["2025-10-02", 0]])
    );
    let audited = h.audit().pop().unwrap();
    assert_eq!(audited.event.action, Action::Read);
    assert!(
        audited
            .event
            .categories
            .contains(&privacy::DataCategory::Immunizations)
    );
    assert!(
        audited
            .event
            .reason
            .as_deref()
            .unwrap()
            .contains("group by day(date)"),
        "{:?}",
        audited.event.reason
    );
}

/// Runs `text` as the user of `token`, which must be refused (403) and audited as
/// denied; the error shown and the categories the denial names.
async fn refused(h: &Harness, token: &str, text: &str) -> (String, Vec<privacy::DataCategory>) {
    let reply = h
        .call(
            "POST",
            "/api/query",
            Some(token),
            Some(json!({ "text": text })),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "{text}: {}",
        reply.body
    );
    let denied = h.audit().pop().unwrap();
    assert_eq!(denied.event.outcome, privacy::Outcome::Denied);
    let error = reply.body["error"].as_str().unwrap().to_owned();
    (error, denied.event.categories.clone())
}

#[tokio::test]
async fn grouping_by_payer_reads_insurance_which_billing_may_and_a_physician_may_not() {
    let h = Harness::new();
    h.add_patient("P1");
    h.add_user("bill", &[Role::Billing]);
    h.add_user("doc", &[Role::Physician]);
    let bill = h.login("bill").await;
    let text = "balances as of 2026-01-01 group by payer, financial_class, aging_bucket(0-30,31+) measure patients, sum(open_cents)";
    let reply = h
        .call(
            "POST",
            "/api/query",
            Some(&bill),
            Some(json!({ "text": text })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let audited = h.audit().pop().unwrap();
    for category in [
        privacy::DataCategory::Billing,
        privacy::DataCategory::Insurance,
    ] {
        assert!(audited.event.categories.contains(&category), "{category:?}");
    }
    let doc = h.login("doc").await;
    for (text, word) in [
        (
            "count encounters where date > 2025-01-01 group by payer",
            "`payer`",
        ),
        ("count patients where encounter(payer = 3)", "`payer`"),
    ] {
        let (error, _) = refused(&h, &doc, text).await;
        assert!(
            error.contains(&format!("{word} reads insurance")),
            "{text}: {error}"
        );
    }
}

#[tokio::test]
async fn a_patient_list_names_each_patient_links_and_audits_every_one_listed() {
    let h = Harness::new();
    let first = h.add_patient("L1");
    let second = h.add_patient("L2");
    let unlisted = h.add_patient("L3");
    flu_shot(&h, first);
    flu_shot(&h, second);
    h.add_encounter(
        second,
        records::EncounterClass::Outpatient,
        time::macros::datetime!(2025-11-03 10:00 UTC),
        Some(time::macros::datetime!(2025-11-03 11:00 UTC)),
    );
    h.add_user("doc", &[Role::Physician]);
    h.add_user("ph", &[Role::PublicHealth]);
    h.add_user("bill", &[Role::Billing]);
    let doc = h.login("doc").await;
    let list = "list patients where immunization(cvx in flu, status = completed) columns mrn, name, last_visit order by last_visit desc";
    let reply = h
        .call(
            "POST",
            "/api/query",
            Some(&doc),
            Some(json!({ "text": list })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["columns"], json!(["mrn", "name", "last_visit"]));
    assert_eq!(
        reply.body["rows"],
        json!([
            ["L2", "Testpatient, Tess", "2025-11-03"],
            ["L1", "Testpatient, Tess", ""]
        ]),
        "the patient with a visit first, the one without last"
    );
    assert_eq!(reply.body["patients"], json!([second, first]));
    let entry = h.audit().pop().unwrap();
    assert_eq!(
        (entry.event.action, entry.event.user.as_str()),
        (Action::Read, "doc")
    );
    let mut listed: Vec<i64> = entry.event.all_patients().iter().map(|p| p.0).collect();
    listed.sort_unstable();
    assert_eq!(
        listed,
        vec![first, second],
        "every patient listed, no other"
    );
    assert!(!listed.contains(&unlisted));
    for category in [
        privacy::DataCategory::Demographics,
        privacy::DataCategory::Immunizations,
        privacy::DataCategory::Encounters,
    ] {
        assert!(entry.event.categories.contains(&category), "{category}");
    }
    assert!(
        entry
            .event
            .reason
            .as_deref()
            .unwrap_or_default()
            .starts_with("patient list (2 patients): list patients where"),
        "{:?}",
        entry.event.reason
    );

    // A physician does not read billing: the balance column is refused by name.
    let refused = h
        .call(
            "POST",
            "/api/query",
            Some(&doc),
            Some(json!({ "text": "list patients columns mrn, balance" })),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let message = refused.body["error"].as_str().unwrap();
    assert!(
        message.contains("the `balance` column reads billing"),
        "{message}"
    );
    let denied = h.audit().pop().unwrap();
    assert_eq!(denied.event.outcome, privacy::Outcome::Denied);
    assert!(denied.event.all_patients().is_empty(), "nobody was shown");

    // Billing may list balances.
    let bill = h.login("bill").await;
    let reply = h
        .call(
            "POST",
            "/api/query",
            Some(&bill),
            Some(json!({ "text": "list patients columns mrn, balance limit 1" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["rows"], json!([["L1", "0.00"]]));

    // Public health counts, never lists.
    let ph = h.login("ph").await;
    let refused = h
        .call(
            "POST",
            "/api/query",
            Some(&ph),
            Some(json!({ "text": list })),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused.body["error"]
            .as_str()
            .unwrap()
            .contains("counts only"),
        "{}",
        refused.body
    );
    let denied = h.audit().pop().unwrap();
    assert_eq!(
        (denied.event.outcome, denied.event.user.as_str()),
        (privacy::Outcome::Denied, "ph")
    );
}

#[tokio::test]
async fn notes_filters_read_notes_which_him_may_and_billing_may_not() {
    let h = Harness::new();
    h.add_patient("N1");
    h.add_user("him", &[Role::HimTechnician]);
    h.add_user("bill", &[Role::Billing]);
    let missing = "count encounters where class = inpatient and days_since_discharge > 30 and not has_note(type = discharge_summary) as of 2026-01-01";
    let him = h.login("him").await;
    let reply = h
        .call(
            "POST",
            "/api/query",
            Some(&him),
            Some(json!({ "text": missing })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let audited = h.audit().pop().unwrap();
    for category in [
        privacy::DataCategory::Encounters,
        privacy::DataCategory::Notes,
    ] {
        assert!(audited.event.categories.contains(&category), "{category:?}");
    }
    // Billing reads encounters but not notes: each notes form is refused by its words.
    let bill = h.login("bill").await;
    for (text, words) in [
        (missing, "has_note(…)"),
        ("count patients where note(status = unsigned)", "note(…)"),
        ("count notes group by type", "note(…)"),
    ] {
        let (error, categories) = refused(&h, &bill, text).await;
        assert!(
            error.contains(&format!("the {words} filter reads notes")),
            "{text}: {error}"
        );
        assert!(categories.contains(&privacy::DataCategory::Notes));
    }
}
