//! Allergies, medications, problems and observations added from the chart by a physician:
//! every problem named by its label at once, the record versioned and audited.

use crate::harness::Harness;
use crate::pages::{html, location, page_token, sign_in};
use axum::http::StatusCode;
use privacy::{Action, Role};
use records::{Allergy, Medication, Observation, ObservationValue, Problem};

#[tokio::test]
async fn a_physician_adds_each_kind_and_sees_every_problem_first() {
    let h = Harness::new();
    let patient = h.add_patient("P620");
    h.add_user("doc", &[Role::Physician]);
    let cookie = sign_in(&h, "doc").await;
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    let chart = html(&chart).to_owned();
    for section in ["allergies", "medications", "problems", "observations"] {
        let href = format!("/patients/{patient}/clinical/{section}/new");
        assert!(chart.contains(&format!("href=\"{href}\"")), "{section}");
        let form = h.call("GET", &href, Some(&cookie), None).await;
        assert_eq!(form.status, StatusCode::OK, "{section}: {}", form.body);
    }
    let token = page_token(&h, &cookie).await;
    let post = |section: &'static str, fields: Vec<(&'static str, &'static str)>| {
        let token = token.clone();
        let cookie = cookie.clone();
        let h = &h;
        async move {
            let mut all = vec![("token", token.as_str())];
            all.extend(fields.iter().copied());
            h.form(
                &format!("/patients/{patient}/clinical/{section}"),
                Some(&cookie),
                &all,
            )
            .await
        }
    };

    let refused = post(
        "observations",
        vec![
            ("code", "29463-8"),
            ("value_number", "72.5"),
            ("effective_at", "2099-01-01T08:00"),
            ("encounter_id", "4242"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(&refused);
    for expected in [
        "LOINC code</a>: &quot;29463-8&quot; is not a LOINC code",
        "When</a>: 2099-01-01T08:00 is in the future",
        "Unit (UCUM)</a>: a measured value needs its unit",
        "Encounter</a>: choose one of this patient's encounters",
    ] {
        assert!(page.contains(expected), "{expected} missing from {page}");
    }
    assert!(page.contains("value=\"72.5\""), "what was typed is kept");

    let saved = post(
        "observations",
        vec![
            ("code", "29463-7"),
            ("description", "Body weight"),
            ("category", "vital-signs"),
            ("value_number", "72.5"),
            ("value_unit", "kg"),
            ("effective_at", "2026-01-10T08:00"),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        location(&saved),
        format!("/patients/{patient}#observations")
    );
    let weight = h
        .store
        .read(|tx| tx.for_patient::<Observation>(patient))
        .unwrap()
        .remove(0);
    assert_eq!(
        weight.record.value,
        ObservationValue::Quantity {
            value_number: 72.5,
            value_unit: Some("kg".into())
        }
    );
    let entry = h.audit().pop().unwrap();
    assert_eq!(
        (entry.event.action, entry.event.record_id),
        (Action::Create, Some(weight.meta.id))
    );

    let allergy = post(
        "allergies",
        vec![
            ("substance", "Penicillin"),
            ("category", "medication"),
            ("criticality", "high"),
            ("status", "active"),
            ("reaction", "hives"),
        ],
    )
    .await;
    assert_eq!(allergy.status, StatusCode::SEE_OTHER, "{}", allergy.body);
    let medication = post(
        "medications",
        vec![
            ("code", "860975"),
            ("description", "metformin 500 mg tablet"),
            ("status", "active"),
            ("start_at", "2026-01-10"),
            ("dosage", "1 tablet twice daily"),
        ],
    )
    .await;
    assert_eq!(
        medication.status,
        StatusCode::SEE_OTHER,
        "{}",
        medication.body
    );
    let unknown = post(
        "problems",
        vec![
            ("code_system", "icd10cm"),
            ("code", "E11.99999"),
            ("description", "Diabetes"),
            ("status", "active"),
        ],
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&unknown).contains("Code</a>:"), "{}", html(&unknown));
    let problem = post(
        "problems",
        vec![
            ("code_system", "icd10cm"),
            ("code", "e119"),
            ("description", "Type 2 diabetes mellitus"),
            ("status", "active"),
            ("onset_at", "2020-04-01"),
        ],
    )
    .await;
    assert_eq!(problem.status, StatusCode::SEE_OTHER, "{}", problem.body);
    let (allergies, medications, problems) = h
        .store
        .read(|tx| {
            Ok((
                tx.for_patient::<Allergy>(patient)?,
                tx.for_patient::<Medication>(patient)?,
                tx.for_patient::<Problem>(patient)?,
            ))
        })
        .unwrap();
    assert_eq!(allergies[0].record.substance, "Penicillin");
    assert_eq!(
        medications[0].record.dosage.as_deref(),
        Some("1 tablet twice daily")
    );
    assert_eq!(problems[0].record.code, "E11.9");
    assert_eq!(problems[0].meta.version, 1);
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    let chart = html(&chart).to_owned();
    for shown in ["Penicillin", "metformin 500 mg tablet", "E11.9", "72.5 kg"] {
        assert!(chart.contains(shown), "{shown}");
    }
}

#[tokio::test]
async fn the_front_desk_adds_no_clinical_facts() {
    let h = Harness::new();
    let patient = h.add_patient("P621");
    h.add_user("fran", &[Role::FrontDesk]);
    let cookie = sign_in(&h, "fran").await;
    let token = page_token(&h, &cookie).await;
    let refused = h
        .form(
            &format!("/patients/{patient}/clinical/allergies"),
            Some(&cookie),
            &[
                ("token", &token),
                ("substance", "Latex"),
                ("category", "environment"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        h.store
            .read(|tx| tx.for_patient::<Allergy>(patient))
            .unwrap()
            .is_empty()
    );
}
