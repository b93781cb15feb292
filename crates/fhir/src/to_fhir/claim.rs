//! Charges as Claims: the records model keeps charges, not claims, so a Claim is one
//! charge line billed to the payer named on it. The REST API's Claim read and search and
//! the NDJSON export both call `charge_claim`, so they cannot disagree.
//!
//! Invariant: the Claim is derived on every read from the charge, its encounter's facility
//! and the patient's coverage with that payer; nothing about it is stored, so it cannot
//! drift from the account. Unlike the other kinds it needs those other records, so it
//! takes a transaction and is not a `ToFhir`.

use super::{meta, patient_ref};
use crate::datatypes::{CodeableConcept, Quantity, Reference};
use crate::decimal::Decimal;
use crate::resources as fhir;
use crate::systems::*;
use records::{Charge, Coverage, Encounter};
use store::{Filter, Op, Stored, Tx, Value};

fn money(cents: i64) -> Option<fhir::Money> {
    let sign = if cents < 0 { "-" } else { "" };
    let text = format!(
        "{sign}{}.{:02}",
        cents.unsigned_abs() / 100,
        cents.unsigned_abs() % 100
    );
    Some(fhir::Money {
        value: Decimal::parse(&text).ok(),
        currency: Some("USD".into()),
    })
}

/// The Claim for one stored charge, reading its coverage and encounter in `tx`.
pub fn charge_claim(tx: &mut Tx<'_>, stored: &Stored<Charge>) -> store::Result<fhir::Claim> {
    let charge = &stored.record;
    let patient = charge.patient_id.0;
    let coverage = match charge.payer_id {
        Some(payer) => tx
            .search::<Coverage>(
                &[
                    Filter::Compare("patient_id", Op::Eq, Value::Int(patient)),
                    Filter::Compare("payer_id", Op::Eq, Value::Int(payer.0)),
                ],
                &[],
                1,
                0,
            )?
            .into_iter()
            .next(),
        None => None,
    };
    let facility = match charge.encounter_id {
        Some(encounter) => tx
            .find::<Encounter>(encounter.0)?
            .and_then(|e| e.record.facility_id),
        None => None,
    };
    let code = charge.code.clone().unwrap_or_default();
    let system = if code.starts_with(|c: char| c.is_ascii_alphabetic()) {
        HCPCS
    } else {
        CPT
    };
    let product = if code.is_empty() {
        CodeableConcept::text(&charge.description)
    } else {
        CodeableConcept::coded(system, &code, Some(&charge.description))
    };
    Ok(fhir::Claim {
        id: Some(stored.meta.id.to_string()),
        meta: meta(&stored.meta),
        status: "active".into(),
        type_: CodeableConcept::coded(CLAIM_TYPE, "professional", None),
        use_: "claim".into(),
        patient: patient_ref(charge.patient_id),
        created: charge.service_date.to_string(),
        provider: match facility {
            Some(id) => Reference::to("Organization", &id.0.to_string()),
            None => Reference {
                reference: None,
                display: Some("Chartroom".into()),
            },
        },
        priority: CodeableConcept::coded(PROCESS_PRIORITY, "normal", None),
        insurance: vec![fhir::ClaimInsurance {
            sequence: 1,
            focal: true,
            coverage: match &coverage {
                Some(c) => Reference::to("Coverage", &c.meta.id.to_string()),
                None => Reference {
                    reference: None,
                    display: Some("self-pay".into()),
                },
            },
        }],
        item: vec![fhir::ClaimItem {
            sequence: 1,
            product_or_service: product,
            serviced_date: Some(charge.service_date.to_string()),
            quantity: Some(Quantity {
                value: Decimal::parse(&charge.units.to_string()).ok(),
                ..Quantity::default()
            }),
            net: money(charge.amount_cents),
        }],
        total: money(charge.amount_cents),
        ..fhir::Claim::default()
    })
}
