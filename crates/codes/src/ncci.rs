//! CMS National Correct Coding Initiative edits for practitioner claims: procedure-to-
//! procedure (PTP) pairs and medically unlikely edits (MUE), read from the quarterly files
//! in the publisher's own formats, so a site loads the current quarter without a rebuild:
//!
//! - PTP: the tab-delimited text of the "Practitioner PTP Edits" zips (`ccipra-v…-f1.txt`
//!   to `-f4.txt`): notice and header lines, then Column 1, Column 2, `*` when in existence
//!   before 1996, effective date and deletion date (`YYYYMMDD`, `*` for none), the modifier
//!   indicator (0 not allowed, 1 allowed, 9 not applicable) and the rationale.
//! - MUE: the CSV of the "Practitioner Services MUE Table": notice lines, the header
//!   `HCPCS/CPT Code, Practitioner Services MUE Values, MUE Adjudication Indicator, MUE
//!   Rationale`, then a row per code.
//!
//! The edits are data the payer applies; Chartroom applies them before the claim leaves
//! (the scrubber's rules `ncci-ptp` and `mue`) so a denial is caught at the desk.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::Path;
use time::Date;

/// Whether a modifier lets both codes of a PTP pair be paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModifierIndicator {
    /// 0: never reported together; the column two code is denied.
    NotAllowed,
    /// 1: allowed with an NCCI-associated modifier when the services were distinct.
    Allowed,
    /// 9: the edit does not apply (deleted the day it took effect).
    NotApplicable,
}

/// One column one / column two pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PtpEdit {
    /// The comprehensive code, paid.
    pub column1: String,
    /// The component code, denied unless a modifier is allowed and present.
    pub column2: String,
    /// First day in force.
    pub effective: Date,
    /// Last day in force is the day before this one (none: still in force).
    pub deleted: Option<Date>,
    /// Whether a modifier can bypass it.
    pub modifier: ModifierIndicator,
    /// CMS's rationale ("Mutually exclusive procedures", "Standards of medical / surgical
    /// practice").
    pub rationale: String,
}

impl PtpEdit {
    /// Whether it is in force on `day`.
    pub fn in_force(&self, day: Date) -> bool {
        self.modifier != ModifierIndicator::NotApplicable
            && self.effective <= day
            && self.deleted.is_none_or(|d| day < d)
    }
}

/// How a medically unlikely edit counts units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjudication {
    /// 1: each claim line on its own.
    Line,
    /// 2: all lines of the day together; the value is absolute by policy.
    DayPolicy,
    /// 3: all lines of the day together; clinical, may be appealed with records.
    DayClinical,
}

/// The most units of a code one practitioner reports for one patient on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mue {
    /// The HCPCS/CPT code.
    pub code: String,
    /// The MUE value.
    pub units: u32,
    /// How units are counted.
    pub adjudication: Adjudication,
    /// CMS's rationale ("Anatomic Consideration", "CMS Policy", "Clinical Data").
    pub rationale: String,
}

/// The NCCI modifiers that bypass a PTP edit with indicator 1 (NCCI Policy Manual,
/// chapter I, "Modifiers and Modifier Indicators"): anatomic, global surgery and others.
pub const PTP_MODIFIERS: &[&str] = &[
    "E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "LC", "LD",
    "LM", "LT", "RC", "RI", "RT", "TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "24",
    "25", "27", "57", "58", "59", "78", "79", "91", "XE", "XP", "XS", "XU",
];

/// One file loaded, as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NcciFile {
    /// Its name.
    pub name: String,
    /// PTP or MUE.
    pub kind: NcciKind,
    /// Rows read.
    pub rows: usize,
}

/// Which table a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NcciKind {
    /// Procedure-to-procedure pairs.
    Ptp,
    /// Medically unlikely edits.
    Mue,
}

/// The loaded tables.
#[derive(Debug, Clone, Default)]
pub struct Ncci {
    ptp: HashMap<(String, String), Vec<PtpEdit>>,
    mue: HashMap<String, Mue>,
    /// The files read, in order.
    pub files: Vec<NcciFile>,
}

/// A claim line as the edits see it.
#[derive(Debug, Clone)]
pub struct NcciLine<'a> {
    /// The line's number on the claim (one-based).
    pub line: usize,
    /// HCPCS/CPT code.
    pub code: &'a str,
    /// Its modifiers.
    pub modifiers: &'a [String],
    /// Units.
    pub units: u32,
    /// Date of service.
    pub date: Date,
}

/// An edit a claim fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NcciFinding {
    /// `ncci-ptp` or `mue`.
    pub rule: &'static str,
    /// The line at fault (the column two code's line, or the line over the MUE).
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

