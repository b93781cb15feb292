//! The encoder and the coding edits over the API and on the pages: a statement to codes
//! with every step explained, questions answered back, a code added to the encounter
//! through the audited diagnosis write, and the encounter's edits listed.

use crate::harness::{Harness, on_both_backends};
use crate::pages::{html, sign_in, token};
use axum::http::StatusCode;
use privacy::{Action, Role};
use serde_json::json;

#[tokio::test]
async fn the_encoder_api_explains_asks_and_names_bad_fields() {
    let h = Harness::new();
    h.add_user("him", &[Role::HimTechnician]);
    let him = h.login("him").await;
    let call = |body: serde_json::Value| {
        let (h, him) = (&h, him.clone());
        async move {
            h.call("POST", "/api/codes/encode", Some(&him), Some(body))
                .await
        }
    };
    let sprain = call(json!({ "statement": "sprain of left ankle", "date": "2026-01-05" })).await;
    assert_eq!(sprain.status, StatusCode::OK, "{}", sprain.body);
    assert_eq!(sprain.body["complete"], json!(false), "{}", sprain.body);
    let question = &sprain.body["questions"][0];
    let id = question["id"].as_str().unwrap().to_owned();
    let values: Vec<&str> = question["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    assert!(
        values.contains(&"A") && values.contains(&"D") && values.contains(&"S"),
        "{}",
        sprain.body
    );
    assert!(
        sprain.body["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "index" && s["source"] == "Alphabetic Index"),
        "{}",
        sprain.body
    );
    let answered = call(json!({
        "statement": "sprain of left ankle",
        "date": "2026-01-05",
        "answers": [{ "question": id, "value": "A" }],
    }))
    .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    assert_eq!(
        answered.body["codes"][0]["code"],
        json!("S93.402A"),
        "{}",
        answered.body
    );
    assert_eq!(answered.body["complete"], json!(true));

    let nothing = call(json!({ "statement": "zzqx blorft" })).await;
    assert_eq!(nothing.status, StatusCode::OK, "{}", nothing.body);
    assert_eq!(nothing.body["codes"], json!([]));

    for (body, field) in [
        (json!({ "statement": "  " }), "statement"),
        (json!({ "statement": "x".repeat(100_001) }), "statement"),
        (json!({ "statement": "asthma", "sex": "X" }), "sex"),
        (
            json!({ "statement": "asthma", "date": "2026-13-01" }),
            "date",
        ),
        (
            json!({ "statement": "asthma", "answers": [{ "question": "J45", "value": "" }] }),
            "answers[0].value",
        ),
    ] {
        let reply = call(body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert_eq!(reply.body["field"], json!(field), "{}", reply.body);
    }

    let edits = h
        .call(
            "POST",
            "/api/codes/edits",
            Some(&him),
            Some(json!({ "codes": ["E11.9", "E10.9"], "date": "2026-01-05" })),
        )
        .await;
    assert_eq!(edits.status, StatusCode::OK, "{}", edits.body);
    assert_eq!(
        edits.body["edits"][0]["rule"],
        json!("excludes1-pair"),
        "{}",
        edits.body
    );
    let empty = h
        .call(
            "POST",
            "/api/codes/edits",
            Some(&him),
            Some(json!({ "codes": [] })),
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.body["field"], json!("codes"));

    let pcs = h
        .call(
            "POST",
            "/api/codes/build-pcs",
            Some(&him),
            Some(json!({ "statement": "laparoscopic appendectomy", "date": "2026-01-05" })),
        )
        .await;
    assert_eq!(pcs.status, StatusCode::OK, "{}", pcs.body);
    assert_eq!(pcs.body["code"], json!("0DTJ4ZZ"), "{}", pcs.body);

    let doc = h.call("GET", "/api/openapi.json", None, None).await;
    for path in [
        "/api/codes/encode",
        "/api/codes/build-pcs",
        "/api/codes/edits",
        "/api/encounters/{id}/coding-edits",
    ] {
        assert!(
            doc.body["paths"].get(path).is_some(),
            "{path} missing from the API document"
        );
    }
    assert!(
        doc.body["components"]["schemas"]
            .get("EncodeBody")
            .is_some()
    );
}

#[tokio::test]
async fn an_encounters_edits_are_listed_and_an_encoded_code_is_added_audited() {
    let h = Harness::new();
    let id = h.add_patient("P777");
    let eid = h.add_encounter(
        id,
        records::EncounterClass::Outpatient,
        time::macros::datetime!(2026-02-10 09:00 UTC),
        None,
    );
    h.store
        .write(|tx| {
            tx.create(
                &store::Actor::new("test"),
                &records::Diagnosis {
                    patient_id: records::PatientId(id),
                    encounter_id: records::EncounterId(eid),
                    code: "E11.9".into(),
                    rank: records::DiagnosisRank::FirstListed,
                    sequence: 1,
                    poa: None,
                    description: None,
                    onset_at: None,
                },
            )?;
            // The appendectomy recorded twice on one day: a duplicate procedure.
            for _ in 0..2 {
                tx.create(
                    &store::Actor::new("test"),
                    &records::Procedure {
                        patient_id: records::PatientId(id),
                        encounter_id: Some(records::EncounterId(eid)),
                        code_system: records::ProcedureCodeSystem::Icd10Pcs,
                        code: "0DTJ4ZZ".into(),
                        modifiers: Vec::new(),
                        units: 1,
                        performed_at: time::macros::datetime!(2026-02-10 10:00 UTC),
                        performer_id: None,
                        description: None,
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    h.add_user("him", &[Role::HimTechnician]);
    h.add_user("fd", &[Role::FrontDesk]);

    // The API: the stored encounter's edits, audited as a read naming the patient.
    let him = h.login("him").await;
    let api = h
        .call(
            "GET",
            &format!("/api/encounters/{eid}/coding-edits"),
            Some(&him),
            None,
        )
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    assert_eq!(api.body["setting"], json!("outpatient"));
    assert_eq!(api.body["diagnoses"][0]["code"], json!("E11.9"));
    assert_eq!(api.body["edits"], json!([]), "{}", api.body);
    assert_eq!(api.body["procedures"][1]["code"], json!("0DTJ4ZZ"));
    assert_eq!(
        api.body["procedure_edits"][0]["rule"],
        json!("procedure-duplicate"),
        "{}",
        api.body
    );
    let read = h.audit().pop().unwrap();
    assert_eq!(read.event.action, Action::Read);
    assert_eq!(read.event.patient_id, Some(records::PatientId(id)));
    assert!(
        read.event
            .categories
            .contains(&privacy::DataCategory::Procedures),
        "{:?}",
        read.event.categories
    );
    let missing = h
        .call(
            "GET",
            "/api/encounters/99999/coding-edits",
            Some(&him),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
    let fd = h.login("fd").await;
    let refused = h
        .call(
            "GET",
            &format!("/api/encounters/{eid}/coding-edits"),
            Some(&fd),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The pages: the standalone encoder.
    let cookie = sign_in(&h, "him").await;
    let standalone = h.call("GET", "/codes/encode", Some(&cookie), None).await;
    assert_eq!(standalone.status, StatusCode::OK);
    let t = token(&standalone);
    let encoded = h
        .form(
            "/codes/encode",
            Some(&cookie),
            &[
                ("token", &t),
                ("statement", "sprain of left ankle"),
                ("date", "2026-01-05"),
            ],
        )
        .await;
    assert_eq!(encoded.status, StatusCode::OK, "{}", encoded.body);
    assert!(
        html(&encoded).contains("name=\"answer\""),
        "{}",
        html(&encoded)
    );
    assert!(html(&encoded).contains("Alphabetic Index"));
    let bad = h
        .form(
            "/codes/encode",
            Some(&cookie),
            &[("token", &t), ("statement", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad).contains("write the diagnostic statement"));

    // The diagnosis form: the encounter's edits, then a statement encoded on its date.
    let form = h
        .call(
            "GET",
            &format!("/patients/{id}/diagnoses/new"),
            Some(&cookie),
            None,
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        html(&form).contains("Coding edits of the encounter"),
        "{}",
        html(&form)
    );
    let t = token(&form);
    let uri = format!("/patients/{id}/diagnoses/encode");
    let eid_text = eid.to_string();
    let typed = h
        .form(
            &uri,
            Some(&cookie),
            &[
                ("token", &t),
                ("encounter_id", &eid_text),
                ("statement", "type 1 diabetes"),
            ],
        )
        .await;
    assert_eq!(typed.status, StatusCode::OK, "{}", typed.body);
    let page = html(&typed);
    assert!(page.contains("Add E10.9"), "{page}");
    // With E10.9 added, E11.9 already on the encounter makes an Excludes1 pair.
    assert!(
        page.contains("with these codes added") && page.contains("excludes1-pair"),
        "{page}"
    );
    let no_statement = h
        .form(
            &uri,
            Some(&cookie),
            &[("token", &t), ("encounter_id", &eid_text)],
        )
        .await;
    assert_eq!(no_statement.status, StatusCode::UNPROCESSABLE_ENTITY);

    let added = h
        .form(
            &format!("/patients/{id}/diagnoses"),
            Some(&cookie),
            &[
                ("token", &t),
                ("encounter_id", &eid_text),
                ("code", "E10.9"),
                ("rank", "secondary"),
                ("poa", ""),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let created = h.audit().pop().unwrap();
    assert_eq!(created.event.action, Action::Create);
    assert!(created.event.new_values.unwrap().contains("E10.9"));
    let after = h
        .call(
            "GET",
            &format!("/api/encounters/{eid}/coding-edits"),
            Some(&him),
            None,
        )
        .await;
    assert_eq!(
        after.body["edits"][0]["rule"],
        json!("excludes1-pair"),
        "{}",
        after.body
    );
}

/// The radio values a builder step offers (`AXIS=VALUE`), in page order.
fn offered(page: &str) -> Vec<String> {
    page.match_indices("name=\"answer\" value=\"")
        .map(|(at, m)| {
            let rest = &page[at + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[test]
fn the_procedure_form_builds_a_pcs_code_axis_by_axis_and_adds_it() {
    on_both_backends(builds_a_pcs_code);
}

fn builds_a_pcs_code(h: &Harness, rt: &tokio::runtime::Runtime) {
    let id = h.add_patient("P778");
    let eid = h.add_encounter(
        id,
        records::EncounterClass::Inpatient,
        time::macros::datetime!(2026-02-10 09:00 UTC),
        Some(time::macros::datetime!(2026-02-12 11:00 UTC)),
    );
    h.add_user("him", &[Role::HimTechnician]);
    let cookie = rt.block_on(sign_in(h, "him"));
    let step = |query: String| {
        rt.block_on(h.call(
            "GET",
            &format!("/patients/{id}/procedures/new?{query}"),
            Some(&cookie),
            None,
        ))
    };

    // Without a statement every axis is a question; each offers only what the rows allow.
    let mut answers: Vec<String> = Vec::new();
    for (axis, pick) in [
        ("section", "0"),
        ("body-system", "D"),
        ("operation", "T"),
        ("body-part", "J"),
        ("approach", "4"),
    ] {
        let page = step(format!(
            "encounter_id={eid}&statement=&answers={}",
            answers.join("%3B")
        ));
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let values = offered(html(&page));
        let wanted = format!("{axis}={pick}");
        assert!(values.contains(&wanted), "{axis}: {values:?}");
        assert!(
            values.iter().all(|v| v.starts_with(&format!("{axis}="))),
            "one axis per step: {values:?}"
        );
        match axis {
            // Root operations come with their definitions; only 0D tables' operations.
            "operation" => {
                assert!(
                    html(&page)
                        .contains("Cutting out or off, without replacement, all of a body part")
                );
                assert!(
                    !values.contains(&"operation=G".to_owned()),
                    "no fusion in 0D: {values:?}"
                );
            }
            // 0DT: the appendix is a body part; the heart is not in this table.
            "body-part" => assert!(values.len() > 5 && values.len() < 40, "{values:?}"),
            _ => {}
        }
        answers.push(format!("{axis}%3D{pick}"));
    }
    let done = step(format!(
        "encounter_id={eid}&statement=&answers={}",
        answers.join("%3B")
    ));
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let page = html(&done);
    assert!(page.contains("id=\"pcs-code\""), "{page}");
    assert!(page.contains("0DTJ4ZZ"), "{page}");
    assert!(offered(page).is_empty(), "no question once complete");
    assert!(
        page.contains("the only value allowed"),
        "device and qualifier: {page}"
    );

    // The Add button posts the code through the procedure form's audited write.
    let add = rt.block_on(h.form(
        &format!("/patients/{id}/procedures"),
        Some(&cookie),
        &[
            ("token", token(&done).as_str()),
            ("encounter_id", eid.to_string().as_str()),
            ("system", "icd10pcs"),
            ("code", "0DTJ4ZZ"),
            ("units", "1"),
        ],
    ));
    assert_eq!(add.status, StatusCode::SEE_OTHER, "{}", add.body);
    let stored: Vec<store::Stored<records::Procedure>> =
        h.store.read(|tx| tx.for_patient(id)).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].record.code, "0DTJ4ZZ");
    assert_eq!(h.audit().pop().unwrap().event.action, Action::Create);

    // A statement chooses what it says; the approach it leaves open is the question.
    let appendectomy = step(format!("encounter_id={eid}&statement=appendectomy"));
    assert_eq!(appendectomy.status, StatusCode::OK, "{}", appendectomy.body);
    let values = offered(html(&appendectomy));
    assert!(values.contains(&"approach=0".to_owned()), "{values:?}");
    assert!(
        html(&appendectomy).contains("<td>the statement</td>"),
        "{}",
        appendectomy.body
    );
    let open = step(format!(
        "encounter_id={eid}&statement=appendectomy&answers=&answer=approach%3D0"
    ));
    assert!(html(&open).contains("0DTJ0ZZ"), "{}", open.body);
    let laparoscopic = step(format!(
        "encounter_id={eid}&statement=laparoscopic%20appendectomy"
    ));
    assert!(
        html(&laparoscopic).contains("0DTJ4ZZ"),
        "{}",
        laparoscopic.body
    );

    // Bad input is a 422 naming the field, never a 500 (a 100 kB statement cannot travel
    // in a URI: the HTTP layer refuses it first).
    for (query, says) in [
        (
            "encounter_id=99999&statement=".to_owned(),
            "not one of this patient's encounters",
        ),
        (
            format!("encounter_id={eid}&statement=&answers=garbage"),
            "is not QUESTION=VALUE",
        ),
    ] {
        let refused = step(query);
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(html(&refused).contains(says), "{says}: {}", refused.body);
    }
}

#[test]
fn the_procedure_form_shows_the_coding_edits_before_saving() {
    on_both_backends(shows_procedure_edits_before_saving);
}

/// The hidden fingerprint of the edits a page showed.
fn seen(page: &str) -> String {
    let at = page.find("name=\"seen\" value=\"").expect("a seen field") + 19;
    page[at..at + page[at..].find('"').unwrap()].to_owned()
}

fn shows_procedure_edits_before_saving(h: &Harness, rt: &tokio::runtime::Runtime) {
    // The site imported NCCI files (the fabricated fixture in CMS's layouts).
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../codes/test_data/ncci");
    for name in ["ptp-practitioner.txt", "mue-practitioner.csv"] {
        codes::CodeSets::import_ncci(&fixture.join(name), h.trail.dir()).unwrap();
    }
    let id = h.add_patient("P779");
    let eid = h
        .add_encounter(
            id,
            records::EncounterClass::Outpatient,
            time::macros::datetime!(2026-03-02 09:00 UTC),
            None,
        )
        .to_string();
    h.add_user("him", &[Role::HimTechnician]);
    let cookie = rt.block_on(sign_in(h, "him"));
    let form = rt.block_on(h.call(
        "GET",
        &format!("/patients/{id}/procedures/new"),
        Some(&cookie),
        None,
    ));
    let token = token(&form);
    let uri = format!("/patients/{id}/procedures");
    let submit = |system: &str, code: &str, seen: &str| {
        rt.block_on(h.form(
            &uri,
            Some(&cookie),
            &[
                ("token", token.as_str()),
                ("encounter_id", eid.as_str()),
                ("system", system),
                ("code", code),
                ("units", "1"),
                ("seen", seen),
            ],
        ))
    };
    let stored = || -> Vec<String> {
        let list: Vec<store::Stored<records::Procedure>> =
            h.store.read(|tx| tx.for_patient(id)).unwrap();
        list.into_iter().map(|p| p.record.code).collect()
    };

    // Nothing to say: saved at once.
    let first = submit("cpt", "29881", "");
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(stored(), ["29881"]);

    // 29880 is a column two code of 29881 (indicator 0): shown with its source, not saved.
    let pair = submit("cpt", "29880", "");
    assert_eq!(pair.status, StatusCode::OK, "{}", pair.body);
    let page = html(&pair);
    assert!(page.contains("Nothing is saved yet"), "{page}");
    assert!(page.contains("ncci-ptp"), "{page}");
    assert!(page.contains("column two code of 29881"), "{page}");
    assert!(page.contains("CMS NCCI practitioner PTP edits"), "{page}");
    assert!(page.contains("Save 29880 with these edits"), "{page}");
    assert_eq!(stored(), ["29881"]);
    // The read of the encounter's procedures behind the edits is audited.
    let read = h.audit().pop().unwrap().event;
    assert_eq!(read.action, Action::Read);
    assert_eq!(read.reason.as_deref(), Some("procedure coding edits"));

    // A fingerprint of other edits is no confirmation: shown again.
    let stale = submit("cpt", "29880", "0000000000000000");
    assert_eq!(stale.status, StatusCode::OK, "{}", stale.body);
    assert_eq!(stored(), ["29881"]);
    // Confirmed from the page that showed them: saved, audited as a create.
    let confirmed = submit("cpt", "29880", &seen(page));
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.body
    );
    assert_eq!(stored(), ["29881", "29880"]);
    assert_eq!(h.audit().pop().unwrap().event.action, Action::Create);

    // A code that does not validate is refused as on the diagnosis form (a male-only
    // procedure for a female patient), and nothing is asked.
    let refused = submit("icd10pcs", "0VT00ZZ", "");
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(!html(&refused).contains("Nothing is saved yet"));

    // Edits the encounter already has (the pair confirmed above) are not asked again.
    assert_eq!(
        submit("icd10pcs", "0DTJ4ZZ", "").status,
        StatusCode::SEE_OTHER
    );
    // The PCS builder shows the edits with its finished code (here: the code is already on
    // the encounter), and its Add button carries their fingerprint, so it saves at once.
    let built = rt.block_on(h.call(
        "GET",
        &format!(
            "/patients/{id}/procedures/new?encounter_id={eid}&statement=laparoscopic%20appendectomy"
        ),
        Some(&cookie),
        None,
    ));
    assert_eq!(built.status, StatusCode::OK, "{}", built.body);
    let page = html(&built);
    assert!(
        page.contains("Coding edits adding 0DTJ4ZZ to the encounter raises"),
        "{page}"
    );
    assert!(
        !page.contains("ncci-ptp"),
        "only what adding it raises: {page}"
    );
    assert!(page.contains("procedure-duplicate"), "{page}");
    assert!(
        page.contains("ICD-10-PCS Official Guidelines B3.2"),
        "{page}"
    );
    let again = submit("icd10pcs", "0DTJ4ZZ", &seen(page));
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(stored(), ["29881", "29880", "0DTJ4ZZ", "0DTJ4ZZ"]);
    // With nothing to say (another encounter) the builder still shows that it checked.
    let stay = h.add_encounter(
        id,
        records::EncounterClass::Inpatient,
        time::macros::datetime!(2026-02-10 09:00 UTC),
        Some(time::macros::datetime!(2026-02-12 11:00 UTC)),
    );
    let clean = rt.block_on(h.call(
        "GET",
        &format!("/patients/{id}/procedures/new?encounter_id={stay}&statement=appendectomy&answers=&answer=approach%3D0"),
        Some(&cookie),
        None,
    ));
    let page = html(&clean);
    assert!(
        page.contains("Coding edits adding 0DTJ0ZZ to the encounter raises"),
        "{page}"
    );
    assert!(page.contains("No coding edits."), "{page}");
}
