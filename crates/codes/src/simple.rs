//! Flat code sets without a hierarchy: HCPCS Level II, CVX and CPT.
//!
//! Invariants: codes are stored normalised (upper-case, no spaces) and unique within a
//! release; an entry is valid on a date of service when it was added on or before that date
//! and not terminated before it (CMS HCPCS "Code Added Date" and "Termination Date").

use std::path::Path;

use rustc_hash::FxHashMap;
use serde::Serialize;
use time::Date;

use crate::code;
use crate::error::{Error, Result};
use crate::packfile::{self, PackWriter};
use crate::release::{Origin, ReleaseInfo, System, parse_date};

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A procedure, supply or vaccine code.
    Code,
    /// A HCPCS modifier (two characters).
    Modifier,
}

/// One code of a flat set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The code.
    pub code: String,
    /// Code or modifier.
    pub kind: EntryKind,
    /// Short description.
    pub short: String,
    /// Long description.
    pub long: String,
    /// Date the code was added, when published.
    pub added: Option<Date>,
    /// Date of the last action on the code, when published.
    pub action_effective: Option<Date>,
    /// Last valid date of service, when terminated.
    pub terminated: Option<Date>,
    /// Publisher status (CVX: Active, Inactive, Non-US, Never Active; HCPCS: action code).
    pub status: String,
    /// CVX: the vaccine is an influenza vaccine.
    pub is_influenza: bool,
    /// CVX: the code is not a vaccine (e.g. 998 "no vaccine administered").
    pub non_vaccine: bool,
}

impl Entry {
    /// A plain entry with only a code and a description.
    pub fn new(code: &str, kind: EntryKind, long: &str) -> Self {
        Entry {
            code: code.to_string(),
            kind,
            short: String::new(),
            long: long.to_string(),
            added: None,
            action_effective: None,
            terminated: None,
            status: String::new(),
            is_influenza: false,
            non_vaccine: false,
        }
    }

    /// Was the code in use during `year` by its own dates (added by December 31, not
    /// terminated before January 1)?
    pub fn in_year(&self, year: i32) -> bool {
        self.added.is_none_or(|a| a.year() <= year)
            && self.terminated.is_none_or(|t| t.year() >= year)
    }

    /// Is the code valid on `dos` by its own dates?
    pub fn valid_on(&self, dos: Date) -> bool {
        self.added.is_none_or(|a| a <= dos) && self.terminated.is_none_or(|t| dos <= t)
    }
}

/// One release of a flat code set.
#[derive(Debug)]
pub struct SimpleRelease {
    /// Release metadata.
    pub info: ReleaseInfo,
    entries: Vec<Entry>,
    by_code: FxHashMap<String, u32>,
    pub(crate) search: std::sync::OnceLock<crate::search::SearchIndex>,
}

impl SimpleRelease {
    /// Builds a release, rejecting duplicate codes.
    pub(crate) fn new(mut info: ReleaseInfo, entries: Vec<Entry>, path: &Path) -> Result<Self> {
        let mut by_code = FxHashMap::default();
        for (i, e) in entries.iter().enumerate() {
            let key = key_of(e.kind, &e.code);
            if by_code.insert(key, i as u32).is_some() {
                return Err(Error::parse(
                    path,
                    0,
                    format!("code {} appears twice", e.code),
                ));
            }
        }
        info.codes = entries.len();
        Ok(SimpleRelease {
            info,
            entries,
            by_code,
            search: std::sync::OnceLock::new(),
        })
    }

    /// All entries.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Finds a code (not a modifier) by any spelling.
    pub fn get(&self, code_text: &str) -> Option<&Entry> {
        self.get_kind(EntryKind::Code, code_text)
    }

    /// Finds a modifier.
    pub fn modifier(&self, code_text: &str) -> Option<&Entry> {
        self.get_kind(EntryKind::Modifier, code_text)
    }

    fn get_kind(&self, kind: EntryKind, code_text: &str) -> Option<&Entry> {
        let key = key_of(kind, &code::normalize(code_text));
        self.by_code
            .get(&key)
            .and_then(|&i| self.entries.get(i as usize))
    }
}

