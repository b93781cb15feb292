//! `codes-prep`: turns the publishers' files (CMS, CDC) into the processed, compressed files
//! in `data/codes/` that the library embeds.
//!
//! Usage: `codes-prep [SHARED_DATA_DIR] [OUT_DIR] [ORDER_DIR]` (defaults `../shared/data`,
//! `data/codes`, `target/cms-order-files`). `ORDER_DIR` holds the CMS order files of earlier
//! fiscal years (`icd10cm_order_YYYY.txt.gz`, `icd10pcs_order_YYYY.txt.gz`), made by
//! `tools/cms-order-files.sh`. It prints what reconciliation changed so a reviewer can
//! check each release by eye.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use codes::cm::ImportInputs;
use codes::index::{IndexKind, parse_index_csv, parse_index_xml};
use codes::{ImportRequest, Origin, System, build_release, parse_date};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let shared = PathBuf::from(args.get(1).map_or("../shared/data", String::as_str));
    let out = PathBuf::from(args.get(2).map_or("data/codes", String::as_str));
    let older = PathBuf::from(args.get(3).map_or("target/cms-order-files", String::as_str));
    match run(&shared, &out, &older) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("codes-prep: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write(out: &Path, name: &str, bytes: &[u8]) -> Result<(), codes::Error> {
    let p = out.join(name);
    std::fs::create_dir_all(out).map_err(|e| codes::Error::Io {
        path: out.to_path_buf(),
        source: e,
    })?;
    std::fs::write(&p, bytes).map_err(|e| codes::Error::Io {
        path: p.clone(),
        source: e,
    })?;
    println!("wrote {} ({} bytes)", p.display(), bytes.len());
    Ok(())
}

fn read_plain(p: &Path) -> Result<String, codes::Error> {
    std::fs::read_to_string(p).map_err(|e| codes::Error::Io {
        path: p.to_path_buf(),
        source: e,
    })
}

/// A gzip-compressed text file.
fn read_gz(p: &Path) -> Result<String, codes::Error> {
    let io = |e| codes::Error::Io {
        path: p.to_path_buf(),
        source: e,
    };
    let bytes = std::fs::read(p).map_err(io)?;
    let mut s = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut s)
        .map_err(io)?;
    Ok(s)
}

fn date(s: &str) -> Option<time::Date> {
    parse_date(s)
}

/// Fiscal years before FY2025 shipped from CMS order files alone (ICD-10-CM) and before
/// FY2026 (ICD-10-PCS).
const FIRST_FY: i32 = 2016;

