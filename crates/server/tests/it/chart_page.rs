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
    let mut ids = Vec::new();
    for day in 0..25 {
        ids.push(h.add_encounter(
            patient,
            records::EncounterClass::Outpatient,
            first + time::Duration::days(day),
            None,
        ));
    }
    h.add_user("him", &[privacy::Role::HimTechnician]);
    let cookie = crate::pages::sign_in(&h, "him").await;
    let rows = |page: &str| {
        let section = page.split("id=\"encounters\"").nth(1).unwrap_or("");
        let section = section.split("</section>").next().unwrap_or("");
        section.matches("<tr").count() - 1
    };
    let newest = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    let newest = crate::pages::html(&newest);
    assert_eq!(rows(newest), 20);
    assert!(newest.contains("2020-01-25 09:00"));
    assert!(newest.contains("Page 1 of 2 (25 encounters)"));
    assert!(newest.contains("href=\"?encounters_page=2&amp;observations_page=1#encounters\""));
    // Paged, never collapsed; each row is an anchor review links point at.
    assert!(newest.contains(&format!("id=\"encounter-{}\"", ids[24])));
    assert!(!newest.contains(&format!("id=\"encounter-{}\"", ids[0])));
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
    // A link to one encounter shows the page that holds it.
    let linked = h
        .call(
            "GET",
            &format!("/patients/{patient}?encounter={}", ids[0]),
            Some(&cookie),
            None,
        )
        .await;
    let linked = crate::pages::html(&linked);
    assert!(linked.contains(&format!("id=\"encounter-{}\"", ids[0])));
    assert!(linked.contains("Page 2 of 2 (25 encounters)"));
}

/// Results are paged 25 at a time like encounters; other sections longer than a screen
/// start collapsed with their count, and the print copy opens them all.
#[tokio::test]
async fn results_are_paged_and_long_sections_start_collapsed() {
    let h = Harness::new();
    let patient = h.add_patient("P651");
    let encounter = h.add_encounter(
        patient,
        records::EncounterClass::Outpatient,
        time::macros::datetime!(2024-01-01 09:00 UTC),
        None,
    );
    h.store
        .write(|tx| {
            let actor = store::Actor::new("test");
            for day in 0..30i64 {
                tx.create(
                    &actor,
                    &records::Observation {
                        patient_id: records::PatientId(patient),
                        encounter_id: Some(records::EncounterId(encounter)),
                        code: "29463-7".into(),
                        description: Some("Body weight".into()),
                        category: Some("vital-signs".into()),
                        value: records::ObservationValue::Quantity {
                            value_number: 70.0 + day as f64 / 10.0,
                            value_unit: Some("kg".into()),
                        },
                        effective_at: time::macros::datetime!(2024-01-01 09:00 UTC)
                            + time::Duration::days(day),
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    for n in 0..16 {
        h.add_charge(patient, "99213", 1000 + n);
    }
    h.add_user("doc", &[privacy::Role::Physician, privacy::Role::Billing]);
    let cookie = crate::pages::sign_in(&h, "doc").await;
    let page = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    let page = crate::pages::html(&page);
    let section = |id: &str| {
        page.split(&format!("id=\"{id}\""))
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .unwrap_or("")
            .to_owned()
    };
    let results = section("observations");
    assert!(
        results.contains("<details class=\"part\" open"),
        "paged, so open"
    );
    assert_eq!(results.matches("<tr>").count() - 1, 25);
    assert!(results.contains("Page 1 of 2 (30 results)"));
    assert!(results.contains("Trends (1 tests)"));
    assert!(results.contains("<svg"));
    let charges = section("billing");
    assert!(
        charges.contains("<details class=\"part\">"),
        "16 charges start collapsed"
    );
    assert!(charges.contains("(16)"));
}
