//! `codes-prep`: turns the publishers' files (CMS, CDC) into the processed, compressed files
//! in `data/codes/` that the library embeds.
//!
//! Usage: `codes-prep [SHARED_DATA_DIR] [OUT_DIR]` (defaults `../shared/data`, `data/codes`).
//! It prints what reconciliation changed so a reviewer can check each release by eye.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use codes::cm::ImportInputs;
use codes::index::{IndexKind, parse_index_csv, parse_index_xml};
use codes::{ImportRequest, Origin, System, build_release, parse_date};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let shared = PathBuf::from(args.get(1).map_or("../shared/data", String::as_str));
    let out = PathBuf::from(args.get(2).map_or("data/codes", String::as_str));
    match run(&shared, &out) {
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

/// The order file of the fiscal year before `order`'s: `order` (a CMS ICD-10-CM order file)
/// with its `addenda` (the CMS order addenda that made it) undone. Addenda lines are
/// `Add:`, `Delete:`, `Revise from:` and `Revise to:` in the first 13 columns, then the
/// billable flag, the code (7 columns), the short title (60) and the long title.
fn order_before_addenda(order: &Path, addenda: &Path) -> Result<String, codes::Error> {
    let text = read_gz(order)?;
    // (code, billable flag, short title, long title), in the file's order.
    let mut entries: Vec<(String, String, String, String)> = Vec::new();
    for line in text.lines().filter(|l| l.len() >= 16) {
        let field = |from: usize, to: usize| {
            line.get(from..to.min(line.len()))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        entries.push((
            field(6, 13),
            field(14, 15),
            field(16, 76),
            field(77, line.len()),
        ));
    }
    let mut added = std::collections::HashSet::new();
    let mut deleted = Vec::new();
    let mut revised = std::collections::HashMap::new();
    for (idx, line) in read_plain(addenda)?.lines().enumerate() {
        let Some((what, rest)) = line.get(..13).zip(line.get(13..)) else {
            continue;
        };
        let field = |from: usize, to: usize| {
            rest.get(from..to.min(rest.len()))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let entry = (
            field(2, 9),
            field(0, 1),
            field(10, 70),
            field(71, rest.len()),
        );
        let bad = || codes::Error::Parse {
            path: addenda.to_path_buf(),
            line: idx + 1,
            message: format!("addenda line: {:?} is not a code", entry.0),
        };
        match what.trim() {
            "Add:" | "Delete:" | "Revise from:" if entry.0.is_empty() => return Err(bad()),
            "Add:" => {
                added.insert(entry.0);
            }
            "Delete:" => deleted.push(entry),
            "Revise from:" => {
                revised.insert(entry.0.clone(), entry);
            }
            _ => {}
        }
    }
    let mut out = String::new();
    let before = entries
        .into_iter()
        .filter(|e| !added.contains(&e.0))
        .map(|e| revised.remove(&e.0).unwrap_or(e))
        .chain(deleted);
    for (n, (code, flag, short, long)) in before.enumerate() {
        out.push_str(&format!(
            "{:05} {code:<7} {flag} {short:<60} {long}\n",
            n + 1
        ));
    }
    Ok(out)
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

fn run(shared: &Path, out: &Path) -> Result<(), codes::Error> {
    let cm = shared.join("icd10cm");
    // ICD-10-CM: the April-update tabular of each fiscal year, reconciled with that year's
    // code list (which codes exist) and the CMS order file (titles of 7th-character codes).
    // Each is put in force from the October 1 that starts its fiscal year: the April update
    // is the only full tabular given per year, and its code set equals the October order
    // file's (checked by the reconciliation tests), so only note wording can differ.
    // FY2024 has no tabular here: its code set is the FY2025 order file with the CMS FY2025
    // order addenda undone (what FY2025 added taken out, what it deleted put back, revised
    // titles as they were), read against the FY2025 tabular for the hierarchy and notes.
    let derived = std::env::temp_dir().join("icd10cm_order_2024-from-2025-addenda.txt");
    let fy2024 = order_before_addenda(
        &cm.join("order/icd10cm_order_2025.txt.gz"),
        &cm.join("order/icd10cm_order_addenda_2025.txt"),
    )?;
    println!(
        "ICD-10-CM FY2024 order file derived: {} entries",
        fy2024.lines().count()
    );
    std::fs::write(&derived, fy2024).map_err(|e| codes::Error::Io {
        path: derived.clone(),
        source: e,
    })?;
    let releases = [
        ("2024", "2025", Some(derived.clone()), false, "2023-10-01"),
        ("2025", "2025", None, true, "2024-10-01"),
        ("2026", "2026", None, true, "2025-10-01"),
    ];
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
            effective_from: date(from),
        };
        let (_, report, bytes) =
            codes::cm::import_with_report(&inputs, req.name.clone(), req.effective_from)?;
        println!(
            "ICD-10-CM FY{fy}: {} 7th-character codes generated, {} dropped, {} added, {} titles differ from the order file, {} billable flags differ",
            report.generated_seventh,
            report.dropped.len(),
            report.added.len(),
            report.title_differs.len(),
            report.billable_differs.len()
        );
        for (what, list) in [
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
