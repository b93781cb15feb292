//! Billing posts 835s on the page and over `/api/remittances`: the file posts whole or not
//! at all, posting again changes nothing, what it did is shown, and other roles are refused.

use crate::harness::Harness;
use crate::pages::{html, page_token, sign_in};
use axum::http::StatusCode;
use privacy::Role;
use records::*;
use serde_json::json;
use time::macros::date;

/// A submitted claim for a visit of `patient` with one charged service: the encounter.
fn submitted_claim(h: &Harness, patient: i64) -> i64 {
    let (encounter, payer) = h.add_billed_visit(patient);
    h.store
        .write(|tx| {
            let actor = store::Actor::new("test");
            tx.create(
                &actor,
                &Charge {
                    patient_id: PatientId(patient),
                    encounter_id: Some(EncounterId(encounter)),
                    procedure_id: None,
                    code: Some("99213".into()),
                    description: "Office visit".into(),
                    service_date: date!(2026 - 02 - 10),
                    amount_cents: 15_050,
                    units: 1,
                    payer_id: Some(PayerId(payer)),
                    due_date: None,
                },
            )?;
            tx.create(
                &actor,
                &Claim {
                    status: ClaimStatus::Submitted,
                    ..crate::harness::office_visit_claim(patient, encounter, payer)
                },
            )
        })
        .unwrap();
    encounter
}

/// An 835 paying $100.00 on the claim of `encounter`, $50.00 left to the patient; `bpr` is
/// what BPR02 says was paid.
fn era(encounter: i64, bpr: &str) -> String {
    format!(
        "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*CHARTROOM01    *260315*1200*^*00501*000000321*0*P*:~\
GS*HP*PAYER01*CHARTROOM01*20260315*1200*321*X*005010X221A1~ST*835*0001~BPR*I*{bpr}*C*CHK************20260315~\
TRN*1*CHK5150*1512345678~N1*PR*EXAMPLE HEALTH PLAN~N1*PE*MAPLE FAMILY PRACTICE*XX*1234567893~LX*1~\
CLP*E{encounter}*1*150.5*100*50*12*PCN5150~SVC*HC:99213*150.5*100**1~CAS*CO*45*0.5~CAS*PR*2*50~\
SE*11*0001~GE*1*321~IEA*1*000000321~"
    )
}

/// The page's upload form posted as a browser posts it.
async fn upload(
    h: &Harness,
    cookie: &str,
    token: &str,
    name: &str,
    text: &str,
) -> crate::harness::Reply {
    let boundary = "chartroom835";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n{token}\r\n\
--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/edi-x12\r\n\r\n{text}\r\n\
--{boundary}--\r\n"
    );
    let content_type = format!("multipart/form-data; boundary={boundary}");
    h.send_raw(
        "POST",
        "/claims/remittances",
        &[
            ("content-type", &content_type),
            ("sec-fetch-site", "same-origin"),
            ("cookie", cookie),
        ],
        &body,
    )
    .await
}

