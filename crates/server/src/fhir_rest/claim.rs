//! Charges as read-only Claims: the records model keeps charges, not claims, so a Claim
//! is one charge line billed to the payer named on it.
//!
//! Invariant: the Claim is derived on every read from the charge, its encounter's facility
//! and the patient's coverage with that payer; nothing about it is stored, so it cannot
//! drift from the account.

use super::outcome::FhirError;
use super::resource::Serve;
use fhir::{CodeableConcept, Decimal, Reference};
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

impl Serve for Charge {
    fn resource(tx: &mut Tx<'_>, stored: &Stored<Self>) -> Result<String, FhirError> {
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
            fhir::HCPCS
        } else {
            fhir::CPT
        };
        let product = if code.is_empty() {
            CodeableConcept::text(&charge.description)
        } else {
            CodeableConcept::coded(system, &code, Some(&charge.description))
        };
        let claim = fhir::Claim {
            id: Some(stored.meta.id.to_string()),
            meta: Some(fhir::Meta {
                version_id: Some(stored.meta.version.to_string()),
                last_updated: stored
                    .meta
                    .updated_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .ok(),
                profile: Vec::new(),
            }),
            status: "active".into(),
            type_: CodeableConcept::coded(fhir::CLAIM_TYPE, "professional", None),
            use_: "claim".into(),
            patient: Reference::to("Patient", &patient.to_string()),
            created: charge.service_date.to_string(),
            provider: match facility {
                Some(id) => Reference::to("Organization", &id.0.to_string()),
                None => Reference {
                    reference: None,
                    display: Some("Chartroom".into()),
                },
            },
            priority: CodeableConcept::coded(fhir::PROCESS_PRIORITY, "normal", None),
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
                quantity: Some(fhir::Quantity {
                    value: Decimal::parse(&charge.units.to_string()).ok(),
                    ..fhir::Quantity::default()
                }),
                net: money(charge.amount_cents),
            }],
            total: money(charge.amount_cents),
            ..fhir::Claim::default()
        };
        serde_json::to_string(&claim).map_err(FhirError::internal)
    }

    fn patient_id(stored: &Stored<Self>) -> Option<i64> {
        Some(stored.record.patient_id.0)
    }
}