fn is_code(text: &str) -> bool {
    text.len() == 5 && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn ymd(text: &str) -> Option<Date> {
    Date::parse(
        text.trim(),
        time::macros::format_description!("[year][month][day]"),
    )
    .ok()
}

fn problem(path: &Path, line: usize, message: String) -> Error {
    Error::Parse {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// Reads a PTP file. Lines before the first pair (the AMA notice, the headers and their
/// legends) are passed over; from a line whose first two fields are codes on, every field
/// must read, or the file is refused naming the line.
pub fn read_ptp(path: &Path, text: &str) -> Result<Vec<PtpEdit>> {
    let mut edits = Vec::new();
    for (idx, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let at = idx + 1;
        let fields: Vec<&str> = raw.split('\t').map(str::trim).collect();
        if fields.len() < 2 || !is_code(fields[0]) || !is_code(fields[1]) {
            if edits.is_empty() || raw.trim().is_empty() {
                continue;
            }
            return Err(problem(
                path,
                at,
                format!("expected Column 1 and Column 2 codes separated by a tab, found {raw:?}"),
            ));
        }
        if fields.len() < 6 {
            return Err(problem(
                path,
                at,
                format!(
                    "{} fields; a PTP row has Column 1, Column 2, the pre-1996 flag, effective date, deletion date and modifier indicator",
                    fields.len()
                ),
            ));
        }
        let effective = ymd(fields[3]).ok_or_else(|| {
            problem(
                path,
                at,
                format!("effective date {:?} is not YYYYMMDD", fields[3]),
            )
        })?;
        let deleted = match fields[4] {
            "*" | "" => None,
            other => Some(ymd(other).ok_or_else(|| {
                problem(
                    path,
                    at,
                    format!("deletion date {other:?} is not YYYYMMDD or *"),
                )
            })?),
        };
        let modifier = match fields[5] {
            "0" => ModifierIndicator::NotAllowed,
            "1" => ModifierIndicator::Allowed,
            "9" => ModifierIndicator::NotApplicable,
            other => {
                return Err(problem(
                    path,
                    at,
                    format!("modifier indicator {other:?} is not 0, 1 or 9"),
                ));
            }
        };
        edits.push(PtpEdit {
            column1: fields[0].to_ascii_uppercase(),
            column2: fields[1].to_ascii_uppercase(),
            effective,
            deleted,
            modifier,
            rationale: fields.get(6).copied().unwrap_or_default().to_owned(),
        });
    }
    if edits.is_empty() {
        return Err(problem(
            path,
            0,
            "no PTP rows (Column 1, Column 2, ... separated by tabs) found".into(),
        ));
    }
    Ok(edits)
}

/// Reads an MUE file (CSV). Lines before the header naming the HCPCS/CPT code column are
/// passed over; every row after it must read, or the file is refused naming the line.
pub fn read_mue(path: &Path, text: &str) -> Result<Vec<Mue>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut header_seen = false;
    let mut entries = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            problem(path, line, format!("not CSV: {e}"))
        })?;
        let at = record.position().map_or(0, |p| p.line() as usize);
        let fields: Vec<&str> = record.iter().map(str::trim).collect();
        if !header_seen {
            header_seen = fields
                .first()
                .is_some_and(|f| f.to_ascii_uppercase().starts_with("HCPCS"));
            continue;
        }
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        if fields.len() < 3 {
            return Err(problem(
                path,
                at,
                format!(
                    "{} fields; an MUE row has the code, the MUE value and the adjudication indicator",
                    fields.len()
                ),
            ));
        }
        if !is_code(fields[0]) {
            return Err(problem(
                path,
                at,
                format!("{:?} is not a HCPCS/CPT code", fields[0]),
            ));
        }
        let units: u32 = fields[1].parse().map_err(|_| {
            problem(
                path,
                at,
                format!("MUE value {:?} is not a whole number", fields[1]),
            )
        })?;
        let adjudication = match fields[2].chars().next() {
            Some('1') => Adjudication::Line,
            Some('2') => Adjudication::DayPolicy,
            Some('3') => Adjudication::DayClinical,
            _ => {
                return Err(problem(
                    path,
                    at,
                    format!(
                        "MUE adjudication indicator {:?} does not start with 1, 2 or 3",
                        fields[2]
                    ),
                ));
            }
        };
        entries.push(Mue {
            code: fields[0].to_ascii_uppercase(),
            units,
            adjudication,
            rationale: fields.get(3).copied().unwrap_or_default().to_owned(),
        });
    }
    if entries.is_empty() {
        return Err(problem(
            path,
            0,
            "no MUE rows after a header starting \"HCPCS/CPT Code\"".into(),
        ));
    }
    Ok(entries)
}

/// Which table a file's text holds: MUE when a line before the data names MUE values,
/// else PTP.
pub fn kind_of(text: &str) -> NcciKind {
    let head: String = text
        .lines()
        .take(40)
        .collect::<Vec<_>>()
        .join("\n")
        .to_ascii_uppercase();
    if head.contains("MUE VALUE") || head.contains("MUE ADJUDICATION") {
        NcciKind::Mue
    } else {
        NcciKind::Ptp
    }
}

