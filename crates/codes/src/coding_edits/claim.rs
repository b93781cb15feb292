//! The claim-level rules of the coding-edit table: present-on-admission indicators and the
//! principal diagnosis, which only an inpatient claim carries.
//!
//! Invariants: on any other claim these rules find nothing; the POA-exempt list is CMS's
//! (`data/codes/poa-exempt-FY2026.gz`); MCE edit 9 is v37's list, extended to codes created
//! since by their siblings (below), so the edit is checked against the release in force.

use serde::Serialize;

use super::{CodingEdit, Ctx, Severity, rule_source};

/// The kind of claim the codes are for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Setting {
    /// An inpatient stay (837I / UB-04): POA indicators and a principal diagnosis.
    Inpatient,
    /// An outpatient facility claim.
    Outpatient,
    /// A professional claim (837P / CMS-1500).
    #[default]
    Professional,
}

/// One diagnosis as listed on a claim.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimDiagnosis {
    /// The ICD-10-CM code.
    pub code: String,
    /// Its present-on-admission indicator as sent (`Y`, `N`, `U`, `W`, `1`), if any.
    pub poa: Option<String>,
}

/// The indicators UB-04 FL67 and 837I HI01-9 accept (ICD-10-CM Official Guidelines,
/// Appendix I; `1` marks an exempt code, which may also be left blank).
const POA_VALUES: [&str; 5] = ["Y", "N", "U", "W", "1"];

pub(super) fn poa_missing(cx: &Ctx<'_>, out: &mut Vec<CodingEdit>) {
    if !cx.inpatient {
        return;
    }
    let Some(exempt) = cx.poa_exempt else { return };
    for (i, (c, _)) in cx.codes.iter().enumerate() {
        let poa = cx.poa.get(i).copied().flatten().map(str::trim);
        if poa.is_none_or(str::is_empty) && !exempt.contains(c) {
            out.push(CodingEdit {
                rule: "poa-missing",
                severity: Severity::Error,
                codes: vec![(*c).to_string()],
                message: format!("{c} has no present-on-admission indicator and is not POA-exempt"),
                source: rule_source("poa-missing"),
            });
        }
    }
}

pub(super) fn poa_invalid(cx: &Ctx<'_>, out: &mut Vec<CodingEdit>) {
    if !cx.inpatient {
        return;
    }
    for (i, (c, _)) in cx.codes.iter().enumerate() {
        let Some(poa) = cx.poa.get(i).copied().flatten().map(str::trim) else {
            continue;
        };
        if poa.is_empty() {
            continue;
        }
        let upper = poa.to_ascii_uppercase();
        let message = if !POA_VALUES.contains(&upper.as_str()) {
            format!("{c}: POA indicator {poa:?} is not one of Y, N, U, W or 1")
        } else if upper == "1" && cx.poa_exempt.is_some_and(|e| !e.contains(c)) {
            format!("{c} is marked exempt (1) but is not on the POA-exempt list")
        } else {
            continue;
        };
        out.push(CodingEdit {
            rule: "poa-invalid",
            severity: Severity::Error,
            codes: vec![(*c).to_string()],
            message,
            source: rule_source("poa-invalid"),
        });
    }
}

/// Is the code unacceptable as principal diagnosis? Listed by MCE v37 edit 9; or created
/// since v37 (so not listed) under a parent whose other billable codes all are — MCE lists
/// whole subcategories, and a code added to one inherits its reason (a Z-code encounter
/// reason, a history code); or an external cause code (I.C.20, which MCE v37 also lists
/// whole).
pub(super) fn principal_unacceptable(cx: &Ctx<'_>, node: u32) -> Option<&'static str> {
    let n = cx.r.node(node)?;
    if cx.edits.principal_unacceptable_listed(&n.code) {
        return Some("MCE v37 edit 9 lists it");
    }
    if matches!(n.code.chars().next(), Some('V' | 'W' | 'X' | 'Y')) {
        return Some("an external cause code (Guidelines I.C.20)");
    }
    let parent = n.parent?;
    let siblings: Vec<u32> =
        cx.r.billable_descendants(parent)
            .into_iter()
            .filter(|&s| s != node)
            .collect();
    (!siblings.is_empty()
        && siblings.iter().all(|&s| {
            cx.r.node(s)
                .is_some_and(|x| cx.edits.principal_unacceptable_listed(&x.code))
        }))
    .then_some("created since MCE v37 under a subcategory whose every other code MCE lists")
}

pub(super) fn mce_principal_unacceptable(cx: &Ctx<'_>, out: &mut Vec<CodingEdit>) {
    if !cx.inpatient {
        return;
    }
    let Some((c, Some(node))) = cx.codes.first() else {
        return;
    };
    if let Some(why) = principal_unacceptable(cx, *node) {
        out.push(CodingEdit {
            rule: "mce-principal-unacceptable",
            severity: Severity::Error,
            codes: vec![(*c).to_string()],
            message: format!("{c} is not acceptable as principal diagnosis: {why}"),
            source: rule_source("mce-principal-unacceptable"),
        });
    }
}
