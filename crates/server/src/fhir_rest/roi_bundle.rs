//! A release-of-information packet delivered as FHIR (`Delivery::Fhir`): a `collection`
//! Bundle of exactly the records the request's scope released, each resource as the FHIR
//! API shows it (`resource::find`), and a DocumentReference carrying the PDF packet (its
//! cover sheet holds the confidentiality and 42 CFR 2.32 notices that travel with the
//! records). The Bundle's identifier is the request number.
//!
//! Invariant: nothing withheld is in the Bundle; an item the FHIR API cannot show (none
//! today) stops the release rather than being left out silently.

use super::kinds::Kind;
use super::resource::find;
use base64::Engine;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::Tx;
use time::OffsetDateTime;

/// The FHIR kind of a packet item's record kind (`disclosures::Item::kind`).
fn kind_of(item_kind: &str) -> Option<Kind> {
    Some(match item_kind {
        "patient" => Kind::Patient,
        "coverage" => Kind::Coverage,
        "encounter" => Kind::Encounter,
        "diagnosis" => Kind::Diagnosis,
        "procedure" => Kind::Procedure,
        "immunization" => Kind::Immunization,
        "observation" => Kind::Observation,
        "medication" => Kind::Medication,
        "allergy" => Kind::Allergy,
        "problem" => Kind::Problem,
        "note" => Kind::Note,
        "charge" => Kind::Charge,
        _ => return None,
    })
}

/// The released Bundle.
pub(crate) struct ReleaseBundle {
    /// Its JSON text.
    pub json: String,
    /// How many record resources it holds (the packet's DocumentReference not counted).
    pub resources: usize,
    /// The SHA-256 of the text.
    pub sha256: String,
}

/// The Bundle of `items` (record kind and id, as released) of `patient`'s chart for request
/// `number`, with the packet `pdf`, made at `at`.
pub(crate) fn release_bundle(
    tx: &mut Tx<'_>,
    number: &str,
    patient: i64,
    items: &[(&'static str, i64)],
    pdf: &[u8],
    at: OffsetDateTime,
) -> store::Result<ReleaseBundle> {
    let mut entries: Vec<String> = Vec::with_capacity(items.len() + 1);
    let mut seen = std::collections::BTreeSet::new();
    for (item_kind, id) in items {
        if !seen.insert((*item_kind, *id)) {
            continue;
        }
        let kind = kind_of(item_kind).ok_or_else(|| {
            store::Error::Conflict(format!(
                "{number}: a {item_kind} cannot be delivered as FHIR; choose PDF delivery"
            ))
        })?;
        let found = find(tx, kind, *id)
            .map_err(|e| store::Error::Conflict(format!("{number}: {item_kind} {id}: {e:?}")))?
            .filter(|f| !f.deleted)
            .ok_or(store::Error::NotFound {
                kind: item_kind,
                id: *id,
            })?;
        entries.push(format!(
            "{{\"fullUrl\":{},\"resource\":{}}}",
            Value::String(format!("urn:chartroom:{}", found.reference())),
            found.json
        ));
    }
    let resources = entries.len();
    let stamp = super::instant(at);
    let document = json!({
        "resourceType": "DocumentReference",
        "status": "current",
        "type": { "text": "Release of information packet" },
        "subject": { "reference": format!("Patient/{patient}") },
        "date": stamp,
        "description": format!("{number}: cover sheet and records released, with the notices that go with them"),
        "content": [{ "attachment": {
            "contentType": "application/pdf",
            "data": base64::engine::general_purpose::STANDARD.encode(pdf),
            "title": format!("{number}.pdf"),
            "size": pdf.len(),
        } }],
    });
    entries.push(format!(
        "{{\"fullUrl\":\"urn:chartroom:packet:{number}\",\"resource\":{document}}}"
    ));
    let head = json!({
        "resourceType": "Bundle",
        "identifier": { "system": "urn:chartroom:roi-request", "value": number },
        "type": "collection",
        "timestamp": stamp,
    })
    .to_string();
    // The head's closing brace gives way to the entries, kept as the mapping's JSON text.
    let text = format!(
        "{},\"entry\":[{}]}}",
        head.trim_end_matches('}'),
        entries.join(",")
    );
    // Parsed once, so a malformed piece fails here and not at the recipient.
    let _: Box<RawValue> = serde_json::from_str(&text).map_err(|e| {
        store::Error::Conflict(format!("{number}: the FHIR bundle is not JSON: {e}"))
    })?;
    let sha256 = hex::encode(Sha256::digest(text.as_bytes()));
    Ok(ReleaseBundle {
        json: text,
        resources,
        sha256,
    })
}