/// Modifiers and codes share spellings in principle (`AA` could be both), so keys differ.
fn key_of(kind: EntryKind, code_text: &str) -> String {
    match kind {
        EntryKind::Code => code_text.to_string(),
        EntryKind::Modifier => format!("-{code_text}"),
    }
}

fn kind_for(system: System) -> &'static str {
    system.name()
}

fn date_str(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// Serialises a flat release: one `E` record per entry.
pub(crate) fn write(info: &ReleaseInfo, entries: &[Entry]) -> Result<Vec<u8>> {
    let mut w = PackWriter::new(kind_for(info.system));
    w.record(&[
        "REL",
        &info.name,
        &info.effective_from.to_string(),
        &info.source,
        &entries.len().to_string(),
    ]);
    for e in entries {
        let kind = match e.kind {
            EntryKind::Code => "C",
            EntryKind::Modifier => "M",
        };
        w.record(&[
            "E",
            kind,
            &e.code,
            &date_str(e.added),
            &date_str(e.action_effective),
            &date_str(e.terminated),
            &e.status,
            if e.is_influenza { "1" } else { "0" },
            if e.non_vaccine { "1" } else { "0" },
            &e.short,
            &e.long,
        ]);
    }
    w.finish()
}

/// Loads a processed flat release of `system`.
pub(crate) fn read(
    system: System,
    path: &Path,
    text: &str,
    origin: Origin,
) -> Result<SimpleRelease> {
    let recs = packfile::parse(path, text, kind_for(system))?;
    let mut info = None;
    let mut entries = Vec::new();
    for r in recs {
        let r = r?;
        match r.get(0, path)? {
            "REL" => {
                info = Some(ReleaseInfo {
                    system,
                    name: r.get(1, path)?.to_string(),
                    effective_from: parse_date(r.get(2, path)?)
                        .ok_or_else(|| Error::parse(path, r.line, "REL: bad date"))?,
                    effective_to: None,
                    source: r.get(3, path)?.to_string(),
                    origin: origin.clone(),
                    codes: 0,
                });
            }
            "E" => {
                let date = |i: usize| -> Result<Option<Date>> {
                    let s = r.get(i, path)?;
                    if s.is_empty() {
                        return Ok(None);
                    }
                    parse_date(s)
                        .map(Some)
                        .ok_or_else(|| Error::parse(path, r.line, format!("{s:?} is not a date")))
                };
                entries.push(Entry {
                    kind: if r.get(1, path)? == "M" {
                        EntryKind::Modifier
                    } else {
                        EntryKind::Code
                    },
                    code: r.get(2, path)?.to_string(),
                    added: date(3)?,
                    action_effective: date(4)?,
                    terminated: date(5)?,
                    status: r.get(6, path)?.to_string(),
                    is_influenza: r.get(7, path)? == "1",
                    non_vaccine: r.get(8, path)? == "1",
                    short: r.get(9, path)?.to_string(),
                    long: r.get(10, path)?.to_string(),
                });
            }
            other => {
                return Err(Error::parse(
                    path,
                    r.line,
                    format!("unknown record {other:?}"),
                ));
            }
        }
    }
    let info = info.ok_or_else(|| Error::parse(path, 1, "no REL record"))?;
    SimpleRelease::new(info, entries, path)
}

/// A release derived from a later one: the entries in use during `info`'s calendar year
/// (added by its December 31, not terminated before its January 1), under `info`'s name.
/// HCPCS entries carry their own added and termination dates, so the January 2026 file
/// gives the code set of each earlier year it still lists.
pub(crate) fn within_year(release: SimpleRelease, info: &ReleaseInfo) -> Result<SimpleRelease> {
    let year = info.effective_from.year();
    let entries = release
        .entries
        .into_iter()
        .filter(|e| e.in_year(year))
        .collect();
    SimpleRelease::new(
        info.clone(),
        entries,
        &crate::packfile::embedded_path(&info.name),
    )
}
