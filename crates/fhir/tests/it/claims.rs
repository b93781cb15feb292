//! Stored claims as FHIR `Claim`: a demo population's visits drafted as professional and
//! institutional claims, each mapped from the claim's own 837 content (type, diagnoses
//! with POA on stays, ICD-10-PCS procedures, revenue-code lines, place of service), valid
//! by our validator, and written by the export exactly as mapped. Kept in
//! `CHARTROOM_FHIR_SAMPLES` for the official schema.

use records::{ClaimKind, CoverageOrder, Encounter};
use serde_json::Value;
use store::Actor;
use test_support::{TestStore, backend_tests};

/// Drafts the primary claim of each kind for every finished encounter that bills; the
/// claims drafted.
fn draft_all(store: &TestStore) -> Vec<store::Stored<records::Claim>> {
    let actor = Actor::new("test:biller");
    store
        .write(|tx| {
            let encounters = tx.select::<Encounter>(
                "status = ?",
                &[store::Value::from("finished")],
                "id",
                10_000,
            )?;
            let mut drafted = Vec::new();
            for encounter in encounters {
                for kind in [ClaimKind::Professional, ClaimKind::Institutional] {
                    let id = records::EncounterId(encounter.meta.id);
                    if let Ok(claim) =
                        claims::draft_claim(tx, &actor, id, CoverageOrder::Primary, kind)?
                    {
                        drafted.push(claim);
                    }
                }
            }
            Ok(drafted)
        })
        .unwrap()
}

