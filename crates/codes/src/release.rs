//! Code systems and release metadata, and the rule for which release is in force on a date.
//!
//! Invariant: within one system, releases are kept sorted by `effective_from`; a release is in
//! force from its own `effective_from` until the day before the next release's, and the last
//! one stays in force indefinitely (CMS keeps a release valid until it is replaced).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use time::Date;

use crate::error::Error;

/// A code system Chartroom knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    /// ICD-10-CM diagnoses (CDC/CMS).
    Icd10Cm,
    /// ICD-10-PCS inpatient procedures (CMS).
    Icd10Pcs,
    /// HCPCS Level II (CMS).
    Hcpcs,
    /// CDC vaccine-administered codes.
    Cvx,
    /// AMA CPT, only from a licensed file the user imports.
    Cpt,
}

impl System {
    /// All systems, in display order.
    pub const ALL: [System; 5] = [
        System::Icd10Cm,
        System::Icd10Pcs,
        System::Hcpcs,
        System::Cvx,
        System::Cpt,
    ];

    /// The short name used on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            System::Icd10Cm => "icd10cm",
            System::Icd10Pcs => "icd10pcs",
            System::Hcpcs => "hcpcs",
            System::Cvx => "cvx",
            System::Cpt => "cpt",
        }
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for System {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let k: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match k.as_str() {
            "icd10cm" | "cm" | "icd10" => Ok(System::Icd10Cm),
            "icd10pcs" | "pcs" => Ok(System::Icd10Pcs),
            "hcpcs" | "hcpcs2" | "hcpcsii" => Ok(System::Hcpcs),
            "cvx" => Ok(System::Cvx),
            "cpt" | "cpt4" => Ok(System::Cpt),
            _ => Err(Error::Unsupported(format!(
                "unknown code system {s:?}; expected one of icd10cm, icd10pcs, hcpcs, cvx, cpt"
            ))),
        }
    }
}

/// Where a release came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Shipped inside the binary (`data/codes/`).
    Embedded,
    /// Imported at run time and stored in the user's data directory.
    Imported,
}

/// Metadata of one loaded release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseInfo {
    /// The code system.
    pub system: System,
    /// Release name, e.g. `FY2026` or `2026-Q1`.
    pub name: String,
    /// First date of service the release applies to.
    pub effective_from: Date,
    /// Last date of service it applies to, when a later release is loaded.
    pub effective_to: Option<Date>,
    /// Where the content came from (publisher, file, licence).
    pub source: String,
    /// Embedded or imported.
    pub origin: Origin,
    /// Number of codes (all levels) in the release.
    pub codes: usize,
}

/// Finds the index of the release in force on `date` among releases sorted by start date.
pub(crate) fn in_force<T>(releases: &[T], date: Date, from: impl Fn(&T) -> Date) -> Option<usize> {
    let n = releases.partition_point(|r| from(r) <= date);
    n.checked_sub(1)
}

/// Fills `effective_to` from each release's successor.
pub(crate) fn chain_dates(infos: &mut [&mut ReleaseInfo]) {
    infos.sort_by_key(|r| r.effective_from);
    let starts: Vec<Date> = infos.iter().map(|r| r.effective_from).collect();
    for (i, r) in infos.iter_mut().enumerate() {
        r.effective_to = starts.get(i + 1).and_then(|d| d.previous_day());
    }
}

/// Parses an ISO date (`2026-04-01`) or CMS date (`20260401`).
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 8 {
        return None;
    }
    let y: i32 = digits.get(0..4)?.parse().ok()?;
    let m: u8 = digits.get(4..6)?.parse().ok()?;
    let d: u8 = digits.get(6..8)?.parse().ok()?;
    Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}
