//! FHIR `Claim` and `ExplanationOfBenefit` from the stored claims: an office visit's claim
//! drafted, scrubbed and submitted, its 835 posted over `/api/remittances`, then the Claim
//! and the payer's decision read and searched field by field, every read audited, bad
//! input answered with an OperationOutcome, charges as `ChargeItem`. Both backends.

use crate::fhir_identifiers::ids as matches;
use crate::fhir_rest::fhir;
use crate::fhir_schema::keep;
use crate::harness::{Harness, Reply, on_both_backends};
use axum::http::StatusCode;
use privacy::{Action, Channel, DataCategory, Role};
use records::*;
use serde_json::{Value, json};
use time::macros::{date, datetime};
use tokio::runtime::Runtime;

/// The 835 of the claim `clp01`: $100.00 paid of $150.50 (BPR16 2026-03-15); the visit
/// CO-45 $10.50 and PR-2 $15.00, the strep test denied CO-97 $20.00 with PR-2 $5.00.
fn era(clp01: &str) -> String {
    format!(
        "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*CHARTROOM01    *260315*1200*^*00501*000000412*0*P*:~\
GS*HP*PAYER01*CHARTROOM01*20260315*1200*412*X*005010X221A1~ST*835*0001~BPR*I*100*C*CHK************20260315~\
TRN*1*CHK4120*1512345678~N1*PR*EXAMPLE HEALTH PLAN~N1*PE*MAPLE FAMILY PRACTICE*XX*1234567893~LX*1~\
CLP*{clp01}*1*150.5*100*20*12*PCN777~\
SVC*HC:99213:25*125.5*100**1~CAS*CO*45*10.5~CAS*PR*2*15~\
SVC*HC:87880*25*0**1~CAS*CO*97*20~CAS*PR*2*5~SE*14*0001~GE*1*412~IEA*1*000000412~"
    )
}

fn submitter() -> claims::Submitter {
    claims::Submitter {
        name: "SPRINGFIELD GENERAL BILLING".into(),
        id: "CHARTROOM01".into(),
        contact: "Billing Office".into(),
        phone: "4135550100".into(),
        receiver_name: "CLEARINGHOUSE".into(),
        receiver_id: "CLEARHOUSE01".into(),
        billing_tax_id: "043456789".into(),
        production: false,
    }
}

/// The office visit's claim drafted, scrubbed clean and sent: its ids.
fn submitted_claim(h: &Harness) -> (test_support::billing::Ids, i64) {
    let actor = store::Actor::new("test:biller");
    let ids = h
        .store
        .write(|tx| test_support::billing::office_visit(tx, Relationship::SelfSubscriber))
        .unwrap();
    let drafted = h
        .store
        .write(|tx| {
            claims::draft_claim(
                tx,
                &actor,
                ids.encounter,
                CoverageOrder::Primary,
                ClaimKind::Professional,
            )
        })
        .unwrap()
        .unwrap();
    let id = drafted.meta.id;
    let codes = codes::CodeSets::embedded().unwrap();
    let settings = claims::ScrubSettings::default();
    let scrubber = claims::Scrubber {
        codes: &codes,
        settings: &settings,
        today: date!(2026 - 02 - 20),
    };
    let scrubbed = h
        .store
        .write(|tx| claims::scrub_claim(tx, &actor, &scrubber, id))
        .unwrap();
    assert_eq!(
        scrubbed.record.status,
        ClaimStatus::Scrubbed,
        "{scrubbed:?}"
    );
    let sent = h
        .store
        .write(|tx| {
            claims::submit_claims(
                tx,
                &actor,
                &[ClaimId(id)],
                &submitter(),
                datetime!(2026-02-20 10:00),
                x12::Delimiters::default(),
            )
        })
        .unwrap();
    assert_eq!(sent.sent.len(), 1, "{:?}", sent.held);
    (ids, id)
}

fn coverage_of(h: &Harness, patient: PatientId) -> i64 {
    h.store
        .read(|tx| tx.for_patient::<Coverage>(patient.0))
        .unwrap()[0]
        .meta
        .id
}

fn money(value: &str) -> Value {
    json!({"value": value.parse::<f64>().unwrap(), "currency": "USD"})
}

/// The `[system, code]` of a CodeableConcept's first coding.
fn coded(concept: &Value) -> (String, String) {
    let coding = &concept["coding"][0];
    (
        coding["system"].as_str().unwrap_or_default().to_owned(),
        coding["code"].as_str().unwrap_or_default().to_owned(),
    )
}

