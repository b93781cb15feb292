//! Registering a patient in the browser: every problem at once with its label, the
//! patients who may be the same person before anything is saved, and an assigned MRN.

use crate::harness::Harness;
use crate::pages::{html, location, page_token, sign_in};
use axum::http::StatusCode;
use privacy::{Action, Role};
use records::Patient;

const GOOD: &[(&str, &str)] = &[
    ("family_name", "Quillfeather"),
    ("given_name", "Odile"),
    ("birth_date", "1991-07-08"),
    ("sex", "female"),
    ("state", "MA"),
    ("postal_code", "01101"),
];

fn with<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = GOOD
        .iter()
        .filter(|(name, _)| !changes.iter().any(|(changed, _)| changed == name))
        .copied()
        .collect();
    fields.extend_from_slice(changes);
    fields
}

#[tokio::test]
async fn registration_refuses_every_bad_field_at_once_by_its_label() {
    let h = Harness::new();
    h.add_user("fran", &[Role::FrontDesk]);
    let cookie = sign_in(&h, "fran").await;
    let form = h.call("GET", "/patients/new", Some(&cookie), None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(html(&form).contains("Register a patient"));
    let token = page_token(&h, &cookie).await;
    let mut fields = with(&[
        ("birth_date", "2031-01-01"),
        ("deceased_date", "2030-01-01"),
        ("state", "Atlantis"),
        ("postal_code", "1234"),
    ]);
    fields.push(("token", &token));
    let refused = h.form("/patients/new", Some(&cookie), &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = html(&refused);
    for expected in [
        "Date of birth</a>: 2031-01-01 is in the future",
        "Date of death</a>: 2030-01-01 is before birth_date 2031-01-01",
        "State</a>: &quot;Atlantis&quot; is not a US state or territory",
        "ZIP code</a>: &quot;1234&quot; is not a ZIP code",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert!(
        text.contains("value=\"Quillfeather\""),
        "what was typed is kept"
    );
    let none = h
        .store
        .read(|tx| {
            tx.search_patients(&store::PatientQuery {
                text: Some("Quillfeather".into()),
                birth_date: None,
                limit: 5,
            })
        })
        .unwrap();
    assert!(none.is_empty(), "nothing was stored");
}

#[tokio::test]
async fn possible_duplicates_are_shown_before_a_second_chart_is_opened() {
    let h = Harness::new();
    h.add_user("fran", &[Role::FrontDesk]);
    let cookie = sign_in(&h, "fran").await;
    let token = page_token(&h, &cookie).await;
    let mut fields = with(&[]);
    fields.push(("token", &token));
    let first = h.form("/patients/new", Some(&cookie), &fields).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let id: i64 = location(&first)
        .trim_start_matches("/patients/")
        .parse()
        .unwrap();
    let stored = h.store.read(|tx| tx.get::<Patient>(id)).unwrap();
    assert_eq!(stored.record.mrn.as_str(), "M00000001");
    assert_eq!(stored.meta.created_by, "user:fran");
    let created = h.audit().pop().unwrap();
    assert_eq!(created.event.action, Action::Create);
    assert_eq!(created.event.record_id, Some(id));

    // The same person again, with a typo in the family name.
    let mut again = with(&[("family_name", "Quilfeather")]);
    again.push(("token", &token));
    let shown = h.form("/patients/new", Some(&cookie), &again).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let text = html(&shown);
    assert!(text.contains("This may be a patient already on file"));
    assert!(text.contains(&format!("href=\"/patients/{id}\"")));
    assert!(text.contains("similar name, same date of birth"));
    assert!(text.contains("name=\"confirmed\" value=\"yes\""));
    let look = h.audit().pop().unwrap();
    assert_eq!(
        look.event.reason.as_deref(),
        Some("registration duplicate check")
    );

    assert!(
        text.contains("You entered: Odile Quilfeather"),
        "what was typed is shown beside the candidates: {text}"
    );
    let merge = format!("merge_{id}");
    assert!(text.contains(&format!("name=\"{merge}\"")), "{text}");

    // Registered anyway, asking the records department to review the two for a merge.
    again.push(("confirmed", "yes"));
    again.push((&merge, "yes"));
    let second = h.form("/patients/new", Some(&cookie), &again).await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert_ne!(location(&second), format!("/patients/{id}"));
    let new_id: i64 = location(&second)
        .trim_start_matches("/patients/")
        .parse()
        .unwrap();
    let pairs = h.store.read(|tx| tx.candidate_pairs_of(new_id)).unwrap();
    assert_eq!(pairs.len(), 1, "the pair joined the duplicate queue");
    let pair = &pairs[0];
    assert_eq!((pair.patient_a, pair.patient_b), (id, new_id));
    assert_eq!(
        (pair.status.as_str(), pair.class.as_str()),
        ("open", "requested")
    );
    let audited = h.audit().pop().unwrap();
    assert_eq!(audited.event.action, Action::Create);
    assert_eq!(audited.event.record_id, Some(pair.id));
    assert_eq!(
        audited.event.reason.as_deref(),
        Some("registration: asked to merge")
    );

    // The records department finds it in its duplicate queue.
    h.add_user("hana", &[Role::HimTechnician]);
    let him = sign_in(&h, "hana").await;
    let queue = h.call("GET", "/mpi", Some(&him), None).await;
    assert!(
        html(&queue).contains(&format!("/mpi/pairs/{}", pair.id)),
        "{}",
        html(&queue)
    );

    // A merge request naming no chart on file registers nothing.
    let mut bad = with(&[("family_name", "Quilfeathers")]);
    bad.push(("token", &token));
    bad.push(("confirmed", "yes"));
    bad.push(("merge_999999", "yes"));
    let refused = h.form("/patients/new", Some(&cookie), &bad).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    let none = h
        .store
        .read(|tx| {
            tx.search_patients(&store::PatientQuery {
                text: Some("Quilfeathers".into()),
                birth_date: None,
                limit: 5,
            })
        })
        .unwrap();
    assert!(none.is_empty(), "nothing was stored");
}

#[tokio::test]
async fn only_roles_that_write_demographics_register() {
    let h = Harness::new();
    h.add_user("bill", &[Role::Billing]);
    let cookie = sign_in(&h, "bill").await;
    let denied = h.call("GET", "/patients/new", Some(&cookie), None).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

/// The chart an MRN finds.
pub fn id_of_mrn(h: &Harness, mrn: &str) -> i64 {
    h.store
        .read(|tx| {
            tx.search_patients(&store::PatientQuery {
                text: Some(mrn.into()),
                birth_date: None,
                limit: 1,
            })
        })
        .unwrap()[0]
        .meta
        .id
}

/// A planted population on file and the model a full match of it kept.
pub fn trained_index(h: &Harness) -> Vec<Patient> {
    let population = mpi::planted::planted(300, 0.1, 9);
    let actor = store::Actor::new("test:mpi");
    h.store
        .write(|tx| {
            for patient in &population.patients {
                tx.create(&actor, patient)?;
            }
            Ok(())
        })
        .unwrap();
    let on_file = h.store.read(mpi::patients_on_file).unwrap();
    let mut settings = mpi::Settings::embedded().unwrap();
    settings.training.random_pairs = 50_000;
    let run = mpi::match_all(
        &mpi::persons_of(&on_file, mpi::Nicknames::shared()),
        &settings,
    );
    h.store
        .write(|tx| mpi::save_model(tx, &run, &settings, on_file.len(), "test"))
        .unwrap();
    population.patients
}

#[tokio::test]
async fn the_api_scores_a_registration_with_the_kept_model_and_queues_the_pair() {
    let h = Harness::new();
    let on_file = trained_index(&h);
    let original = &on_file[20];
    let original_id = id_of_mrn(&h, original.mrn.as_str());
    h.add_user("fran", &[Role::FrontDesk]);
    let fran = h.login("fran").await;
    // The same person again: a slip in the family name, the same birth date and phone.
    let mut family: Vec<char> = original.family_name.chars().collect();
    family.swap(1, 2);
    let family: String = family.into_iter().collect();
    let typed = serde_json::json!({
        "family_name": family,
        "given_name": original.given_name,
        "birth_date": original.birth_date.to_string(),
        "sex": serde_json::to_value(original.sex).unwrap(),
        "phone": original.phone,
        "postal_code": original.address.postal_code,
        "state": original.address.state,
    });
    let asked = h
        .call(
            "POST",
            "/api/patients",
            Some(&fran),
            Some(serde_json::json!({ "patient": typed })),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CONFLICT, "{}", asked.body);
    let first = asked.body["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["patient"]["meta"]["id"] == original_id)
        .unwrap_or_else(|| panic!("the original is listed: {}", asked.body));
    let probability = first["probability"].as_f64().unwrap();
    assert!(probability > 0.9, "{}", asked.body);
    assert!(first["why"].as_str().unwrap().contains("match probability"));
    assert!(first["contributions"].as_array().unwrap().len() >= 5);

    let registered = h
        .call(
            "POST",
            "/api/patients",
            Some(&fran),
            Some(serde_json::json!({
                "patient": typed,
                "confirmed": true,
                "merge_with": [original_id],
            })),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    let new_id = registered.body["patient"]["meta"]["id"].as_i64().unwrap();
    let pair = &registered.body["merge_requests"][0];
    assert_eq!(pair["status"], "open");
    assert_ne!(pair["class"], "requested", "the model queues it itself");
    assert_eq!(
        (pair["patient_a"].as_i64(), pair["patient_b"].as_i64()),
        (Some(original_id.min(new_id)), Some(original_id.max(new_id)))
    );

    let missing = h
        .call(
            "POST",
            "/api/patients",
            Some(&fran),
            Some(serde_json::json!({ "patient": { "given_name": "Odile" } })),
        )
        .await;
    assert_eq!(
        missing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        missing.body
    );
    assert!(
        missing.body.to_string().contains("family_name"),
        "{}",
        missing.body
    );

    h.add_user("bill", &[Role::Billing]);
    let bill = h.login("bill").await;
    let denied = h
        .call(
            "POST",
            "/api/patients",
            Some(&bill),
            Some(serde_json::json!({ "patient": typed })),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_corrected_chart_is_matched_again_and_an_identity_change_flagged_as_an_overlay() {
    let h = Harness::new();
    let on_file = trained_index(&h);
    let original = &on_file[30];
    let original_id = id_of_mrn(&h, original.mrn.as_str());
    let chart = h.add_patient("LATE1");
    h.add_user("fran", &[Role::FrontDesk]);
    h.add_user("hana", &[Role::HimTechnician]);
    let fran = h.login("fran").await;
    let version = |id: i64| {
        h.store
            .read(|tx| tx.get::<Patient>(id))
            .unwrap()
            .meta
            .version
    };
    // The chart is corrected to the demographics of a patient on file: a duplicate.
    let corrected = h
        .call(
            "POST",
            &format!("/api/patients/{chart}/demographics"),
            Some(&fran),
            Some(serde_json::json!({
                "version": version(chart),
                "changes": {
                    "family_name": original.family_name,
                    "given_name": original.given_name,
                    "birth_date": original.birth_date.to_string(),
                    "sex": serde_json::to_value(original.sex).unwrap(),
                    "phone": original.phone,
                },
            })),
        )
        .await;
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.body);
    let pair = h
        .store
        .read(|tx| tx.candidate_pair_of(chart, original_id))
        .unwrap()
        .expect("the corrected chart is queued with its duplicate");
    assert_eq!(pair.status, "open");
    let audited = h.audit().into_iter().any(|e| {
        e.event.record_kind.as_deref() == Some("mpi_candidate")
            && e.event.record_id == Some(pair.id)
            && e.event.user == "fran"
    });
    assert!(audited, "the queued pair is audited as fran's");
    // That correction changed who the chart is (another name and birth date): an overlay.
    let flags = h.store.read(|tx| tx.overlay_flags_of(chart)).unwrap();
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert!(
        flags[0]
            .findings
            .iter()
            .any(|f| f.starts_with("demographics corrected: birth date was 1980-04-12")),
        "{:?}",
        flags[0].findings
    );

    // The HIM technician sees it on /mpi and decides it.
    let hana = crate::pages::sign_in(&h, "hana").await;
    let page = h.call("GET", "/mpi", Some(&hana), None).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = html(&page);
    assert!(
        text.contains(&format!("id=\"overlay-{}\"", flags[0].id)),
        "{text}"
    );
    assert!(text.contains("birth date was 1980-04-12"), "{text}");
    let token = crate::pages::token(&page);
    let blank = h
        .form(
            &format!("/mpi/overlays/{}/decide", flags[0].id),
            Some(&hana),
            &[
                ("token", &token),
                ("decision", "one_person"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    let decided = h
        .form(
            &format!("/mpi/overlays/{}/decide", flags[0].id),
            Some(&hana),
            &[
                ("token", &token),
                ("decision", "one_person"),
                ("reason", "registration typo fixed; same person"),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let flag = h.store.read(|tx| tx.overlay_flag(flags[0].id)).unwrap();
    assert_eq!(flag.status, "one_person");
    assert_eq!(flag.decided_by.as_deref(), Some("hana"));
    let after = h.call("GET", "/mpi", Some(&hana), None).await;
    assert!(!html(&after).contains(&format!("id=\"overlay-{}\"", flags[0].id)));

    // An address correction changes nothing of who the chart is: no new flag.
    let moved = h
        .call(
            "POST",
            &format!("/api/patients/{chart}/demographics"),
            Some(&fran),
            Some(serde_json::json!({
                "version": version(chart),
                "changes": { "middle_name": "Quinn" },
            })),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(
        h.store.read(|tx| tx.overlay_flags_of(chart)).unwrap().len(),
        1
    );
}
