//! Sex- and age-specific edits for diagnoses and procedures.
//!
//! Source: CMS Medicare Code Editor (MCE) v37 simple code edits — sections 4 (age conflict:
//! newborn, pediatric, maternity, adult) and 5 (sex conflict: female-only, male-only).
//! MCE v37 is the FY2020 edition, so codes created since are not in it; for those the
//! ICD-10-CM chapter 15 convention applies (guideline I.C.15.a.1: O codes are used only on
//! the maternal record), flagged with that source instead.
//! Age ranges follow the MCE definitions: newborn 0, pediatric 0-17, maternity 9-64,
//! adult 15-124 years. Section 9 (unacceptable principal diagnosis) is kept too, for the
//! inpatient coding edit.

use std::path::Path;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::code;
use crate::error::{Error, Result};
use crate::packfile::{self, PackWriter};

/// A patient's sex as far as code edits are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

/// What the edits need to know about the patient.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Patient {
    /// Administrative sex, when known.
    pub sex: Option<Sex>,
    /// Age in completed years on the date of service, when known.
    pub age_years: Option<u16>,
}

impl Patient {
    /// Computes the age in completed years on `dos` from a birth date.
    pub fn with_birth_date(sex: Option<Sex>, birth: time::Date, dos: time::Date) -> Self {
        let mut age = dos.year() - birth.year();
        if (dos.month() as u8, dos.day()) < (birth.month() as u8, birth.day()) {
            age -= 1;
        }
        Patient {
            sex,
            age_years: u16::try_from(age).ok(),
        }
    }
}

/// One kind of edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EditKind {
    /// Newborn diagnosis: age 0.
    Newborn,
    /// Pediatric diagnosis: age 0-17.
    Pediatric,
    /// Maternity diagnosis: age 9-64 and female.
    Maternity,
    /// Adult diagnosis: age 15-124.
    Adult,
    /// Female-only diagnosis or procedure.
    FemaleOnly,
    /// Male-only diagnosis or procedure.
    MaleOnly,
}

impl EditKind {
    const ALL: [EditKind; 6] = [
        EditKind::Newborn,
        EditKind::Pediatric,
        EditKind::Maternity,
        EditKind::Adult,
        EditKind::FemaleOnly,
        EditKind::MaleOnly,
    ];
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
    fn tag(self) -> &'static str {
        match self {
            EditKind::Newborn => "Newborn_Only",
            EditKind::Pediatric => "Pediatric_Only",
            EditKind::Maternity => "Maternity_Only",
            EditKind::Adult => "Adult_Only",
            EditKind::FemaleOnly => "Female_Only",
            EditKind::MaleOnly => "Male_Only",
        }
    }
    /// Inclusive age range in years, for age edits.
    pub fn age_range(self) -> Option<(u16, u16)> {
        match self {
            EditKind::Newborn => Some((0, 0)),
            EditKind::Pediatric => Some((0, 17)),
            EditKind::Maternity => Some((9, 64)),
            EditKind::Adult => Some((15, 124)),
            EditKind::FemaleOnly | EditKind::MaleOnly => None,
        }
    }
}

/// An edit that fires (or would fire) for a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditFlag {
    /// The edit.
    pub kind: EditKind,
    /// True when it conflicts with the patient given; false when it is only informative
    /// (the patient's sex or age is unknown).
    pub conflict: bool,
    /// Human-readable explanation.
    pub message: String,
    /// Where the rule comes from.
    pub source: &'static str,
}

/// Bit of a diagnosis listed by MCE edit 9, "unacceptable principal diagnosis" (beside the
/// six [`EditKind`] bits).
const PRINCIPAL_UNACCEPTABLE: u8 = 1 << 6;
const PRINCIPAL_UNACCEPTABLE_TAG: &str = "Principal_Unacceptable";

const MCE_SOURCE: &str = "CMS Medicare Code Editor v37, simple code edits";
const CHAPTER15_SOURCE: &str = "ICD-10-CM chapter 15 (O00-O9A), guideline I.C.15.a.1";

/// Packed code → edit bits, separately for diagnoses and procedures.
#[derive(Debug, Default)]
pub struct Edits {
    diagnoses: FxHashMap<u64, u8>,
    procedures: FxHashMap<u64, u8>,
}

impl Edits {
    /// Edits that apply to a diagnosis code, checked against the patient.
    pub fn check_diagnosis(&self, code_text: &str, patient: &Patient) -> Vec<EditFlag> {
        let n = code::normalize(code_text);
        let mut bits = code::pack(&n)
            .and_then(|p| self.diagnoses.get(&p).copied())
            .unwrap_or(0);
        let mut source = MCE_SOURCE;
        if bits == 0 && n.starts_with('O') {
            bits = EditKind::Maternity.bit() | EditKind::FemaleOnly.bit();
            source = CHAPTER15_SOURCE;
        }
        flags(bits, patient, source)
    }