fn check_claim(claim: &Value, ids: &test_support::billing::Ids, id: i64, coverage: i64) {
    assert_eq!(claim["resourceType"], "Claim");
    assert_eq!(claim["id"], id.to_string());
    assert_eq!(
        claim["identifier"],
        json!([
            {"system": fhir::CLAIM_CONTROL_NUMBER, "value": format!("E{}", ids.encounter.0)},
            {"system": fhir::PAYER_CLAIM_NUMBER, "value": "PCN777"},
        ])
    );
    assert_eq!(claim["status"], "active");
    assert_eq!(
        coded(&claim["type"]),
        (fhir::CLAIM_TYPE.to_owned(), "professional".to_owned())
    );
    assert_eq!(claim["use"], "claim");
    assert_eq!(
        claim["patient"]["reference"],
        format!("Patient/{}", ids.patient.0)
    );
    assert_eq!(claim["created"], "2026-03-02T14:00:00Z");
    assert_eq!(
        claim["insurer"]["reference"],
        format!("Organization/payer-{}", ids.payer)
    );
    assert_eq!(
        claim["provider"],
        json!({
            "identifier": {"system": fhir::NPI, "value": Npi::from_base(123_456_789).to_string()},
            "display": "Maple Family Practice",
        })
    );
    assert_eq!(coded(&claim["priority"]).1, "normal");
    let diagnoses: Vec<(u64, String)> = claim["diagnosis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let (system, code) = coded(&d["diagnosisCodeableConcept"]);
            assert_eq!(system, fhir::ICD10CM);
            (d["sequence"].as_u64().unwrap(), code)
        })
        .collect();
    assert_eq!(
        diagnoses,
        [
            (1, "J02.9".to_owned()),
            (2, "E11.9".to_owned()),
            (3, "I10".to_owned())
        ],
        "first-listed first, then by sequence"
    );
    assert!(
        claim.get("procedure").is_none(),
        "ICD-10-PCS is institutional"
    );
    assert_eq!(
        claim["insurance"],
        json!([{"sequence": 1, "focal": true, "coverage": {"reference": format!("Coverage/{coverage}")}}])
    );
    let items = claim["item"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let visit = &items[0];
    assert_eq!(visit["sequence"], 1);
    assert_eq!(visit["diagnosisSequence"], json!([1, 2, 3]));
    assert_eq!(
        coded(&visit["productOrService"]),
        (fhir::CPT.to_owned(), "99213".to_owned())
    );
    assert_eq!(
        visit["modifier"]
            .as_array()
            .unwrap()
            .iter()
            .map(coded)
            .collect::<Vec<_>>(),
        [(fhir::CPT.to_owned(), "25".to_owned())]
    );
    assert_eq!(visit["servicedDate"], "2026-02-10");
    assert_eq!(
        coded(&visit["locationCodeableConcept"]),
        (fhir::PLACE_OF_SERVICE.to_owned(), "11".to_owned())
    );
    assert_eq!(visit["quantity"]["value"], 1);
    assert_eq!(visit["unitPrice"], money("125.50"));
    assert_eq!(visit["net"], money("125.50"));
    assert_eq!(coded(&items[1]["productOrService"]).1, "87880");
    assert!(items[1].get("modifier").is_none());
    assert_eq!(items[1]["net"], money("25.00"));
    assert_eq!(claim["total"], money("150.50"));
    assert!(claim.get("related").is_none(), "an original claim");
}

