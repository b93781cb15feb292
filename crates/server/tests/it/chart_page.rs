//! The chart as a person reads it: a table of contents, coded values in words, payers by
//! name, and a print copy that says who printed it and carries no buttons.

use crate::harness::Harness;
use crate::pages::{html, page_token, sign_in};
use axum::http::StatusCode;
use privacy::Role;
use records::*;
use store::Actor;

fn add_coverage(h: &Harness, patient: i64) {
    h.store
        .write(|tx| {
            let payer = tx.create(
                &Actor::new("test"),
                &Payer {
                    name: "Example Health Plan".into(),
                    payer_code: None,
                    kind: PayerKind::Commercial,
                    address: Address::default(),
                    phone: None,
                },
            )?;
            tx.create(
                &Actor::new("test"),
                &Coverage {
                    patient_id: PatientId(patient),
                    payer_id: PayerId(payer.meta.id),
                    plan_name: Some("Gold".into()),
                    member_id: "XZ1".into(),
                    group_number: None,
                    subscriber_name: None,
                    relationship: Relationship::SelfSubscriber,
                    coverage_order: CoverageOrder::Primary,
                    effective_start: time::macros::date!(2020 - 01 - 01),
                    effective_end: None,
                },
            )
        })
        .unwrap();
}

#[tokio::test]
async fn chart_reads_in_words_and_its_print_copy_has_no_buttons() {
    let h = Harness::new();
    let patient = h.add_patient("P700");
    add_coverage(&h, patient);
    h.add_encounter(patient, EncounterClass::Outpatient, h.now(), None);
    h.add_user("hana", &[Role::HimTechnician]);
    let cookie = sign_in(&h, "hana").await;
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    let text = html(&chart);
    assert!(text.contains("<nav class=\"toc\""), "{text}");
    assert!(text.contains("href=\"#insurance\">Insurance"));
    assert!(text.contains("Example Health Plan · Gold"));
    assert!(!text.contains("(payer "));
    for words in ["<td>Primary</td>", "<td>Self</td>", "<td>Outpatient</td>"] {
        assert!(text.contains(words), "{words}");
    }
    assert!(text.contains("/check-in"), "HIM may check patients in");

    let token = page_token(&h, &cookie).await;
    let print = h
        .form(
            &format!("/patients/{patient}/print"),
            Some(&cookie),
            &[("token", &token)],
        )
        .await;
    assert_eq!(print.status, StatusCode::OK);
    let text = html(&print);
    assert!(text.contains("by hana"));
    assert!(
        !text.contains("/check-in"),
        "no check-in button on the print copy"
    );
}

#[tokio::test]
async fn history_names_people_and_shows_values_without_quotes() {
    let h = Harness::new();
    let patient = h.add_patient("P701");
    let hash =
        privacy::hash_password("Unused-Password-42", &[1; 16], privacy::HashCost::Test).unwrap();
    h.store
        .security(|s| {
            s.create_user(
                &store::NewUser {
                    username: "hale".into(),
                    display_name: "Hana Hale".into(),
                    password_hash: hash,
                    roles: privacy::RoleSet::of(&[Role::HimTechnician]),
                },
                "test",
            )
        })
        .unwrap();
    h.store
        .write(|tx| {
            let mut record = tx.get::<Patient>(patient)?.record;
            record.family_name = "Renamed".into();
            tx.update(&Actor::new("user:hale"), patient, 1, &record)
        })
        .unwrap();
    h.add_user("hana", &[Role::HimTechnician]);
    let cookie = sign_in(&h, "hana").await;
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    let text = html(&chart);
    assert!(text.contains("<td>Hana Hale</td>"), "{text}");
    assert!(
        text.contains("<code>family_name</code>: Testpatient → Renamed"),
        "{text}"
    );
}

#[tokio::test]
async fn a_long_encounter_history_is_paged_twenty_at_a_time() {
    let h = Harness::new();
    let patient = h.add_patient("P650");
    let first = time::macros::datetime!(2020-01-01 09:00 UTC);
    for day in 0..25 {
        h.add_encounter(
            patient,
            records::EncounterClass::Outpatient,
            first + time::Duration::days(day),
            None,
        );
    }
    h.add_user("him", &[privacy::Role::HimTechnician]);
    let cookie = crate::pages::sign_in(&h, "him").await;
    let rows = |page: &str| {
        let section = page.split("id=\"encounters\"").nth(1).unwrap_or("");
        let section = section.split("</section>").next().unwrap_or("");
        section.matches("<tr>").count() - 1
    };
    let newest = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    let newest = crate::pages::html(&newest);
    assert_eq!(rows(newest), 20);
    assert!(newest.contains("2020-01-25 09:00"));
    assert!(newest.contains("Page 1 of 2 (25 encounters)"));
    assert!(newest.contains("href=\"?encounters_page=2#encounters\""));
    let older = h
        .call(
            "GET",
            &format!("/patients/{patient}?encounters_page=2"),
            Some(&cookie),
            None,
        )
        .await;
    let older = crate::pages::html(&older);
    assert_eq!(rows(older), 5);
    assert!(older.contains("2020-01-01 09:00"));
    assert!(!older.contains("2020-01-25 09:00"));
}
