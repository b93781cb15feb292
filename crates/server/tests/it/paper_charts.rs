//! The HIM records desk over the API and the pages: a scanned barcode finds the volume;
//! check-out, transfer, check-in; the request queue, pull list, fill and cancel; labels;
//! legal holds; the retention report. Only HIM; bad input is a clear refusal, never a 500;
//! every look and change audited.

use crate::harness::Harness;
use crate::pages::{html, location, sign_in, token};
use axum::http::StatusCode;
use privacy::{Action, Role};
use serde_json::json;

fn volume(h: &Harness, mrn: &str, home: &str) -> (i64, String) {
    let patient = h.add_patient(mrn);
    let volume = h
        .store
        .write(|tx| tx.add_chart_volume(patient, home, "setup"))
        .unwrap();
    (patient, volume.barcode)
}

#[tokio::test]
async fn the_technician_works_paper_charts_over_the_api_and_others_are_refused() {
    let h = Harness::new();
    let (patient, barcode) = volume(&h, "M00000031", "Shelf C-2");
    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("phil", &[Role::Physician]);
    h.add_user("admin", &[Role::Administrator]);
    let hana = h.login("hana").await;
    for who in ["phil", "admin"] {
        let cookie = h.login(who).await;
        let refused = h
            .call(
                "POST",
                "/api/charts/find",
                Some(&cookie),
                Some(json!({ "barcode": barcode })),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{who}: {}",
            refused.body
        );
        let page = h.call("GET", "/charts", Some(&cookie), None).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{who}");
    }

    let found = h
        .call(
            "POST",
            "/api/charts/find",
            Some(&hana),
            Some(json!({ "barcode": format!(" {} ", barcode.to_lowercase()) })),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(found.body["volume"]["barcode"], barcode.as_str());
    assert_eq!(found.body["mrn"], "M00000031");
    let unknown = h
        .call(
            "POST",
            "/api/charts/find",
            Some(&hana),
            Some(json!({ "barcode": "M0-V9" })),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.body["error"]
            .as_str()
            .unwrap()
            .contains("no chart volume has the barcode \"M0-V9\"")
    );

    let today = h.now().date();
    let tomorrow = today + time::Duration::days(1);
    let bad_date = h
        .call(
            "POST",
            "/api/charts/checkout",
            Some(&hana),
            Some(json!({ "barcode": barcode, "holder": "Dr. Osler", "due_back": "03/09/2026" })),
        )
        .await;
    assert_eq!(
        bad_date.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad_date.body
    );
    assert_eq!(bad_date.body["field"], "due_back");
    let out = h
        .call("POST", "/api/charts/checkout", Some(&hana), Some(json!({ "barcode": barcode, "holder": "Dr. Osler", "location": "Clinic 4", "due_back": tomorrow.to_string() })))
        .await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    assert_eq!(out.body["holder"], "Dr. Osler");
    let twice = h
        .call(
            "POST",
            "/api/charts/checkout",
            Some(&hana),
            Some(json!({ "barcode": barcode, "holder": "X", "due_back": tomorrow.to_string() })),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(
        twice.body["error"]
            .as_str()
            .unwrap()
            .contains("already checked out to Dr. Osler")
    );

    h.clock.advance(time::Duration::days(3));
    let hana = h.login("hana").await;
    let overdue = h
        .call("GET", "/api/charts/overdue", Some(&hana), None)
        .await;
    assert_eq!(overdue.status, StatusCode::OK, "{}", overdue.body);
    assert_eq!(overdue.body.as_array().unwrap().len(), 1);
    assert_eq!(overdue.body[0]["volume"]["barcode"], barcode.as_str());
    let moved = h
        .call("POST", "/api/charts/transfer", Some(&hana), Some(json!({ "barcode": barcode, "holder": "Coding", "due_back": (today + time::Duration::days(9)).to_string() })))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let back = h
        .call(
            "POST",
            "/api/charts/checkin",
            Some(&hana),
            Some(json!({ "barcode": barcode })),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert_eq!(back.body["current_location"], "Shelf C-2");

    let day = h.now().date() + time::Duration::days(1);
    let asked = h
        .call("POST", "/api/charts/requests", Some(&hana), Some(json!({ "barcode": barcode, "requester": "Clinic 4", "needed_by": day.to_string(), "reason": "appointment" })))
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let id = asked.body["id"].as_i64().unwrap();
    let pull = h
        .call(
            "GET",
            &format!("/api/charts/requests?pull={day}"),
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(pull.body.as_array().unwrap().len(), 1, "{}", pull.body);
    let filled = h
        .call(
            "POST",
            &format!("/api/charts/requests/{id}/fill"),
            Some(&hana),
            Some(json!({})),
        )
        .await;
    assert_eq!(filled.status, StatusCode::OK, "{}", filled.body);
    assert_eq!(filled.body["request"]["status"], "filled");
    assert_eq!(filled.body["volume"]["holder"], "Clinic 4");
    let cancel_filled = h
        .call(
            "POST",
            &format!("/api/charts/requests/{id}/cancel"),
            Some(&hana),
            Some(json!({ "reason": "late" })),
        )
        .await;
    assert_eq!(cancel_filled.status, StatusCode::CONFLICT);
    let bad_id = h
        .call(
            "POST",
            "/api/charts/requests/x/fill",
            Some(&hana),
            Some(json!({})),
        )
        .await;
    assert_eq!(bad_id.status, StatusCode::UNPROCESSABLE_ENTITY);

    let label = h
        .send(
            "POST",
            "/api/charts/label",
            &[("cookie", hana.as_str())],
            Some(json!({ "barcode": barcode, "format": "svg" })),
        )
        .await;
    assert_eq!(label.status, StatusCode::OK);
    assert_eq!(label.headers["content-type"], "image/svg+xml");
    assert!(html(&label).contains("MRN M00000031"));
    let bad_format = h
        .call(
            "POST",
            "/api/charts/label",
            Some(&hana),
            Some(json!({ "barcode": barcode, "format": "gif" })),
        )
        .await;
    assert_eq!(bad_format.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A QR label carries the same barcode (chartlabel's tests decode it); an unknown
    // symbol is named.
    let qr = h
        .send(
            "POST",
            "/api/charts/label",
            &[("cookie", hana.as_str())],
            Some(json!({ "barcode": barcode, "format": "svg", "symbol": "qr" })),
        )
        .await;
    assert_eq!(qr.status, StatusCode::OK);
    assert!(html(&qr).contains("MRN M00000031"));
    assert_ne!(html(&qr), html(&label), "a different symbol");
    let bad_symbol = h
        .call(
            "POST",
            "/api/charts/label",
            Some(&hana),
            Some(json!({ "barcode": barcode, "symbol": "aztec" })),
        )
        .await;
    assert_eq!(bad_symbol.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_symbol.body["error"]
            .as_str()
            .unwrap()
            .contains("symbol")
    );

    let held = h
        .call("POST", "/api/holds", Some(&hana), Some(json!({ "patients": ["M00000031"], "matter": "Doe v. Clinic", "reason": "litigation" })))
        .await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.body);
    assert_eq!(held.body["patients"], json!([patient]));
    let unknown_patient = h
        .call(
            "POST",
            "/api/holds",
            Some(&hana),
            Some(json!({ "patients": ["NOPE1"], "reason": "x" })),
        )
        .await;
    assert_eq!(unknown_patient.status, StatusCode::UNPROCESSABLE_ENTITY);
    let holds = h.call("GET", "/api/holds", Some(&hana), None).await;
    assert_eq!(holds.body[0]["mrns"], json!(["M00000031"]));
    let hold_id = held.body["id"].as_i64().unwrap();
    let released = h
        .call(
            "POST",
            &format!("/api/holds/{hold_id}/release"),
            Some(&hana),
            Some(json!({ "reason": "settled" })),
        )
        .await;
    assert_eq!(released.status, StatusCode::OK, "{}", released.body);
    let report = h
        .call("GET", "/api/retention?as_of=2026-03-05", Some(&hana), None)
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    assert_eq!(report.body["charts"].as_array().unwrap().len(), 1);
    let bad_report = h
        .call("GET", "/api/retention?as_of=soon", Some(&hana), None)
        .await;
    assert_eq!(bad_report.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Every look and change is in the trail, naming the patient.
    let entries = h.audit();
    let about: Vec<_> = entries
        .iter()
        .filter(|e| {
            e.event.user == "hana"
                && (e.event.patient_id == Some(records::PatientId(patient))
                    || e.event.patients.contains(&records::PatientId(patient)))
        })
        .map(|e| e.event.action)
        .collect();
    for action in [Action::Read, Action::Update, Action::Create, Action::Print] {
        assert!(about.contains(&action), "{action:?} in {about:?}");
    }
}

#[tokio::test]
async fn the_records_desk_pages_scan_move_and_show_refusals_on_the_form() {
    let h = Harness::new();
    let (_, barcode) = volume(&h, "M00000041", "Shelf A-1");
    h.add_user("hana", &[Role::HimTechnician]);
    let hana = sign_in(&h, "hana").await;
    let start = h.call("GET", "/", Some(&hana), None).await;
    assert!(html(&start).contains("0 overdue"), "{}", html(&start));
    assert!(html(&start).contains("href=\"/charts\""));
    let desk = h.call("GET", "/charts", Some(&hana), None).await;
    assert_eq!(desk.status, StatusCode::OK, "{}", html(&desk));
    let form = token(&desk);
    let unknown = h
        .form(
            "/charts/find",
            Some(&hana),
            &[("token", &form), ("barcode", "M404-V1")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        html(&unknown).contains("no chart volume has the barcode &quot;M404-V1&quot;"),
        "{}",
        html(&unknown)
    );
    let found = h
        .form(
            "/charts/find",
            Some(&hana),
            &[("token", &form), ("barcode", &barcode.to_lowercase())],
        )
        .await;
    assert_eq!(found.status, StatusCode::SEE_OTHER);
    let page_path = location(&found).to_owned();
    let page = h.call("GET", &page_path, Some(&hana), None).await;
    assert!(html(&page).contains(&barcode));
    assert!(html(&page).contains("at Shelf A-1"));

    let past = (h.now().date() - time::Duration::days(1)).to_string();
    let refused = h
        .form(
            &format!("{page_path}/checkout"),
            Some(&hana),
            &[
                ("token", &form),
                ("holder", "Dr. Osler"),
                ("due_back", &past),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        html(&refused).contains("is in the past"),
        "{}",
        html(&refused)
    );
    let no_date = h
        .form(
            &format!("{page_path}/checkout"),
            Some(&hana),
            &[("token", &form), ("holder", "Dr. Osler"), ("due_back", "")],
        )
        .await;
    assert_eq!(no_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&no_date).contains("due_back: a date is required"),
        "{}",
        html(&no_date)
    );
    let due = (h.now().date() + time::Duration::days(2)).to_string();
    let out = h
        .form(
            &format!("{page_path}/checkout"),
            Some(&hana),
            &[
                ("token", &form),
                ("holder", "Dr. Osler"),
                ("location", "Clinic 4"),
                ("due_back", &due),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", html(&out));
    let page = h.call("GET", location(&out), Some(&hana), None).await;
    assert!(html(&page).contains("checked out to Dr. Osler at Clinic 4"));

    let day = (h.now().date() + time::Duration::days(1)).to_string();
    let asked = h
        .form(
            &format!("{page_path}/request"),
            Some(&hana),
            &[
                ("token", &form),
                ("requester", "Clinic 9"),
                ("needed_by", &day),
                ("reason", "appointment"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", html(&asked));
    let queue = h.call("GET", "/charts/requests", Some(&hana), None).await;
    assert!(
        html(&queue).contains("Clinic 9 at Clinic 9"),
        "{}",
        html(&queue)
    );
    // Filling while the chart is still out is refused on the queue page.
    let id = h
        .store
        .read(|tx| tx.pull_list(h.now().date() + time::Duration::days(1)))
        .unwrap()[0]
        .request
        .id;
    let busy = h
        .form(
            &format!("/charts/requests/{id}/fill"),
            Some(&hana),
            &[("token", &form), ("day", &day)],
        )
        .await;
    assert_eq!(busy.status, StatusCode::CONFLICT);
    assert!(html(&busy).contains("already checked out to Dr. Osler"));
    let back = h
        .form(
            &format!("{page_path}/checkin"),
            Some(&hana),
            &[("token", &form)],
        )
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let filled = h
        .form(
            &format!("/charts/requests/{id}/fill"),
            Some(&hana),
            &[("token", &form), ("day", &day)],
        )
        .await;
    assert_eq!(filled.status, StatusCode::SEE_OTHER, "{}", html(&filled));
    let start = h.call("GET", "/", Some(&hana), None).await;
    assert!(
        html(&start).contains("0 requested by tomorrow"),
        "{}",
        html(&start)
    );

    let png = h
        .call(
            "GET",
            &format!("{page_path}/label?format=png"),
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(png.headers["content-type"], "image/png");
    let gif = h
        .call(
            "GET",
            &format!("{page_path}/label?format=gif"),
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(gif.status, StatusCode::UNPROCESSABLE_ENTITY);
    let qr = h
        .call(
            "GET",
            &format!("{page_path}/label?format=png&symbol=qr"),
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(qr.status, StatusCode::OK);
    assert_eq!(qr.headers["content-type"], "image/png");
    let missing = h
        .call("GET", "/charts/volumes/999", Some(&hana), None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let no_reason = h
        .form(
            "/holds",
            Some(&hana),
            &[("token", &form), ("patients", "M00000041"), ("reason", "")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&no_reason).contains("reason: say why the records must be kept"));
    let placed = h
        .form(
            "/holds",
            Some(&hana),
            &[
                ("token", &form),
                ("patients", "M00000041"),
                ("matter", "Roe"),
                ("reason", "subpoena"),
            ],
        )
        .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", html(&placed));
    let holds = h.call("GET", "/holds", Some(&hana), None).await;
    assert!(html(&holds).contains("M00000041"));
    assert!(html(&holds).contains("subpoena"));
    let retention = h.call("GET", "/retention", Some(&hana), None).await;
    assert_eq!(retention.status, StatusCode::OK, "{}", html(&retention));
    let bad = h
        .call("GET", "/retention?as_of=tomorrow", Some(&hana), None)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// The desk's photo form posted as a phone's browser posts it.
async fn photo(h: &Harness, cookie: &str, token: &str, bytes: &[u8]) -> crate::harness::Reply {
    let boundary = "chartroomphoto";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n{token}\r\n\
--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"label.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    h.send_raw(
        "POST",
        "/charts/photo",
        &[
            ("content-type", &content_type),
            ("sec-fetch-site", "same-origin"),
            ("cookie", cookie),
        ],
        &body,
    )
    .await
}

fn jpeg(image: image::DynamicImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_photo_of_a_label_finds_its_chart_and_an_unreadable_one_says_what_to_do() {
    let h = Harness::new();
    let (patient, barcode) = volume(&h, "M00000051", "Shelf D-4");
    h.add_user("hana", &[Role::HimTechnician]);
    let hana = sign_in(&h, "hana").await;
    let desk = h.call("GET", "/charts", Some(&hana), None).await;
    assert!(
        html(&desk).contains("capture=\"environment\""),
        "{}",
        html(&desk)
    );
    let form = token(&desk);

    let label = chartlabel::render(
        &chartlabel::Label {
            barcode: &barcode,
            name: "Photo, Pia",
            mrn: "M00000051",
            volume: 1,
            home: "Shelf D-4",
        },
        chartlabel::Format::Png,
    )
    .unwrap();
    let snapshot = jpeg(image::load_from_memory(&label).unwrap().rotate90());
    let found = photo(&h, &hana, &form, &snapshot).await;
    assert_eq!(found.status, StatusCode::SEE_OTHER, "{}", html(&found));
    let page = h.call("GET", location(&found), Some(&hana), None).await;
    assert!(html(&page).contains(&barcode), "{}", html(&page));
    let finds = h
        .audit()
        .into_iter()
        .filter(|e| {
            e.event.user == "hana" && e.event.patient_id == Some(records::PatientId(patient))
        })
        .count();
    assert!(finds > 0, "the find is audited against the patient");

    let blank = jpeg(image::DynamicImage::ImageLuma8(
        image::GrayImage::from_pixel(640, 480, image::Luma([210])),
    ));
    let unread = photo(&h, &hana, &form, &blank).await;
    assert_eq!(unread.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&unread).contains("no chart barcode could be read"),
        "{}",
        html(&unread)
    );
    let not_photo = photo(&h, &hana, &form, b"%PDF-1.7").await;
    assert_eq!(not_photo.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&not_photo).contains("not a JPEG or PNG"),
        "{}",
        html(&not_photo)
    );
    let forged = photo(&h, &hana, "not-the-token", &snapshot).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", html(&forged));
}
