//! The population extract: the compact CSV layout that registries and the population-query
//! benchmark use (`patients.csv`: patient_id, birth_date, sex, zip; `immunizations.csv`:
//! imm_id, patient_id, cvx, admin_date, status; `ar_items.csv`: item_id, patient_id,
//! amount_cents, paid_cents, due_date).
//!
//! An extract carries no names. Patients are registered under the name UNKNOWN, as
//! registration records an unidentified patient, with the MRN `X<patient_id>` from the
//! authority `EXTRACT`, until a demographic feed supplies the rest.

mod rows;

use crate::batch::{self, FileSpec, Format, ImportOptions, Progress};
use crate::{ImportReport, Result};
use std::path::Path;
use store::Store;

/// The extract files, in the order references need.
pub(crate) static EXTRACT: Format = Format {
    name: "population extract",
    source: "extract",
    files: &[
        FileSpec {
            name: "patients",
            required: &["patient_id", "birth_date", "sex", "zip"],
            map: rows::patient,
        },
        FileSpec {
            name: "immunizations",
            required: &["imm_id", "patient_id", "cvx", "admin_date", "status"],
            map: rows::immunization,
        },
        FileSpec {
            name: "ar_items",
            required: &[
                "item_id",
                "patient_id",
                "amount_cents",
                "paid_cents",
                "due_date",
            ],
            map: rows::ar_item,
        },
    ],
};

/// Imports a population extract directory (or one of its files).
pub fn import(
    store: &Store,
    path: &Path,
    options: &ImportOptions,
    progress: &mut dyn Progress,
) -> Result<ImportReport> {
    batch::import(&EXTRACT, store, path, options, progress)
}

/// Whether `path` (a directory or a file) holds a population extract rather than a Synthea
/// export: the extract's patients file starts with `patient_id`.
pub fn looks_like_extract(path: &Path) -> bool {
    let candidates = if path.is_dir() {
        vec![
            path.join("patients.csv"),
            path.join("patients.csv.gz"),
            path.join("immunizations.csv"),
            path.join("ar_items.csv"),
        ]
    } else {
        vec![path.to_owned()]
    };
    candidates.iter().filter(|file| file.is_file()).any(|file| {
        crate::input::open_input(file)
            .ok()
            .and_then(|(reader, _, _)| csv::Reader::from_reader(reader).headers().ok().cloned())
            .is_some_and(|header| {
                header
                    .iter()
                    .any(|name| matches!(name, "patient_id" | "imm_id" | "item_id"))
            })
    })
}