impl Ncci {
    /// Adds a file's rows; a later MUE row for a code replaces an earlier one.
    pub fn add(&mut self, path: &Path, text: &str) -> Result<&NcciFile> {
        let kind = kind_of(text);
        let rows = match kind {
            NcciKind::Ptp => {
                let edits = read_ptp(path, text)?;
                let n = edits.len();
                for edit in edits {
                    self.ptp
                        .entry((edit.column1.clone(), edit.column2.clone()))
                        .or_default()
                        .push(edit);
                }
                n
            }
            NcciKind::Mue => {
                let entries = read_mue(path, text)?;
                let n = entries.len();
                for mue in entries {
                    self.mue.insert(mue.code.clone(), mue);
                }
                n
            }
        };
        self.files.push(NcciFile {
            name: path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            kind,
            rows,
        });
        Ok(self.files.last().unwrap_or_else(|| unreachable!()))
    }

    /// The PTP edit of this pair in force on `day`.
    pub fn ptp(&self, column1: &str, column2: &str, day: Date) -> Option<&PtpEdit> {
        self.ptp
            .get(&(column1.to_owned(), column2.to_owned()))?
            .iter()
            .find(|e| e.in_force(day))
    }

    /// A code's MUE.
    pub fn mue(&self, code: &str) -> Option<&Mue> {
        self.mue.get(code)
    }

    /// Pairs and MUEs loaded.
    pub fn counts(&self) -> (usize, usize) {
        (self.ptp.values().map(Vec::len).sum(), self.mue.len())
    }

    /// The edits a practitioner claim's lines fail: every pair of lines on one day whose
    /// codes are a PTP pair in force (indicator 0 always; 1 unless either line carries an
    /// NCCI-associated modifier), and every code over its MUE (per line, or the day's lines
    /// together).
    pub fn check(&self, lines: &[NcciLine<'_>]) -> Vec<NcciFinding> {
        let mut found = Vec::new();
        for a in lines {
            for b in lines {
                if a.line == b.line || a.date != b.date || a.code == b.code {
                    continue;
                }
                let Some(edit) = self.ptp(a.code, b.code, a.date) else {
                    continue;
                };
                let bypassed = edit.modifier == ModifierIndicator::Allowed
                    && a.modifiers
                        .iter()
                        .chain(b.modifiers)
                        .any(|m| PTP_MODIFIERS.contains(&m.trim().to_ascii_uppercase().as_str()));
                if bypassed {
                    continue;
                }
                let remedy = match edit.modifier {
                    ModifierIndicator::NotAllowed => {
                        "modifier indicator 0: never paid together; remove the column two code".to_owned()
                    }
                    _ => "modifier indicator 1: if the services were distinct (another site, session or encounter), append an NCCI modifier such as 59, XE, XS, XP or XU, else remove the column two code".to_owned(),
                };
                found.push(NcciFinding {
                    rule: "ncci-ptp",
                    line: b.line,
                    message: format!(
                        "{} (line {}) is a column two code of {} (line {}) on {}{}; {remedy}",
                        b.code,
                        b.line,
                        a.code,
                        a.line,
                        a.date,
                        if edit.rationale.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", edit.rationale)
                        }
                    ),
                });
            }
        }
        let mut per_day: HashMap<(&str, Date), (u32, usize)> = HashMap::new();
        for l in lines {
            let Some(mue) = self.mue(l.code) else {
                continue;
            };
            match mue.adjudication {
                Adjudication::Line => {
                    if l.units > mue.units {
                        found.push(NcciFinding {
                            rule: "mue",
                            line: l.line,
                            message: format!(
                                "{} units of {} on one line; its MUE is {} per line (MAI 1, {})",
                                l.units, l.code, mue.units, mue.rationale
                            ),
                        });
                    }
                }
                Adjudication::DayPolicy | Adjudication::DayClinical => {
                    let day = per_day.entry((l.code, l.date)).or_insert((0, l.line));
                    day.0 += l.units;
                    day.1 = l.line;
                }
            }
        }
        let mut days: Vec<_> = per_day.into_iter().collect();
        days.sort_by_key(|((code, date), (_, line))| (*line, *date, *code));
        for ((code, date), (units, line)) in days {
            let Some(mue) = self.mue(code) else { continue };
            if units > mue.units {
                let kind = if mue.adjudication == Adjudication::DayPolicy {
                    "MAI 2, policy: not payable above it"
                } else {
                    "MAI 3, clinical: above it only with records on appeal"
                };
                found.push(NcciFinding {
                    rule: "mue",
                    line,
                    message: format!(
                        "{units} units of {code} on {date}; its MUE is {} a day ({kind}, {})",
                        mue.units, mue.rationale
                    ),
                });
            }
        }
        found
    }
}

#[cfg(test)]
mod tests;