    /// Edits that apply to a procedure code (ICD-10-PCS), checked against the patient.
    pub fn check_procedure(&self, code_text: &str, patient: &Patient) -> Vec<EditFlag> {
        let bits = code::pack(code_text)
            .and_then(|p| self.procedures.get(&p).copied())
            .unwrap_or(0);
        flags(bits, patient, MCE_SOURCE)
    }

    /// Is the diagnosis listed by MCE edit 9 (unacceptable as principal diagnosis)?
    pub fn principal_unacceptable_listed(&self, code_text: &str) -> bool {
        code::pack(&code::normalize(code_text))
            .and_then(|p| self.diagnoses.get(&p))
            .is_some_and(|bits| bits & PRINCIPAL_UNACCEPTABLE != 0)
    }

    /// Number of diagnosis and procedure codes with edits.
    pub fn len(&self) -> (usize, usize) {
        (self.diagnoses.len(), self.procedures.len())
    }
}

fn flags(bits: u8, patient: &Patient, source: &'static str) -> Vec<EditFlag> {
    let mut out = Vec::new();
    for kind in EditKind::ALL {
        if bits & kind.bit() == 0 {
            continue;
        }
        let (conflict, message) = match (kind, kind.age_range()) {
            (EditKind::FemaleOnly, _) | (EditKind::MaleOnly, _) => {
                let want = if kind == EditKind::FemaleOnly {
                    Sex::Female
                } else {
                    Sex::Male
                };
                let who = if want == Sex::Female {
                    "female"
                } else {
                    "male"
                };
                match patient.sex {
                    Some(s) if s != want => (true, format!("code is for {who} patients only")),
                    Some(_) => (false, format!("{who}-only code")),
                    None => (false, format!("{who}-only code; patient sex unknown")),
                }
            }
            (_, Some((lo, hi))) => match patient.age_years {
                Some(a) if a < lo || a > hi => (
                    true,
                    format!("{} code is for ages {lo}-{hi}; patient is {a}", kind.tag()),
                ),
                Some(_) => (false, format!("{} code (ages {lo}-{hi})", kind.tag())),
                None => (
                    false,
                    format!("{} code (ages {lo}-{hi}); patient age unknown", kind.tag()),
                ),
            },
            _ => continue,
        };
        out.push(EditFlag {
            kind,
            conflict,
            message,
            source,
        });
    }
    out
}

/// Parses the MCE simple code edits file (tab-separated with a header:
/// `MCE_Version ICD_Version MCE_Section MCE_Subsection MCE_Edit_Type ICD_Code_Type ICD_Code
/// ICD_Desc`), keeping sections 4, 5 and 9.
pub fn parse_mce(path: &Path, text: &str) -> Result<Edits> {
    let mut e = Edits::default();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 7 {
            return Err(Error::parse(
                path,
                i + 1,
                format!("expected 8 tab-separated columns, found {}", f.len()),
            ));
        }
        let edit = f.get(4).copied().unwrap_or_default();
        let bit = if edit == PRINCIPAL_UNACCEPTABLE_TAG {
            PRINCIPAL_UNACCEPTABLE
        } else if let Some(kind) = EditKind::ALL.into_iter().find(|k| k.tag() == edit) {
            kind.bit()
        } else {
            continue;
        };
        let code_text = f.get(6).copied().unwrap_or_default().trim();
        let packed = code::pack(code_text)
            .ok_or_else(|| Error::parse(path, i + 1, format!("{code_text:?} is not a code")))?;
        let map = if f.get(5).map(|s| s.trim()) == Some("P") {
            &mut e.procedures
        } else {
            &mut e.diagnoses
        };
        *map.entry(packed).or_insert(0) |= bit;
    }
    Ok(e)
}

const KIND: &str = "edits";

/// Serialises edits: `M D|P code edit-bits`.
pub fn write(e: &Edits) -> Result<Vec<u8>> {
    let mut w = PackWriter::new(KIND);
    w.record(&["REL", "MCE v37"]);
    for (tag, map) in [("D", &e.diagnoses), ("P", &e.procedures)] {
        let mut v: Vec<_> = map.iter().collect();
        v.sort();
        for (p, bits) in v {
            w.record(&["M", tag, &code::unpack(*p), &bits.to_string()]);
        }
    }
    w.finish()
}

/// Loads processed edits.
pub(crate) fn read(path: &Path, text: &str) -> Result<Edits> {
    let mut e = Edits::default();
    for r in packfile::parse(path, text, KIND)? {
        let r = r?;
        match r.get(0, path)? {
            "REL" => {}
            "M" => {
                let p = code::pack(r.get(2, path)?)
                    .ok_or_else(|| Error::parse(path, r.line, "M: bad code"))?;
                let bits: u8 = r
                    .get(3, path)?
                    .parse()
                    .map_err(|_| Error::parse(path, r.line, "M: bad bits"))?;
                let map = if r.get(1, path)? == "P" {
                    &mut e.procedures
                } else {
                    &mut e.diagnoses
                };
                map.insert(p, bits);
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
    Ok(e)
}
