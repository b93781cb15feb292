//! What 835 adjustment codes mean: claim adjustment group codes (CAS01), claim adjustment
//! reason codes (CARC, CAS02) and remittance advice remark codes (RARC, MOA/LQ), from the
//! X12/WPC lists kept in `data/x12/codes` and compiled in.
//!
//! The lists append the code's effective dates to the description ("... Start: 01/01/1997");
//! only the description is kept.

use std::collections::HashMap;
use std::sync::OnceLock;

const GROUPS: &str = include_str!("../../../data/x12/codes/claim_adjustment_group_codes.csv");
const CARC: &str = include_str!("../../../data/x12/codes/claim_adjustment_reason_codes.csv");
const RARC: &str = include_str!("../../../data/x12/codes/remittance_advice_remark_codes.csv");

fn table(text: &'static str) -> HashMap<String, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|record| {
            let code = record.get(0)?.trim().to_owned();
            let description = record.get(1)?.trim();
            let description = description.split(" Start: ").next().unwrap_or(description);
            let description = description
                .split("Start: ")
                .next()
                .unwrap_or(description)
                .trim();
            Some((code, description.to_owned()))
        })
        .collect()
}

fn lookup(
    cell: &'static OnceLock<HashMap<String, String>>,
    text: &'static str,
    code: &str,
) -> Option<&'static str> {
    cell.get_or_init(|| table(text))
        .get(code.trim())
        .map(String::as_str)
}

/// The meaning of a claim adjustment group code (`CO` Contractual Obligation).
pub fn group_description(code: &str) -> Option<&'static str> {
    static CELL: OnceLock<HashMap<String, String>> = OnceLock::new();
    lookup(&CELL, GROUPS, code)
}

/// The meaning of a claim adjustment reason code (`45`).
pub fn reason_description(code: &str) -> Option<&'static str> {
    static CELL: OnceLock<HashMap<String, String>> = OnceLock::new();
    lookup(&CELL, CARC, code)
}

/// The meaning of a remittance advice remark code (`M15`).
pub fn remark_description(code: &str) -> Option<&'static str> {
    static CELL: OnceLock<HashMap<String, String>> = OnceLock::new();
    lookup(&CELL, RARC, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_described_without_their_dates() {
        assert_eq!(group_description("PR"), Some("Patient Responsibility"));
        assert_eq!(group_description("OA"), Some("Other Adjustment"));
        assert_eq!(reason_description("1"), Some("Deductible Amount"));
        assert_eq!(
            remark_description("M2"),
            Some("Not paid separately when the patient is an inpatient.")
        );
        assert!(
            reason_description("45").is_some_and(|d| d.starts_with("Charge exceeds fee schedule"))
        );
        assert_eq!(reason_description("ZZZ"), None);
    }
}