fn run(shared: &Path, out: &Path, older: &Path) -> Result<(), codes::Error> {
    let cm = shared.join("icd10cm");
    // ICD-10-CM: the April-update tabular of each fiscal year, reconciled with that year's
    // code list (which codes exist) and the CMS order file (titles of 7th-character codes).
    // Each is put in force from the October 1 that starts its fiscal year: the April update
    // is the only full tabular given per year, and its code set equals the October order
    // file's (checked by the reconciliation tests), so only note wording can differ.
    // FY2016-FY2024 have no tabular here: each is its CMS order file (which codes exist,
    // headers and billable codes, titles) read against the FY2025 tabular for the hierarchy,
    // notes and 7th-character definitions; codes the FY2025 tabular lacks go under their
    // longest prefix with the order file's title.
    let mut releases: Vec<(String, &str, Option<PathBuf>, bool, String)> = (FIRST_FY..2025)
        .map(|fy| {
            (
                fy.to_string(),
                "2025",
                Some(older.join(format!("icd10cm_order_{fy}.txt.gz"))),
                false,
                format!("{}-10-01", fy - 1),
            )
        })
        .collect();
    releases.push(("2025".into(), "2025", None, true, "2024-10-01".into()));
    releases.push(("2026".into(), "2026", None, true, "2025-10-01".into()));
    for (fy, tabular_fy, order, code_list, from) in releases {
        let inputs = ImportInputs {
            tabular: cm.join(format!("icd10cm-tabular-FY{tabular_fy}-April.xml.gz")),
            order: Some(
                order.unwrap_or_else(|| cm.join(format!("order/icd10cm_order_{fy}.txt.gz"))),
            ),
            code_list: code_list.then(|| cm.join(format!("code-list-FY{fy}-April.txt.gz"))),
        };
        let req = ImportRequest {
            system: System::Icd10Cm,
            file: inputs.tabular.clone(),
            order: inputs.order.clone(),
            code_list: inputs.code_list.clone(),
            name: Some(format!("FY{fy}")),
            effective_from: date(&from),
        };
        let (release, report, bytes) =
            codes::cm::import_with_report(&inputs, req.name.clone(), req.effective_from)?;
        // The release's codes against the order file's, both ways (0 and 0 when exact).
        let order_path = inputs.order.clone().unwrap_or_default();
        let listed: std::collections::HashSet<String> =
            codes::cm::parse_order_file(&order_path, &read_gz(&order_path)?)?
                .into_iter()
                .map(|e| e.code)
                .collect();
        let ours: std::collections::HashSet<String> = release
            .nodes()
            .iter()
            .filter(|n| {
                matches!(
                    n.kind,
                    codes::cm::NodeKind::Category | codes::cm::NodeKind::Code
                )
            })
            .map(|n| n.code.clone())
            .collect();
        println!(
            "ICD-10-CM FY{fy}: {} codes not in the order file {:?}, {} order-file codes missing, {} unplaced; {} 7th-character codes generated, {} dropped, {} added, {} titles differ from the order file, {} billable flags differ",
            ours.difference(&listed).count(),
            ours.difference(&listed).take(5).collect::<Vec<_>>(),
            listed.difference(&ours).count(),
            report.unplaced.len(),
            report.generated_seventh,
            report.dropped.len(),
            report.added.len(),
            report.title_differs.len(),
            report.billable_differs.len()
        );
        for (what, list) in [
            ("unplaced", &report.unplaced),
            ("dropped", &report.dropped),
            ("added", &report.added),
            ("title differs", &report.title_differs),
            ("billable differs", &report.billable_differs),
        ] {
            if !list.is_empty() {
                println!(
                    "  {what}: {}",
                    list.iter().take(12).cloned().collect::<Vec<_>>().join(" ")
                );
            }
        }
        write(out, &format!("icd10cm-FY{fy}.gz"), &bytes)?;
    }
    let simple = [
        (
            System::Icd10Pcs,
            shared.join("icd10pcs/icd10pcs_tables_2026.xml.gz"),
            "FY2026",
            "2025-10-01",
            "icd10pcs-FY2026.gz",
        ),
        (
            System::Hcpcs,
            shared.join("hcpcs/HCPC2026_JAN_ANWEB_01122026.txt.gz"),
            "2026-Q1",
            "2026-01-01",
            "hcpcs-2026-Q1.gz",
        ),
        // CVX is not date-versioned by CDC; one table applies to every date of service.
        (
            System::Cvx,
            shared.join("cvx/cvx.json"),
            "2025",
            "1900-01-01",
            "cvx-2025.gz",
        ),
    ];
    for (system, file, name, from, out_name) in simple {
        let req = ImportRequest {
            system,
            file,
            order: None,
            code_list: None,
            name: Some(name.to_string()),
            effective_from: date(from),
        };
        let (loaded, bytes) = build_release(&req, Origin::Embedded)?;
        println!("{system} {name}: {} codes", loaded.info().codes);
        write(out, out_name, &bytes)?;
    }
    // ICD-10-PCS FY2016-FY2025: which codes are valid from each year's CMS order file (its
    // 7-character entries), as table rows derived from them; labels from the FY2026 tables.
    let tables_path = shared.join("icd10pcs/icd10pcs_tables_2026.xml.gz");
    let (_, nearest) = codes::pcs::parse_tables_xml(&tables_path, &read_gz(&tables_path)?)?;
    for fy in FIRST_FY..2026 {
        let order = older.join(format!("icd10pcs_order_{fy}.txt.gz"));
        let entries = codes::cm::parse_order_file(&order, &read_gz(&order)?)?;
        let valid: Vec<String> = entries
            .into_iter()
            .filter(|e| e.billable && e.code.len() == 7)
            .map(|e| e.code)
            .collect();
        let (tables, unlabelled) = codes::pcs::tables_from_codes(&valid, &nearest);
        let info = codes::ReleaseInfo {
            system: System::Icd10Pcs,
            name: format!("FY{fy}"),
            effective_from: date(&format!("{}-10-01", fy - 1)).unwrap_or(time::Date::MIN),
            effective_to: None,
            source: format!(
                "CMS ICD-10-PCS order file icd10pcs_order_{fy}.txt (valid codes; rows derived), labels from icd10pcs_tables_2026.xml, public domain"
            ),
            origin: Origin::Embedded,
            codes: valid.len(),
        };
        let bytes = codes::pcs::write_tables(&info, &tables)?;
        let rows: usize = tables.iter().map(|t| t.rows.len()).sum();
        println!(
            "ICD-10-PCS FY{fy}: {} codes, {} tables, {rows} rows, {} values without a FY2026 label{}",
            valid.len(),
            tables.len(),
            unlabelled.len(),
            unlabelled
                .iter()
                .take(8)
                .map(|(v, pos)| format!(" {v}@{pos}"))
                .collect::<String>()
        );
        write(out, &format!("icd10pcs-FY{fy}.gz"), &bytes)?;
    }
    let ix_dir = cm.join("index-2025");
    let csv = ix_dir.join("ICD10CM_2025_Index.csv.gz");
    let mut indexes = vec![parse_index_csv(&csv, &read_gz(&csv)?)?];
    for (f, kind) in [
        ("icd-10-cm-drug-2025.xml.gz", IndexKind::Drugs),
        ("icd-10-cm-neoplasm-2025.xml.gz", IndexKind::Neoplasm),
        ("icd-10-cm-eindex-2025.xml.gz", IndexKind::ExternalCause),
    ] {
        let p = ix_dir.join(f);
        indexes.push(parse_index_xml(&p, &read_gz(&p)?, kind)?);
    }
    for ix in &indexes {
        println!("index {:?}: {} terms", ix.kind, ix.terms.len());
    }
    write(
        out,
        "icd10cm-index-FY2025.gz",
        &codes::index::write("FY2025", &indexes)?,
    )?;
    let mce = shared.join("mce/MCE_Simple_Code_Edits_v37.txt.gz");
    let edits = codes::edits::parse_mce(&mce, &read_gz(&mce)?)?;
    println!("MCE edits: {:?} (diagnoses, procedures)", edits.len());
    write(out, "edits-mce-v37.gz", &codes::edits::write(&edits)?)?;
    let defs_path = shared.join("icd10pcs/icd10pcs_definitions_2026.xml");
    let defs = codes::pcs_definitions::parse_xml(&defs_path, &read_plain(&defs_path)?)?;
    println!("PCS definitions: {} terms", defs.len());
    write(
        out,
        "icd10pcs-definitions-2026.gz",
        &codes::pcs_definitions::write(&defs)?,
    )?;
    Ok(())
}
