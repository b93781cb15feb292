//! Coding edits on the procedure codes of one encounter, as the procedure form shows them
//! before a code is saved and a claim carries them: one table of rules
//! ([`PROCEDURE_RULES`]), each naming its source, run in order over the lines as listed.
//!
//! Invariants: every code is checked on its own date of service in the release in force
//! then ([`CodeSets::validate`], the same check the forms and the scrubber make); the NCCI
//! pairs and MUEs are [`crate::ncci::Ncci::check`] over the HCPCS/CPT lines, so the form and
//! the claim scrubber never disagree; imported NCCI files that cannot be read are a warning
//! naming the problem, never a silent pass.

use time::Date;

use super::{CodingEdit, Severity};
use crate::edits::Patient;
use crate::engine::CodeSets;
use crate::error::Result;
use crate::ncci::NcciLine;
use crate::release::System;

/// A procedure line as the edits see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureLine {
    /// ICD-10-PCS, HCPCS or CPT.
    pub system: System,
    /// The code as stored.
    pub code: String,
    /// Its modifiers (HCPCS/CPT).
    pub modifiers: Vec<String>,
    /// Units (at least 1).
    pub units: u32,
    /// Date of service.
    pub date: Date,
}

/// A rule of the procedure table.
#[derive(Debug, Clone, Copy)]
pub struct ProcedureRule {
    /// Stable id, e.g. `ncci-ptp`.
    pub id: &'static str,
    /// What it checks.
    pub description: &'static str,
    /// Where it comes from.
    pub source: &'static str,
}

/// The procedure rules, in the order they run.
pub const PROCEDURE_RULES: &[ProcedureRule] = &[
    ProcedureRule {
        id: "procedure-invalid",
        description: "a procedure code that is not valid in the release in force on its date of service (no PCS table row, unknown, terminated or not yet effective)",
        source: "HIPAA code set standard, 45 CFR 162.1002: the code set valid on the date of service",
    },
    ProcedureRule {
        id: "procedure-sex-age",
        description: "an ICD-10-PCS code that conflicts with the patient's sex",
        source: "CMS Medicare Code Editor v37 procedure sex edits",
    },
    ProcedureRule {
        id: "procedure-duplicate",
        description: "the same code (and modifiers) listed twice on one date: report it once with its units, or say why it was done again",
        source: "ICD-10-PCS Official Guidelines B3.2 (a procedure coded again only when performed separately); NCCI Policy Manual ch. I (units on one line)",
    },
    ProcedureRule {
        id: "ncci-ptp",
        description: "two HCPCS/CPT codes on one date that an NCCI procedure-to-procedure edit in force pairs",
        source: "CMS NCCI practitioner PTP edits (quarterly file imported with `chartroom codes import-ncci`); NCCI Policy Manual ch. I",
    },
    ProcedureRule {
        id: "mue",
        description: "units of a HCPCS/CPT code over its medically unlikely edit (per line, or the day's lines together)",
        source: "CMS NCCI Practitioner Services MUE table (quarterly file imported with `chartroom codes import-ncci`)",
    },
    ProcedureRule {
        id: "ncci-unreadable",
        description: "the imported NCCI files could not be read, so no pair or MUE was checked",
        source: "CMS NCCI files as imported with `chartroom codes import-ncci`",
    },
];

fn procedure_source(id: &str) -> String {
    PROCEDURE_RULES
        .iter()
        .find(|r| r.id == id)
        .map_or_else(String::new, |r| r.source.to_owned())
}

fn edit(rule: &'static str, severity: Severity, codes: Vec<String>, message: String) -> CodingEdit {
    CodingEdit {
        rule,
        severity,
        codes,
        message,
        source: procedure_source(rule),
    }
}

impl CodeSets {
    /// Runs every rule of [`PROCEDURE_RULES`] over the procedure lines of one encounter
    /// for the patient. A code whose release is missing on its date is reported as
    /// invalid; an unreadable NCCI import is a warning.
    pub fn procedure_coding_edits(
        &self,
        lines: &[ProcedureLine],
        patient: &Patient,
    ) -> Result<Vec<CodingEdit>> {
        let mut out = Vec::new();
        for l in lines {
            match self.validate(l.system, &l.code, l.date, patient) {
                Ok(v) => {
                    // Without a licensed CPT file a CPT code is checked for its shape only
                    // (`format_only`), as on the forms.
                    if !v.billable || !(v.exists || v.format_only) {
                        out.push(edit(
                            "procedure-invalid",
                            Severity::Error,
                            vec![l.code.clone()],
                            format!(
                                "{} on {}: {} ({})",
                                l.code,
                                l.date,
                                v.problems.join("; "),
                                v.release
                            ),
                        ));
                    }
                    for flag in v.edits.iter().filter(|e| e.conflict) {
                        out.push(CodingEdit {
                            source: flag.source.to_owned(),
                            ..edit(
                                "procedure-sex-age",
                                Severity::Error,
                                vec![l.code.clone()],
                                format!("{}: {}", l.code, flag.message),
                            )
                        });
                    }
                }
                Err(e) => out.push(edit(
                    "procedure-invalid",
                    Severity::Error,
                    vec![l.code.clone()],
                    format!("{} on {}: {e}", l.code, l.date),
                )),
            }
        }
        let key = |l: &ProcedureLine| {
            let mut m: Vec<String> = l
                .modifiers
                .iter()
                .map(|m| m.trim().to_ascii_uppercase())
                .collect();
            m.sort();
            (l.system, crate::code::normalize(&l.code), m, l.date)
        };
        for (i, l) in lines.iter().enumerate() {
            if lines.iter().take(i).any(|p| key(p) == key(l)) {
                out.push(edit(
                    "procedure-duplicate",
                    Severity::Warning,
                    vec![l.code.clone()],
                    format!(
                        "{} is listed more than once on {}: report it once with its units, or confirm it was performed separately",
                        l.code, l.date
                    ),
                ));
            }
        }
        let professional: Vec<(usize, &ProcedureLine)> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| matches!(l.system, System::Hcpcs | System::Cpt))
            .collect();
        if professional.is_empty() {
            return Ok(out);
        }
        match self.ncci() {
            Ok(Some(ncci)) => {
                let seen: Vec<NcciLine<'_>> = professional
                    .iter()
                    .map(|(i, l)| NcciLine {
                        line: i + 1,
                        code: l.code.as_str(),
                        modifiers: &l.modifiers,
                        units: l.units,
                        date: l.date,
                    })
                    .collect();
                for f in ncci.check(&seen) {
                    let code = lines
                        .get(f.line.saturating_sub(1))
                        .map(|l| l.code.clone())
                        .unwrap_or_default();
                    out.push(edit(f.rule, Severity::Error, vec![code], f.message));
                }
            }
            Ok(None) => {}
            Err(e) => out.push(edit(
                "ncci-unreadable",
                Severity::Warning,
                Vec::new(),
                format!("NCCI pairs and MUEs were not checked: {e}"),
            )),
        }
        Ok(out)
    }
}