/// One adjudication amount of a line: (category system, category, reason, amount).
fn amounts(item: &Value) -> Vec<(String, String, String, f64)> {
    item["adjudication"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let (system, category) = coded(&a["category"]);
            let reason = if a["reason"].is_null() {
                String::new()
            } else {
                let (reason_system, reason) = coded(&a["reason"]);
                assert_eq!(reason_system, fhir::CARC);
                reason
            };
            assert_eq!(a["amount"]["currency"], "USD");
            (
                system,
                category,
                reason,
                a["amount"]["value"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn check_benefit(eob: &Value, ids: &test_support::billing::Ids, id: i64, coverage: i64) {
    assert_eq!(eob["resourceType"], "ExplanationOfBenefit");
    assert_eq!(eob["id"], id.to_string());
    assert_eq!(
        eob["identifier"],
        json!([{"system": fhir::PAYER_CLAIM_NUMBER, "value": "PCN777"}])
    );
    assert_eq!(eob["status"], "active");
    assert_eq!(coded(&eob["type"]).1, "professional");
    assert_eq!(eob["use"], "claim");
    assert_eq!(
        eob["patient"]["reference"],
        format!("Patient/{}", ids.patient.0)
    );
    assert_eq!(eob["created"], "2026-03-02", "the day the 835 was posted");
    assert_eq!(
        eob["insurer"]["reference"],
        format!("Organization/payer-{}", ids.payer)
    );
    assert_eq!(eob["provider"]["display"], "Maple Family Practice");
    assert_eq!(eob["claim"]["reference"], format!("Claim/{id}"));
    assert_eq!(eob["outcome"], "partial", "the strep test was denied");
    assert!(
        eob["disposition"]
            .as_str()
            .unwrap()
            .starts_with("partially_paid: CO-97: "),
        "{}",
        eob["disposition"]
    );
    assert_eq!(
        eob["insurance"],
        json!([{"focal": true, "coverage": {"reference": format!("Coverage/{coverage}")}}])
    );
    let items = eob["item"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(coded(&items[0]["productOrService"]).1, "99213");
    assert_eq!(coded(&items[0]["modifier"][0]).1, "25");
    let adjudication = fhir::ADJUDICATION.to_owned();
    let group = fhir::CAS_GROUP.to_owned();
    let row = |system: &String, category: &str, reason: &str, amount: f64| {
        (
            system.clone(),
            category.to_owned(),
            reason.to_owned(),
            amount,
        )
    };
    assert_eq!(
        amounts(&items[0]),
        [
            row(&adjudication, "submitted", "", 125.5),
            row(&adjudication, "eligible", "", 115.0),
            row(&adjudication, "benefit", "", 100.0),
            row(&group, "CO", "45", 10.5),
            row(&group, "PR", "2", 15.0),
        ]
    );
    assert_eq!(
        amounts(&items[1]),
        [
            row(&adjudication, "submitted", "", 25.0),
            row(&adjudication, "eligible", "", 5.0),
            row(&adjudication, "benefit", "", 0.0),
            row(&group, "CO", "97", 20.0),
            row(&group, "PR", "2", 5.0),
        ]
    );
    let co97 = &items[1]["adjudication"][3];
    assert_eq!(
        co97["category"]["coding"][0]["display"],
        "Contractual Obligation"
    );
    assert!(
        co97["reason"]["coding"][0]["display"]
            .as_str()
            .unwrap()
            .starts_with("The benefit for this service is included in the payment/allowance"),
        "the CARC list's description: {co97}"
    );
    assert!(eob.get("adjudication").is_none(), "no claim-level CAS");
    assert_eq!(
        eob["total"],
        json!([
            {"category": {"coding": [{"system": fhir::ADJUDICATION, "code": "submitted"}]}, "amount": money("150.50")},
            {"category": {"coding": [{"system": fhir::ADJUDICATION, "code": "benefit"}]}, "amount": money("100.00")},
        ])
    );
    assert_eq!(
        eob["payment"],
        json!({
            "type": {"coding": [{"system": fhir::PAYMENT_TYPE, "code": "partial"}]},
            "date": "2026-03-15",
            "amount": money("100.00"),
        })
    );
}

fn get(h: &Harness, rt: &Runtime, cookie: &str, uri: &str) -> Reply {
    rt.block_on(fhir(h, "GET", uri, cookie, None, &[]))
}

fn billing_reads_and_searches_claims_and_benefits(h: &Harness, rt: &Runtime) {
    let (ids, id) = submitted_claim(h);
    let coverage = coverage_of(h, ids.patient);
    h.add_user("bo", &[Role::Billing]);
    h.add_user("doc", &[Role::Physician]);
    let bo = rt.block_on(h.login("bo"));
    let doc = rt.block_on(h.login("doc"));
    let patient = ids.patient.0;

    // Sent, not yet decided: an active Claim and no ExplanationOfBenefit.
    let sent = get(h, rt, &bo, &format!("/fhir/Claim/{id}"));
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(sent.body["status"], "active");
    assert_eq!(sent.body["identifier"].as_array().unwrap().len(), 1);
    let undecided = get(h, rt, &bo, &format!("/fhir/ExplanationOfBenefit/{id}"));
    assert_eq!(
        undecided.status,
        StatusCode::NOT_FOUND,
        "{}",
        undecided.body
    );
    assert_eq!(undecided.body["resourceType"], "OperationOutcome");
    let none = get(
        h,
        rt,
        &bo,
        &format!("/fhir/ExplanationOfBenefit?patient={patient}"),
    );
    assert_eq!(matches(&none), Vec::<String>::new());

    // The 835 posted as billing posts it.
    let posted = rt.block_on(h.call(
        "POST",
        "/api/remittances",
        Some(&bo),
        Some(json!({"file_name": "era-0412.835", "x12": era(&format!("E{}", ids.encounter.0))})),
    ));
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.body);

    let claim = get(h, rt, &bo, &format!("/fhir/Claim/{id}"));
    assert_eq!(claim.status, StatusCode::OK, "{}", claim.body);
    check_claim(&claim.body, &ids, id, coverage);
    keep("claim-read", &claim);
    let eob = get(h, rt, &bo, &format!("/fhir/ExplanationOfBenefit/{id}"));
    assert_eq!(eob.status, StatusCode::OK, "{}", eob.body);
    check_benefit(&eob.body, &ids, id, coverage);
    keep("explanation-of-benefit-read", &eob);
    let history = get(
        h,
        rt,
        &bo,
        &format!("/fhir/ExplanationOfBenefit/{id}/_history"),
    );
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    assert_eq!(
        history.body["entry"].as_array().unwrap().len(),
        1,
        "only the claim's versions since the 835 are benefits: {}",
        history.body
    );

    // Searches: each parameter narrows, a value that matches nothing finds nothing.
    let me = vec![id.to_string()];
    for (uri, expected) in [
        (format!("/fhir/Claim?patient={patient}"), me.clone()),
        (
            format!(
                "/fhir/Claim?patient=Patient/{patient}&status=active&use=claim&created=ge2026-03-01&_count=5"
            ),
            me.clone(),
        ),
        (
            format!("/fhir/Claim?patient={patient}&status=draft"),
            vec![],
        ),
        (
            format!("/fhir/Claim?patient={patient}&use=preauthorization"),
            vec![],
        ),
        (
            format!("/fhir/Claim?patient={patient}&created=lt2026-03-01"),
            vec![],
        ),
        (
            format!("/fhir/Claim?identifier=E{}", ids.encounter.0),
            me.clone(),
        ),
        ("/fhir/Claim?identifier=PCN777".to_owned(), me.clone()),
        (
            format!("/fhir/ExplanationOfBenefit?patient={patient}&status=active"),
            me.clone(),
        ),
        (
            format!("/fhir/ExplanationOfBenefit?claim=Claim/{id}"),
            me.clone(),
        ),
        (
            format!("/fhir/ExplanationOfBenefit?claim={}", id + 1000),
            vec![],
        ),
        (
            "/fhir/ExplanationOfBenefit?created=2026-03-02".to_owned(),
            me.clone(),
        ),
        (
            "/fhir/ExplanationOfBenefit?created=2026-03-03".to_owned(),
            vec![],
        ),
        (
            format!("/fhir/ExplanationOfBenefit?patient={patient}&status=cancelled"),
            vec![],
        ),
    ] {
        let found = get(h, rt, &bo, &uri);
        assert_eq!(found.status, StatusCode::OK, "{uri}: {}", found.body);
        assert_eq!(found.body["type"], "searchset");
        assert_eq!(matches(&found), expected, "{uri}: {}", found.body);
    }
    let claims = get(
        h,
        rt,
        &bo,
        &format!("/fhir/Claim?patient={patient}&_include=Claim:patient"),
    );
    check_claim(&claims.body["entry"][0]["resource"], &ids, id, coverage);
    keep("claim-search", &claims);
    let benefits = get(
        h,
        rt,
        &bo,
        &format!("/fhir/ExplanationOfBenefit?patient={patient}&_total=accurate"),
    );
    assert_eq!(benefits.body["total"], 1);
    check_benefit(&benefits.body["entry"][0]["resource"], &ids, id, coverage);
    keep("explanation-of-benefit-search", &benefits);

    // A correction: a draft Claim naming the original and the payer's number for it.
    let replacement = h
        .store
        .write(|tx| {
            claims::draft_replacement(
                tx,
                &store::Actor::new("test:biller"),
                ClaimId(id),
                ClaimFrequency::Replacement,
            )
        })
        .unwrap()
        .meta
        .id;
    let corrected = get(h, rt, &bo, &format!("/fhir/Claim/{replacement}"));
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.body);
    assert_eq!(corrected.body["status"], "draft");
    assert_eq!(
        corrected.body["related"],
        json!([{
            "claim": {"reference": format!("Claim/{id}")},
            "relationship": {"coding": [{"system": fhir::RELATED_CLAIM, "code": "prior"}]},
            "reference": {"system": fhir::PAYER_CLAIM_NUMBER, "value": "PCN777"},
        }])
    );
    keep("claim-replacement-read", &corrected);
    let drafts = get(
        h,
        rt,
        &bo,
        &format!("/fhir/Claim?patient={patient}&status=draft"),
    );
    assert_eq!(matches(&drafts), [replacement.to_string()]);
    let undecided = get(
        h,
        rt,
        &bo,
        &format!("/fhir/ExplanationOfBenefit/{replacement}"),
    );
    assert_eq!(undecided.status, StatusCode::NOT_FOUND);

    // Charges are ChargeItems now.
    let charges = get(
        h,
        rt,
        &bo,
        &format!("/fhir/ChargeItem?patient={patient}&status=billable&occurrence=2026-02-10"),
    );
    assert_eq!(charges.status, StatusCode::OK, "{}", charges.body);
    let charge = &charges.body["entry"][0]["resource"];
    assert_eq!(charge["resourceType"], "ChargeItem");
    assert_eq!(
        coded(&charge["code"]),
        (fhir::CPT.to_owned(), "99213".to_owned())
    );
    assert_eq!(
        charge["context"]["reference"],
        format!("Encounter/{}", ids.encounter.0)
    );
    assert_eq!(charge["priceOverride"], money("125.50"));
    keep("charge-item-search", &charges);

    // Bad input: an OperationOutcome with 400 or 404, never a 500.
    for (uri, status, strict) in [
        ("/fhir/Claim/abc".to_owned(), StatusCode::NOT_FOUND, false),
        (
            "/fhir/Claim/999999".to_owned(),
            StatusCode::NOT_FOUND,
            false,
        ),
        (
            "/fhir/ExplanationOfBenefit/-4".to_owned(),
            StatusCode::NOT_FOUND,
            false,
        ),
        (
            "/fhir/Claim?created=yesterday".to_owned(),
            StatusCode::BAD_REQUEST,
            false,
        ),
        (
            "/fhir/ExplanationOfBenefit?created=2026-13-45".to_owned(),
            StatusCode::BAD_REQUEST,
            false,
        ),
        (
            "/fhir/Claim?_count=x".to_owned(),
            StatusCode::BAD_REQUEST,
            false,
        ),
        (
            "/fhir/Claim?insurer-name=x".to_owned(),
            StatusCode::BAD_REQUEST,
            true,
        ),
        (
            "/fhir/ExplanationOfBenefit?provider=x".to_owned(),
            StatusCode::BAD_REQUEST,
            true,
        ),
    ] {
        let extra: &[(&str, &str)] = if strict {
            &[("prefer", "handling=strict")]
        } else {
            &[]
        };
        let reply = rt.block_on(fhir(h, "GET", &uri, &bo, None, extra));
        assert_eq!(reply.status, status, "{uri}: {}", reply.body);
        assert_eq!(reply.body["resourceType"], "OperationOutcome", "{uri}");
    }
    let lenient = get(h, rt, &bo, "/fhir/Claim?insurer-name=x");
    assert_eq!(lenient.status, StatusCode::OK);
    assert!(
        lenient.body.to_string().contains("insurer-name"),
        "an unknown parameter is named in an outcome entry: {}",
        lenient.body
    );

    // Claims are billing's: a physician without billing-read is refused, audited.
    let refused = get(h, rt, &doc, &format!("/fhir/Claim/{id}"));
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let refused = get(h, rt, &doc, "/fhir/ExplanationOfBenefit");
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    // Every read is audited on the FHIR channel as a read of the patient's billing.
    let reads: Vec<_> = h
        .audit()
        .into_iter()
        .filter(|e| {
            e.event.channel == Channel::Fhir
                && e.event.action == Action::Read
                && e.event.user == "bo"
                && e.event.record_kind.as_deref() == Some("claim")
                && e.event.record_id == Some(id)
        })
        .collect();
    assert!(
        reads.len() >= 3,
        "the Claim reads and the benefit read: {}",
        reads.len()
    );
    assert!(reads.iter().all(|e| e.event.patient_id == Some(ids.patient)
        && e.event.categories.contains(&DataCategory::Billing)));
    let searches = h
        .audit()
        .into_iter()
        .filter(|e| {
            e.event.user == "bo"
                && e.event.action == Action::Read
                && e.event.patient_id == Some(ids.patient)
                && e.event
                    .reason
                    .as_deref()
                    .is_some_and(|r| r.contains("FHIR search ExplanationOfBenefit"))
        })
        .count();
    assert!(
        searches >= 4,
        "each search that showed the patient: {searches}"
    );
}

#[test]
fn billing_reads_and_searches_claims_and_explanations_of_benefit() {
    on_both_backends(billing_reads_and_searches_claims_and_benefits);
}
