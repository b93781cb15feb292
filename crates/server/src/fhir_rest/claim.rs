//! Charges as read-only Claims. The mapping lives in the `fhir` crate (`charge_claim`),
//! shared with the NDJSON export, so a Claim read here and one in a `$export` file are
//! the same resource.

use super::outcome::FhirError;
use super::resource::Serve;
use records::Charge;
use store::{Stored, Tx};

impl Serve for Charge {
    fn resource(tx: &mut Tx<'_>, stored: &Stored<Self>) -> Result<String, FhirError> {
        let claim = fhir::charge_claim(tx, stored)?;
        serde_json::to_string(&claim).map_err(FhirError::internal)
    }

    fn patient_id(stored: &Stored<Self>) -> Option<i64> {
        Some(stored.record.patient_id.0)
    }
}
