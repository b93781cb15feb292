//! `chartroom export`: records out to files, as CSV (one file per record kind) or as FHIR
//! R4 NDJSON (one file per resource type, the Bulk Data layout). Every export is audited
//! (`export`, channel `cli`) before anything is written.

use super::audited::CliAuditor;
use anyhow::{Result, bail};
use std::path::PathBuf;
use store::Store;

/// Options for `chartroom export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// Write one CSV file per record kind into this directory.
    #[arg(long, value_name = "DIR", conflicts_with = "ndjson")]
    pub csv: Option<PathBuf>,
    /// Write one FHIR R4 NDJSON file per resource type (Patient.ndjson, ...) into this
    /// directory.
    #[arg(long, value_name = "DIR")]
    pub ndjson: Option<PathBuf>,
}

pub fn run(store: &Store, auditor: &CliAuditor, args: &ExportArgs, json: bool) -> Result<()> {
    let (dir, counts, unit) = match (&args.csv, &args.ndjson) {
        (Some(dir), None) => {
            auditor.exporting(store, &format!("CSV export to {}", dir.display()))?;
            (dir, interop::export::export_csv(store, dir)?, "rows")
        }
        (None, Some(dir)) => {
            auditor.exporting(store, &format!("FHIR NDJSON export to {}", dir.display()))?;
            (dir, fhir::export_ndjson(store, dir)?, "resources")
        }
        _ => bail!("say where to export: --csv DIR or --ndjson DIR"),
    };
    if json {
        return crate::output::json(&counts);
    }
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|(file, n)| vec![file.clone(), crate::output::count(*n)])
        .collect();
    crate::output::table(&["file", unit], &rows);
    crate::say!("Exported to {}", dir.display());
    Ok(())
}
