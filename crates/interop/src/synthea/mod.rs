//! The Synthea CSV export (Synthea 3.x column layout), plain or gzip-compressed.
//!
//! Files are imported in dependency order (organizations before providers before patients
//! before encounters ...), in batches; see `batch` for the transaction and rejection rules.

mod billing;
mod clinical;
mod reference;

use crate::batch::{self, FileSpec, Format, ImportOptions, Progress};
use crate::{ImportReport, Result};
use std::path::Path;
use store::Store;

/// The Synthea files, in the order references need.
pub(crate) static SYNTHEA: Format = Format {
    name: "Synthea CSV",
    source: "synthea",
    files: &[
        FileSpec {
            name: "organizations",
            required: &["Id", "NAME"],
            map: reference::organization,
        },
        FileSpec {
            name: "payers",
            required: &["Id", "NAME"],
            map: reference::payer,
        },
        FileSpec {
            name: "providers",
            required: &["Id", "NAME"],
            map: reference::provider,
        },
        FileSpec {
            name: "patients",
            required: &["Id", "BIRTHDATE", "FIRST", "LAST", "GENDER"],
            map: reference::patient,
        },
        FileSpec {
            name: "payer_transitions",
            required: &["PATIENT", "MEMBERID", "START_YEAR", "PAYER"],
            map: reference::coverage,
        },
        FileSpec {
            name: "encounters",
            required: &["Id", "START", "PATIENT", "ENCOUNTERCLASS"],
            map: clinical::encounter,
        },
        FileSpec {
            name: "conditions",
            required: &["START", "PATIENT", "CODE", "DESCRIPTION"],
            map: clinical::condition,
        },
        FileSpec {
            name: "procedures",
            required: &["START", "PATIENT", "CODE"],
            map: clinical::procedure,
        },
        FileSpec {
            name: "immunizations",
            required: &["DATE", "PATIENT", "CODE"],
            map: clinical::immunization,
        },
        FileSpec {
            name: "observations",
            required: &["DATE", "PATIENT", "CODE", "VALUE"],
            map: clinical::observation,
        },
        FileSpec {
            name: "medications",
            required: &["START", "PATIENT", "CODE", "DESCRIPTION"],
            map: clinical::medication,
        },
        FileSpec {
            name: "allergies",
            required: &["PATIENT", "DESCRIPTION", "CATEGORY"],
            map: clinical::allergy,
        },
        FileSpec {
            name: "claims_transactions",
            required: &["ID", "CLAIMID", "CHARGEID", "PATIENTID", "TYPE", "FROMDATE"],
            map: billing::claim_transaction,
        },
    ],
};

/// Imports a Synthea CSV directory (or one of its files) into the store.
pub fn import(
    store: &Store,
    path: &Path,
    options: &ImportOptions,
    progress: &mut dyn Progress,
) -> Result<ImportReport> {
    batch::import(&SYNTHEA, store, path, options, progress)
}