#[tokio::test]
async fn billing_posts_an_835_on_the_page_once_and_whole() {
    let h = Harness::new();
    let patient = h.add_patient("P835");
    let encounter = submitted_claim(&h, patient);
    h.add_user("bo", &[Role::Billing]);
    h.add_user("doc", &[Role::Physician]);
    let bo = sign_in(&h, "bo").await;
    let doc = sign_in(&h, "doc").await;

    let empty = h.call("GET", "/claims/remittances", Some(&bo), None).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(html(&empty).contains("No 835 has been received yet."));
    assert!(html(&empty).contains("Post the 835"));
    let refused = h.call("GET", "/claims/remittances", Some(&doc), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let token = page_token(&h, &bo).await;
    // A file that does not balance posts nothing and says why.
    let unbalanced = upload(&h, &bo, &token, "era-bad.835", &era(encounter, "90")).await;
    assert_eq!(unbalanced.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&unbalanced)
            .contains("era-bad.835: the remittance does not balance, nothing was posted"),
        "{}",
        html(&unbalanced)
    );
    assert!(html(&unbalanced).contains("No 835 has been received yet."));

    let posted = upload(&h, &bo, &token, "era-0315.835", &era(encounter, "100")).await;
    assert_eq!(posted.status, StatusCode::OK, "{}", html(&posted));
    let page = html(&posted);
    for expected in [
        "EXAMPLE HEALTH PLAN, trace CHK5150",
        "1 claim payments posted, 0 already posted before; paid $100.00, written off $0.50, left to patients $50.00.",
        "CHK5150",
        "posted",
    ] {
        assert!(page.contains(expected), "{expected} in {page}");
    }
    let again = upload(&h, &bo, &token, "era-0315.835", &era(encounter, "100")).await;
    assert!(
        html(&again).contains("0 claim payments posted, 1 already posted before"),
        "{}",
        html(&again)
    );
    let claim = h
        .store
        .read(|tx| tx.select::<Claim>("encounter_id = ?", &[store::Value::Int(encounter)], "id", 1))
        .unwrap()
        .remove(0);
    assert_eq!(claim.record.status, ClaimStatus::Paid);
    let shown = h
        .call(
            "GET",
            &format!("/claims/{}", claim.meta.id),
            Some(&bo),
            None,
        )
        .await;
    assert!(
        html(&shown).contains("The payer's decision"),
        "{}",
        html(&shown)
    );
    assert!(html(&shown).contains("PR-2 $50.00"), "{}", html(&shown));

    // The posting's writes are sealed as billing's, naming the file.
    assert!(
        h.audit().iter().any(|e| e.event.user == "bo"
            && e.event
                .reason
                .as_deref()
                .is_some_and(|r| r.starts_with("835 posted from era-0315.835: "))),
        "the posting is audited as the user's: {:#?}",
        h.audit()
            .iter()
            .rev()
            .take(4)
            .map(|e| (&e.event.user, &e.event.reason, &e.event.action))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn the_api_lists_and_posts_835s() {
    let h = Harness::new();
    let patient = h.add_patient("P836");
    let encounter = submitted_claim(&h, patient);
    h.add_user("bo", &[Role::Billing]);
    h.add_user("doc", &[Role::Physician]);
    let bo = h.login("bo").await;
    let doc = h.login("doc").await;

    let bad = h
        .call(
            "POST",
            "/api/remittances",
            Some(&bo),
            Some(json!({ "file_name": "cut.835", "x12": "ISA*00*" })),
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        bad.body
    );
    assert!(
        bad.body.to_string().contains("cut.835 was not posted"),
        "{:?}",
        bad.body
    );

    let refused = h
        .call(
            "POST",
            "/api/remittances",
            Some(&doc),
            Some(json!({ "file_name": "era.835", "x12": era(encounter, "100") })),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let posted = h
        .call(
            "POST",
            "/api/remittances",
            Some(&bo),
            Some(json!({ "file_name": "era.835", "x12": era(encounter, "100") })),
        )
        .await;
    assert_eq!(posted.status, StatusCode::OK, "{:?}", posted.body);
    let first = &posted.body["posted"][0];
    assert_eq!(first["trace"], "CHK5150");
    assert_eq!(first["posted"], 1);
    assert_eq!(first["paid_cents"], 10_000);
    assert_eq!(first["patient_responsibility_cents"], 5_000);
    assert_eq!(first["adjudicated"][0]["status"], "paid");

    let listed = h.call("GET", "/api/remittances", Some(&bo), None).await;
    assert_eq!(listed.status, StatusCode::OK);
    let remittances = listed.body["remittances"].as_array().unwrap();
    assert_eq!(remittances.len(), 1);
    assert_eq!(
        remittances[0]["record"]["trace"], "CHK5150",
        "{remittances:?}"
    );
    assert_eq!(remittances[0]["record"]["status"], "posted");
}
