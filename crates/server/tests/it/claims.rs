//! Billing's claim pages and `/api/claims`: the list with status counts, a claim with its
//! scrub results and overrides, the denials queue by reason, A/R aging by payer; other
//! roles are refused, and listing is audited per patient.

use crate::harness::Harness;
use crate::pages::{html, page_token, sign_in};
use axum::http::StatusCode;
use privacy::Role;
use records::*;
use time::macros::{date, datetime};

/// A denied claim and a submitted one for `patient`, to one payer.
fn claims_on_file(h: &Harness, patient: i64) -> (i64, i64) {
    let (encounter, payer) = h.add_billed_visit(patient);
    h.store
        .write(|tx| {
            let actor = store::Actor::new("test");
            let base = crate::harness::office_visit_claim(patient, encounter, payer);
            let denied = tx.create(
                &actor,
                &Claim {
                    status: ClaimStatus::Denied,
                    adjustment_codes: vec!["CO-97".into()],
                    status_reason: Some("CO-97: bundled".into()),
                    edits: vec![ClaimEdit {
                        rule: "timely-filing".into(),
                        source: "payer filing limits".into(),
                        field: "2400 DTP03 (date of service)".into(),
                        message: "200 days since the date of service".into(),
                        blocking: true,
                    }],
                    overrides: vec![EditOverride {
                        key: "timely-filing @ 2400 DTP03 (date of service)".into(),
                        reason: "payer granted an extension".into(),
                        by: "bo".into(),
                        at: datetime!(2026-02-11 09:00 UTC),
                    }],
                    ..base.clone()
                },
            )?;
            let submitted = tx.create(
                &actor,
                &Claim {
                    status: ClaimStatus::Submitted,
                    control_number: format!("E{encounter}I"),
                    kind: ClaimKind::Institutional,
                    total_cents: 40_000,
                    ..base
                },
            )?;
            Ok((denied.meta.id, submitted.meta.id))
        })
        .unwrap()
}

