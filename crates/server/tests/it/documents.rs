//! Scanned documents over the JSON API, the pages and FHIR: upload to a chart and to the
//! indexing queue, a damaged file refused naming it, indexing, a misfiled document moved
//! with both charts' audit trails showing it, the chart page's thumbnail, the pages served
//! checked, and the DocumentReference with its attachment (kept for the schema check).

use crate::fhir_rest::fhir;
use crate::fhir_schema::keep;
use crate::harness::Harness;
use axum::http::StatusCode;
use base64::Engine;
use privacy::{Action, Role};
use serde_json::json;

fn jpeg() -> Vec<u8> {
    let page = image::RgbImage::from_fn(300, 400, |x, y| {
        if (y / 20) % 2 == 0 && x > 20 && x < 280 {
            image::Rgb([20, 20, 30])
        } else {
            image::Rgb([250, 250, 250])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(page)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn scanned_documents_are_uploaded_indexed_moved_shown_and_served_as_fhir() {
    let h = Harness::new();
    h.add_user("him", &[Role::HimTechnician]);
    let him = h.login("him").await;
    let right = h.add_patient("M00000201");
    let wrong = h.add_patient("M00000202");
    let visit = h.add_encounter(
        right,
        records::EncounterClass::Outpatient,
        time::macros::datetime!(2026-02-10 09:00 UTC),
        None,
    );

    // A letter filed to the wrong chart; a damaged file refused with nothing kept.
    let letter = h
        .call(
            "POST",
            "/api/documents",
            Some(&him),
            Some(json!({
                "content": b64(&jpeg()),
                "patient_id": wrong,
                "document_type": "referral",
                "service_date": "2026-02-10",
                "title": "Referral letter",
            })),
        )
        .await;
    assert_eq!(letter.status, StatusCode::CREATED, "{}", letter.body);
    assert_eq!(letter.body["status"], "indexed");
    assert_eq!(letter.body["has_thumbnail"], true);
    let letter_id = letter.body["id"].as_i64().unwrap();
    let jpeg = jpeg();
    let cut = h
        .call(
            "POST",
            "/api/documents",
            Some(&him),
            Some(json!({ "content": b64(&jpeg[..jpeg.len() / 2]), "patient_id": right })),
        )
        .await;
    assert_eq!(cut.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", cut.body);
    assert!(
        cut.body["error"]
            .as_str()
            .unwrap()
            .contains("content: damaged JPEG"),
        "{}",
        cut.body
    );

    // A fax of unknown owner waits in the queue, then is indexed.
    let fax = h
        .call(
            "POST",
            "/api/documents",
            Some(&him),
            Some(json!({ "content": b64(&jpeg) })),
        )
        .await;
    assert_eq!(fax.status, StatusCode::CREATED, "{}", fax.body);
    let fax_id = fax.body["id"].as_i64().unwrap();
    let queue = h
        .call("GET", "/api/documents/queue", Some(&him), None)
        .await;
    assert_eq!(queue.body["documents"].as_array().unwrap().len(), 1);
    let indexed = h
        .call(
            "POST",
            &format!("/api/documents/{fax_id}/index"),
            Some(&him),
            Some(json!({ "patient_id": right, "document_type": "napkin" })),
        )
        .await;
    assert_eq!(
        indexed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        indexed.body
    );
    assert!(
        indexed.body["error"]
            .as_str()
            .unwrap()
            .starts_with("document_type")
    );
    let indexed = h
        .call(
            "POST",
            &format!("/api/documents/{fax_id}/index"),
            Some(&him),
            Some(json!({ "patient_id": right, "document_type": "lab_report", "encounter_id": visit })),
        )
        .await;
    assert_eq!(indexed.status, StatusCode::OK, "{}", indexed.body);
    assert_eq!(indexed.body["status"], "indexed");

    // The misfiled letter moves; both charts' trails show it.
    let moved = h
        .call(
            "POST",
            &format!("/api/documents/{letter_id}/move"),
            Some(&him),
            Some(json!({ "patient_id": right, "reason": "misfiled: wrong name" })),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let moves: Vec<(Option<i64>, String)> = h
        .audit()
        .into_iter()
        .filter(|e| e.event.action == Action::Update && e.event.record_id == Some(letter_id))
        .map(|e| {
            (
                e.event.patient_id.map(|p| p.0),
                e.event.reason.unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        vec![
            (
                Some(wrong),
                "scanned document moved out of this chart to M00000201: misfiled: wrong name"
                    .to_owned()
            ),
            (
                Some(right),
                "scanned document moved into this chart from M00000202: misfiled: wrong name"
                    .to_owned()
            ),
        ]
    );
    let listed = h
        .call(
            "GET",
            &format!("/api/patients/{right}/documents"),
            Some(&him),
            None,
        )
        .await;
    assert_eq!(listed.body["documents"].as_array().unwrap().len(), 2);

    // The chart page shows them with thumbnails; the pages come back as they were sent.
    let chart = h
        .call("GET", &format!("/patients/{right}"), Some(&him), None)
        .await;
    let page = chart.body.as_str().unwrap();
    assert!(page.contains("Scanned documents (2)"), "{page}");
    assert!(page.contains(&format!("src=\"/documents/{letter_id}/thumbnail\"")));
    assert!(page.contains("Referral note"));
    let thumb = h
        .call(
            "GET",
            &format!("/documents/{letter_id}/thumbnail"),
            Some(&him),
            None,
        )
        .await;
    assert_eq!(thumb.status, StatusCode::OK);
    assert_eq!(thumb.headers["content-type"], "image/jpeg");
    let pages = h
        .call(
            "GET",
            &format!("/documents/{letter_id}/content"),
            Some(&him),
            None,
        )
        .await;
    assert_eq!(pages.status, StatusCode::OK);
    assert_eq!(pages.headers["content-type"], "image/jpeg");
    let queue_page = h.call("GET", "/documents/queue", Some(&him), None).await;
    assert!(
        queue_page
            .body
            .as_str()
            .unwrap()
            .contains("Nothing waits to be indexed.")
    );

    // FHIR: read and search, the attachment with its SHA-1, size and where the pages are.
    let read = fhir(
        &h,
        "GET",
        &format!("/fhir/DocumentReference/scan-{letter_id}"),
        &him,
        None,
        &[],
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    keep("scanned-document-read", &read);
    let attachment = &read.body["content"][0]["attachment"];
    let sha1 = documents::sha1_base64(&jpeg);
    assert_eq!(attachment["hash"], sha1);
    assert_eq!(attachment["size"], jpeg.len());
    assert_eq!(attachment["contentType"], "image/jpeg");
    assert_eq!(attachment["url"], format!("/documents/{letter_id}/content"));
    assert_eq!(read.body["type"]["coding"][0]["code"], "57133-1");
    assert_eq!(
        read.body["subject"]["reference"],
        format!("Patient/{right}")
    );
    let search = fhir(
        &h,
        "GET",
        &format!("/fhir/DocumentReference?patient={right}"),
        &him,
        None,
        &[],
    )
    .await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.body);
    keep("scanned-document-search", &search);
    let ids: Vec<&str> = search.body["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&format!("scan-{letter_id}").as_str()),
        "{ids:?}"
    );
    assert!(ids.contains(&format!("scan-{fax_id}").as_str()), "{ids:?}");
    let put = fhir(
        &h,
        "PUT",
        &format!("/fhir/DocumentReference/scan-{letter_id}"),
        &him,
        Some(read.body.clone()),
        &[],
    )
    .await;
    // Read-only over FHIR: the technician, who may not write notes, is refused at the route;
    // a writer of notes would get 405 (`write::check_write`).
    assert!(!put.status.is_success(), "{}", put.body);
}