fn codes(concepts: &Value) -> Vec<(String, String)> {
    concepts
        .as_array()
        .map(|list| {
            list.iter()
                .map(|c| {
                    (
                        c["coding"][0]["system"].as_str().unwrap().to_owned(),
                        c["coding"][0]["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn demo_claims_map_from_their_837_content(store: &TestStore) {
    demo::generate(
        store,
        &demo::DemoOptions {
            patients: 60,
            seed: 15,
            as_of: time::macros::date!(2026 - 03 - 01),
            batch_size: 100,
        },
        &mut |_| {},
    )
    .unwrap();
    let drafted = draft_all(store);
    let mut kinds_seen = (0, 0, 0);
    for stored in &drafted {
        let claim = &stored.record;
        let (resource, content) = store
            .write(|tx| {
                let resource = fhir::stored_claim(tx, stored)?;
                let content = match claim.kind {
                    ClaimKind::Professional => claims::professional_claim(tx, claim)?
                        .map(|p| (p, None))
                        .ok(),
                    ClaimKind::Institutional => claims::institutional_claim(tx, claim)?
                        .map(|i| (i.base.clone(), Some(i)))
                        .ok(),
                };
                Ok((resource, content))
            })
            .unwrap();
        let json = serde_json::to_value(&resource).unwrap();
        let issues = fhir::validate_value(&json);
        assert!(issues.is_empty(), "{json}\n{issues:?}");
        let (base, institutional) = content.expect("a drafted claim builds");
        assert_eq!(json["status"], "draft");
        assert_eq!(json["use"], "claim");
        assert_eq!(json["identifier"][0]["value"], claim.control_number);
        assert_eq!(json["provider"]["identifier"]["system"], fhir::NPI);
        assert_eq!(
            json["provider"]["identifier"]["value"],
            base.billing.npi.to_string()
        );
        let items = json["item"].as_array().unwrap();
        assert_eq!(items.len(), base.lines.len());
        let diagnoses = json["diagnosis"].as_array().unwrap();
        assert_eq!(diagnoses.len(), base.diagnoses.len());
        for (diagnosis, code) in diagnoses.iter().zip(&base.diagnoses) {
            let shown = diagnosis["diagnosisCodeableConcept"]["coding"][0]["code"]
                .as_str()
                .unwrap();
            assert_eq!(shown.replace('.', ""), *code);
        }
        let total: f64 = items
            .iter()
            .map(|i| i["net"]["value"].as_f64().unwrap())
            .sum();
        assert!((total - json["total"]["value"].as_f64().unwrap()).abs() < 0.001);
        match institutional {
            None => {
                kinds_seen.0 += 1;
                assert_eq!(json["type"]["coding"][0]["code"], "professional");
                for (item, line) in items.iter().zip(&base.lines) {
                    assert_eq!(item["productOrService"]["coding"][0]["code"], line.code);
                    assert_eq!(
                        item["locationCodeableConcept"]["coding"][0]["code"],
                        base.place_of_service
                    );
                    let pointers: Vec<u64> = line.pointers.iter().map(|p| u64::from(*p)).collect();
                    assert_eq!(item["diagnosisSequence"], serde_json::json!(pointers));
                    assert_eq!(
                        codes(&item["modifier"]).len(),
                        line.modifiers.len(),
                        "{item}"
                    );
                }
                assert!(json.get("procedure").is_none());
            }
            Some(stay) => {
                assert_eq!(json["type"]["coding"][0]["code"], "institutional");
                for (item, line) in items.iter().zip(&base.lines) {
                    assert_eq!(
                        codes(&serde_json::json!([item["revenue"]])),
                        [(fhir::NUBC_REVENUE.to_owned(), line.code.clone())]
                    );
                    assert_eq!(
                        item["productOrService"]["coding"][0]["code"],
                        "not-applicable"
                    );
                }
                if let Some(principal) = diagnoses.first() {
                    assert_eq!(principal["type"][0]["coding"][0]["code"], "principal");
                }
                let procedures = json["procedure"].as_array().cloned().unwrap_or_default();
                assert_eq!(procedures.len(), stay.procedures.len());
                for (procedure, (code, date)) in procedures.iter().zip(&stay.procedures) {
                    assert_eq!(
                        procedure["procedureCodeableConcept"]["coding"][0]["system"],
                        fhir::ICD10PCS
                    );
                    assert_eq!(
                        procedure["procedureCodeableConcept"]["coding"][0]["code"],
                        *code
                    );
                    assert_eq!(procedure["date"], date.to_string());
                }
                if stay.inpatient() {
                    kinds_seen.1 += 1;
                    for (diagnosis, poa) in diagnoses.iter().zip(&stay.poa) {
                        match poa {
                            Some(poa) => {
                                assert_eq!(diagnosis["onAdmission"]["coding"][0]["code"], *poa)
                            }
                            None => assert!(diagnosis.get("onAdmission").is_none()),
                        }
                    }
                } else {
                    kinds_seen.2 += 1;
                    assert!(diagnoses.iter().all(|d| d.get("onAdmission").is_none()));
                }
            }
        }
    }
    assert!(
        kinds_seen.0 > 0 && kinds_seen.1 > 0 && kinds_seen.2 > 0,
        "professional, inpatient and outpatient facility claims: {kinds_seen:?}"
    );

    // The export writes every claim as mapped; none was decided, so no benefit.
    let dir = tempfile::tempdir().unwrap();
    let filter = fhir::ExportFilter {
        types: Some(vec!["Claim".into(), "ExplanationOfBenefit".into()]),
        ..fhir::ExportFilter::default()
    };
    let counts = fhir::export_ndjson_filtered(store, dir.path(), &filter, &mut |_, _| {
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(
        counts,
        [
            ("Claim.ndjson".to_owned(), drafted.len() as u64),
            ("ExplanationOfBenefit.ndjson".to_owned(), 0)
        ]
    );
    let text = std::fs::read_to_string(dir.path().join("Claim.ndjson")).unwrap();
    if let Some(samples) = std::env::var_os("CHARTROOM_FHIR_SAMPLES") {
        std::fs::create_dir_all(&samples).unwrap();
        let backend = if store.postgres_database().is_some() {
            "postgres"
        } else {
            "sqlite"
        };
        std::fs::write(
            std::path::Path::new(&samples).join(format!("demo-claims-{backend}.ndjson")),
            &text,
        )
        .unwrap();
    }
}

/// The office visit's claim drafted, scrubbed and sent, then its 835 posted: the visit's line
/// paid with a date of service of its own (SVC DTM*472 2026-02-11), the strep test's with
/// none. Each ExplanationOfBenefit item carries its date: the 835's, else the claim line's.
fn benefit_items_carry_their_dates_of_service(store: &TestStore) {
    let actor = Actor::new("test:biller");
    let ids = store
        .write(|tx| test_support::billing::office_visit(tx, records::Relationship::SelfSubscriber))
        .unwrap();
    let codes = codes::CodeSets::embedded().unwrap();
    let settings = claims::ScrubSettings::default();
    let scrubber = claims::Scrubber {
        codes: &codes,
        settings: &settings,
        today: time::macros::date!(2026 - 02 - 20),
    };
    let submitter = claims::Submitter {
        name: "MAPLE BILLING".into(),
        id: "MAPLE01".into(),
        contact: "Billing Office".into(),
        phone: "4135550100".into(),
        receiver_name: "CLEARINGHOUSE".into(),
        receiver_id: "CLEARHOUSE01".into(),
        billing_tax_id: "043456789".into(),
        production: false,
    };
    let id = store
        .write(|tx| {
            let drafted = claims::draft_claim(
                tx,
                &actor,
                ids.encounter,
                CoverageOrder::Primary,
                ClaimKind::Professional,
            )?
            .expect("the office visit builds");
            let scrubbed = claims::scrub_claim(tx, &actor, &scrubber, drafted.meta.id)?;
            let sent = claims::submit_claims(
                tx,
                &actor,
                &[records::ClaimId(scrubbed.meta.id)],
                &submitter,
                time::macros::datetime!(2026-02-20 10:00),
                x12::Delimiters::default(),
            )?;
            assert_eq!(sent.sent.len(), 1, "{:?}", sent.held);
            Ok(scrubbed.meta.id)
        })
        .unwrap();
    let era = format!(
        "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*MAPLE01        *260315*1200*^*00501*000000412*0*P*:~\
GS*HP*PAYER01*MAPLE01*20260315*1200*412*X*005010X221A1~ST*835*0001~BPR*I*100*C*CHK************20260315~\
TRN*1*CHK4120*1512345678~N1*PR*EXAMPLE HEALTH PLAN~N1*PE*MAPLE FAMILY PRACTICE*XX*1234567893~LX*1~CLP*E{}*1*150.5*100*20*12*PCN777~\
SVC*HC:99213:25*125.5*100**1~DTM*472*20260211~CAS*CO*45*10.5~CAS*PR*2*15~\
SVC*HC:87880*25*0**1~CAS*CO*97*20~CAS*PR*2*5~SE*15*0001~GE*1*412~IEA*1*000000412~",
        ids.encounter.0
    );
    let remittances = claims::read_remittances(&era).unwrap();
    let benefit = store
        .write(|tx| {
            let report = claims::post_remittance(
                tx,
                &actor,
                &remittances[0],
                time::macros::date!(2026 - 03 - 16),
            )
            .unwrap();
            assert_eq!(report.adjudicated.len(), 1, "{report:?}");
            let stored = tx.get::<records::Claim>(id)?;
            fhir::explanation_of_benefit(tx, &stored)
        })
        .unwrap()
        .expect("the claim was decided");
    let dates: Vec<(String, Option<String>)> = benefit
        .item
        .iter()
        .map(|item| {
            (
                item.product_or_service.coding[0]
                    .code
                    .clone()
                    .unwrap_or_default(),
                item.serviced_date.clone(),
            )
        })
        .collect();
    assert_eq!(
        dates,
        [
            ("99213".to_owned(), Some("2026-02-11".to_owned())),
            ("87880".to_owned(), Some("2026-02-10".to_owned())),
        ]
    );
    let json = serde_json::to_value(&benefit).unwrap();
    assert_eq!(json["item"][0]["servicedDate"], "2026-02-11");
    assert_eq!(json["item"][1]["servicedDate"], "2026-02-10");
}

backend_tests!(
    demo_claims_map_from_their_837_content,
    benefit_items_carry_their_dates_of_service,
);