#[tokio::test]
async fn billing_sees_claims_denials_and_aging() {
    let h = Harness::new();
    let patient = h.add_patient("P715");
    let (denied, submitted) = claims_on_file(&h, patient);
    h.add_user("bo", &[Role::Billing]);
    h.add_user("fran", &[Role::FrontDesk]);
    let bo = sign_in(&h, "bo").await;

    let list = h.call("GET", "/claims", Some(&bo), None).await;
    assert_eq!(list.status, StatusCode::OK);
    let page = html(&list);
    assert!(
        page.contains("href=\"/claims\">Claims</a>"),
        "the nav offers Claims"
    );
    assert!(
        page.contains(&format!("href=\"/claims/{denied}\"")),
        "{page}"
    );
    assert!(
        page.contains("Denied 1") && page.contains("Submitted 1"),
        "{page}"
    );
    let only = h
        .call("GET", "/claims?status=denied", Some(&bo), None)
        .await;
    assert!(!html(&only).contains(&format!("href=\"/claims/{submitted}\"")));
    let bad = h.call("GET", "/claims?status=lost", Some(&bo), None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let one = h
        .call("GET", &format!("/claims/{denied}"), Some(&bo), None)
        .await;
    let page = html(&one);
    for expected in [
        "Scrub results",
        "timely-filing",
        "200 days since the date of service",
        "bo: payer granted an extension",
        "CO-97: bundled",
    ] {
        assert!(page.contains(expected), "{expected} missing from {page}");
    }

    let queue = h.call("GET", "/claims/denials", Some(&bo), None).await;
    let page = html(&queue);
    assert!(page.contains("<h2>CO-97: "), "{page}");
    let aging = h.call("GET", "/claims/aging", Some(&bo), None).await;
    let page = html(&aging);
    assert!(page.contains("Example Health Plan"), "{page}");
    assert!(page.contains("120+ days"), "{page}");

    let api = h.login("bo").await;
    let listed = h.call("GET", "/api/claims", Some(&api), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body["claims"].as_array().unwrap().len(), 2);
    assert_eq!(listed.body["counts"]["denied"], 1);
    let aged = h.call("GET", "/api/claims/aging", Some(&api), None).await;
    assert_eq!(
        aged.body["aging"]["payers"][0]["payer"],
        "Example Health Plan"
    );
    let total: i64 = aged.body["aging"]["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .sum();
    assert_eq!(total, 55_050, "denied and submitted claims are owed");
    let shown = h
        .call("GET", &format!("/api/claims/{submitted}"), Some(&api), None)
        .await;
    assert_eq!(shown.body["claim"]["record"]["kind"], "institutional");
    let missing = h.call("GET", "/api/claims/999999", Some(&api), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // A held draft: its blocking edit is overridden from the claim's page, with a reason.
    let draft = h
        .store
        .write(|tx| {
            let held = tx.get::<Claim>(denied)?.record;
            tx.create(
                &store::Actor::new("test"),
                &Claim {
                    status: ClaimStatus::Draft,
                    overrides: Vec::new(),
                    control_number: "E-DRAFT".into(),
                    ..held
                },
            )
        })
        .unwrap()
        .meta
        .id;
    let page = h
        .call("GET", &format!("/claims/{draft}"), Some(&bo), None)
        .await;
    assert!(html(&page).contains(&format!("action=\"/claims/{draft}/override\"")));
    let token = page_token(&h, &bo).await;
    let key = "timely-filing @ 2400 DTP03 (date of service)";
    let uri = format!("/claims/{draft}/override");
    let refused = h
        .form(
            &uri,
            Some(&bo),
            &[("token", &token), ("edit", key), ("reason", " ")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&refused).contains("reason: is required to override an edit"),
        "{}",
        html(&refused)
    );
    let done = h
        .form(
            &uri,
            Some(&bo),
            &[
                ("token", &token),
                ("edit", key),
                ("reason", "extension granted by the payer"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let claim = h.store.read(|tx| tx.get::<Claim>(draft)).unwrap().record;
    assert_eq!(claim.status, ClaimStatus::Scrubbed);
    assert_eq!(claim.overrides[0].by, "bo");

    let fran = sign_in(&h, "fran").await;
    let refused = h.call("GET", "/claims", Some(&fran), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let audited = h
        .audit()
        .iter()
        .filter(|e| e.event.reason.as_deref() == Some("claims listed"))
        .count();
    assert!(audited >= 3, "each listing is audited per patient");
}

/// An 835 from "Example Health Plan" paying `clp01` 80.00 (claim level only).
fn remittance_for(clp01: &str) -> claims::Remittance {
    let text = format!(
        "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*CHARTROOM01    *260315*1200*^*00501*000000314*0*P*:~\
GS*HP*PAYER01*CHARTROOM01*20260315*1200*314*X*005010X221A1~ST*835*0001~BPR*I*80*C*CHK************20260315~\
TRN*1*CHK4242*1512345678~N1*PR*EXAMPLE HEALTH PLAN~N1*PE*MAPLE FAMILY PRACTICE*XX*1234567893~LX*1~\
CLP*{clp01}*1*150.5*80*0*12*PCN901~CAS*CO*45*70.5~SE*9*0001~GE*1*314~IEA*1*000000314~"
    );
    claims::read_remittances(&text).unwrap().remove(0)
}

#[tokio::test]
async fn billing_start_page_shows_denials_held_claims_and_remittances_to_work() {
    let h = Harness::new();
    let patient = h.add_patient("P716");
    h.add_user("bo", &[Role::Billing]);
    h.add_user("doc", &[Role::Physician]);
    let bo = sign_in(&h, "bo").await;
    let page = h.call("GET", "/", Some(&bo), None).await;
    let start = html(&page);
    assert!(
        start.contains("No denial, held claim or remittance is waiting."),
        "{start}"
    );
    assert!(start.contains("href=\"/claims\">Claims</a> — "), "{start}");

    claims_on_file(&h, patient);
    let actor = store::Actor::new("test:biller");
    let waiting = remittance_for("E424242");
    h.store
        .write(|tx| {
            claims::receive_remittance(tx, &actor, &waiting, "era/0315.835", date!(2026 - 03 - 15))
        })
        .unwrap();
    let page = h.call("GET", "/", Some(&bo), None).await;
    let start = html(&page);
    for expected in [
        "Claims and remittances to work",
        "<h3>Denials</h3>",
        "href=\"/claims/denials\">CO-97</a>",
        "$150.50",
        "<h3>Remittances not posted</h3>",
        "CHK4242",
        "EXAMPLE HEALTH PLAN",
        "era/0315.835",
    ] {
        assert!(start.contains(expected), "{expected} missing from {start}");
    }
    assert!(!start.contains("Payments not matched"), "{start}");

    // Posted: it leaves the unposted list, and its payment that matches no claim shows.
    h.store
        .write(|tx| {
            claims::post_received(tx, &actor, &waiting, "era/0315.835", date!(2026 - 03 - 16))
                .map_err(|e| store::Error::Conflict(e.to_string()))
        })
        .unwrap();
    let page = h.call("GET", "/", Some(&bo), None).await;
    let start = html(&page);
    assert!(!start.contains("Remittances not posted"), "{start}");
    for expected in [
        "<h3>Payments not matched to a claim</h3>",
        "E424242",
        "$80.00",
        "encounter 424242 does not exist",
    ] {
        assert!(start.contains(expected), "{expected} missing from {start}");
    }

    let doc = sign_in(&h, "doc").await;
    let page = h.call("GET", "/", Some(&doc), None).await;
    let theirs = html(&page);
    assert!(
        !theirs.contains("Claims and remittances to work"),
        "only billing sees billing's work"
    );
}

#[tokio::test]
async fn billing_ages_patients_and_prints_their_statements() {
    let h = Harness::new();
    let patient = h.add_patient("P716");
    h.add_charge(patient, "99203", 20_000);
    h.add_user("bo", &[Role::Billing]);
    h.add_user("fran", &[Role::FrontDesk]);
    let bo = sign_in(&h, "bo").await;

    let aging = h
        .call("GET", "/claims/aging/patients", Some(&bo), None)
        .await;
    assert_eq!(aging.status, StatusCode::OK);
    let page = html(&aging);
    assert!(page.contains("A/R aging by patient"), "{page}");
    assert!(page.contains("<td>P716</td>"), "{page}");
    assert!(
        page.contains(&format!("href=\"/patients/{patient}/statement.pdf\"")),
        "{page}"
    );
    assert!(page.contains("$200.00"), "{page}");

    let ledger = h
        .call(
            "GET",
            &format!("/patients/{patient}/ledger"),
            Some(&bo),
            None,
        )
        .await;
    assert!(html(&ledger).contains(&format!("href=\"/patients/{patient}/statement\"")));
    let printed = h
        .call(
            "GET",
            &format!("/patients/{patient}/statement"),
            Some(&bo),
            None,
        )
        .await;
    assert_eq!(printed.status, StatusCode::OK);
    let page = html(&printed);
    assert!(page.contains("Amount due: $200.00"), "{page}");
    assert!(page.contains("99203 Office visit"), "{page}");
    let pdf = h
        .call(
            "GET",
            &format!("/patients/{patient}/statement.pdf"),
            Some(&bo),
            None,
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(
        pdf.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("statement-P716-")
    );

    let api = h.login("bo").await;
    let json = h
        .call(
            "GET",
            &format!("/api/patients/{patient}/statement"),
            Some(&api),
            None,
        )
        .await;
    assert_eq!(json.status, StatusCode::OK, "{}", json.body);
    assert_eq!(json.body["statement"]["amount_due_cents"], 20_000);
    assert_eq!(json.body["statement"]["lines"][0]["code"], "99203");
    let aged = h
        .call("GET", "/api/claims/aging/patients", Some(&api), None)
        .await;
    assert_eq!(aged.body["aging"]["patients"][0]["mrn"], "P716");
    assert_eq!(aged.body["aging"]["totals"][0], 20_000);
    let missing = h
        .call("GET", "/api/patients/999999/statement", Some(&api), None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let fran = sign_in(&h, "fran").await;
    for uri in [
        format!("/patients/{patient}/statement"),
        "/claims/aging/patients".to_owned(),
    ] {
        let refused = h.call("GET", &uri, Some(&fran), None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{uri}");
    }
    let entries = h.audit();
    let statement_entries: Vec<_> = entries
        .iter()
        .filter(|e| e.event.reason.as_deref() == Some("patient statement"))
        .map(|e| e.event.action)
        .collect();
    assert!(
        statement_entries.contains(&privacy::Action::Export),
        "the PDF is an export"
    );
    assert!(statement_entries.contains(&privacy::Action::Read));
    assert!(
        entries
            .iter()
            .any(|e| e.event.reason.as_deref() == Some("A/R aging by patient"))
    );
}

#[tokio::test]
async fn billing_corrects_voids_and_rescrubs_claims_on_the_page_and_the_api() {
    let h = Harness::new();
    let patient = h.add_patient("P717");
    let (encounter, payer) = h.add_billed_visit(patient);
    let paid = h
        .store
        .write(|tx| {
            tx.create(
                &store::Actor::new("test"),
                &Claim {
                    status: ClaimStatus::Paid,
                    payer_claim_number: Some("PCN717".into()),
                    ..crate::harness::office_visit_claim(patient, encounter, payer)
                },
            )
        })
        .unwrap()
        .meta
        .id;
    h.add_user("bo", &[Role::Billing]);
    h.add_user("doc", &[Role::Physician]);
    let bo = sign_in(&h, "bo").await;
    let token = page_token(&h, &bo).await;
    let shown = h
        .call("GET", &format!("/claims/{paid}"), Some(&bo), None)
        .await;
    assert!(
        html(&shown).contains("Correct it (frequency 7)"),
        "{}",
        html(&shown)
    );
    assert!(
        !html(&shown).contains("Scrub again"),
        "a paid claim is not scrubbed"
    );

    let corrected = h
        .form(
            &format!("/claims/{paid}/replacement"),
            Some(&bo),
            &[("token", &token), ("frequency", "replacement")],
        )
        .await;
    assert_eq!(
        corrected.status,
        StatusCode::SEE_OTHER,
        "{:?}",
        corrected.body
    );
    let to = crate::pages::location(&corrected).to_owned();
    let id: i64 = to.trim_start_matches("/claims/").parse().unwrap();
    let drafted = h.store.read(|tx| tx.get::<Claim>(id)).unwrap().record;
    assert_eq!(
        (drafted.frequency, drafted.status, drafted.replaces_claim_id),
        (
            ClaimFrequency::Replacement,
            ClaimStatus::Draft,
            Some(ClaimId(paid))
        )
    );
    assert_eq!(drafted.payer_claim_number.as_deref(), Some("PCN717"));

    // The draft is scrubbed again from its page: the visit has no coverage, so the scrubber
    // holds it and says why.
    let page = h.call("GET", &to, Some(&bo), None).await;
    assert!(html(&page).contains("Scrub again"));
    let scrubbed = h
        .form(&format!("{to}/scrub"), Some(&bo), &[("token", &token)])
        .await;
    assert_eq!(scrubbed.status, StatusCode::SEE_OTHER);
    let held = h.store.read(|tx| tx.get::<Claim>(id)).unwrap().record;
    assert!(
        held.open_edits().any(|e| e.rule == "buildable"),
        "{:?}",
        held.edits
    );
    assert!(
        h.audit()
            .iter()
            .filter(|e| e.event.user == "bo"
                && e.event.record_kind.as_deref() == Some("claim")
                && e.event.record_id == Some(id))
            .count()
            >= 2,
        "the correction and the scrub are audited as billing's"
    );

    // Over the API: a void; a frequency that is neither is refused naming the field; a
    // physician may not.
    let api = h.login("bo").await;
    let bad = h
        .call(
            "POST",
            &format!("/api/claims/{paid}/replacement"),
            Some(&api),
            Some(serde_json::json!({ "frequency": "original" })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["field"], "frequency");
    let doc = h.login("doc").await;
    let refused = h
        .call(
            "POST",
            &format!("/api/claims/{paid}/replacement"),
            Some(&doc),
            Some(serde_json::json!({ "frequency": "void" })),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// Sending claims from the page and the API: without the billing office's X12 identity the
/// page says how to give it and the API refuses naming the flags; with it, every scrubbed
/// claim is sent to the outbox, one that cannot be built is held with why (and stays
/// scrubbed), and only billing may send.
#[tokio::test]
async fn billing_sends_scrubbed_claims_from_the_page_when_the_server_knows_who_sends() {
    let unconfigured = Harness::new();
    unconfigured.add_user("bo", &[Role::Billing]);
    let bo = sign_in(&unconfigured, "bo").await;
    let list = unconfigured.call("GET", "/claims", Some(&bo), None).await;
    assert!(
        html(&list).contains("Claims are not sent from here")
            && html(&list).contains("--receiver-id"),
        "{}",
        html(&list)
    );
    let token = unconfigured.login("bo").await;
    let refused = unconfigured
        .call(
            "POST",
            "/api/claims/submit",
            Some(&token),
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.body.to_string().contains("--tax-id"),
        "{}",
        refused.body
    );

    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().join("claims-outbox");
    let h = Harness::configured(|c| {
        c.claim_outbox = Some(server::ClaimOutbox {
            dir: dir.clone(),
            submitter: claims::Submitter {
                name: "CHARTROOM BILLING".into(),
                id: "CHARTROOM01".into(),
                contact: "Billing Office".into(),
                phone: "5555550100".into(),
                receiver_name: "CLEARINGHOUSE".into(),
                receiver_id: "CLEARHOUSE01".into(),
                billing_tax_id: "043456789".into(),
                production: false,
            },
            delimiters: x12::Delimiters::default(),
        });
    });
    let patient = h.add_patient("P818");
    let (encounter, payer) = h.add_billed_visit(patient);
    let scrubbed = h
        .store
        .write(|tx| {
            tx.create(
                &store::Actor::new("test"),
                &Claim {
                    status: ClaimStatus::Scrubbed,
                    ..crate::harness::office_visit_claim(patient, encounter, payer)
                },
            )
        })
        .unwrap()
        .meta
        .id;
    h.add_user("bo", &[Role::Billing]);
    h.add_user("fd", &[Role::FrontDesk]);
    let bo = sign_in(&h, "bo").await;
    let list = h.call("GET", "/claims", Some(&bo), None).await;
    assert!(
        html(&list).contains("Send the 1 scrubbed claims (837)"),
        "{}",
        html(&list)
    );
    let token = page_token(&h, &bo).await;
    let sent = h
        .form("/claims/submit", Some(&bo), &[("token", &token)])
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{:?}", sent.body);
    let shown = html(&sent);
    assert!(shown.contains("No claim was sent."), "{shown}");
    assert!(
        shown.contains(&format!("Claim {scrubbed}</a>: ")) && shown.contains("coverage"),
        "the held claim and why: {shown}"
    );
    let after = h.store.read(|tx| tx.get::<Claim>(scrubbed)).unwrap();
    assert_eq!(after.record.status, ClaimStatus::Scrubbed);
    assert!(!dir.exists(), "no file for a claim that was held");

    let api = h.login("bo").await;
    let answer = h
        .call(
            "POST",
            "/api/claims/submit",
            Some(&api),
            Some(serde_json::json!({ "claims": [scrubbed] })),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["files"], serde_json::json!([]));
    assert_eq!(answer.body["held"][0]["claim"], serde_json::json!(scrubbed));
    let unknown = h
        .call(
            "POST",
            "/api/claims/submit",
            Some(&api),
            Some(serde_json::json!({ "claims": [99999] })),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    let fd = h.login("fd").await;
    let forbidden = h
        .call(
            "POST",
            "/api/claims/submit",
            Some(&fd),
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}
