//! Which chart items are specially protected, by their codes and the service that gave
//! the care: substance-use-disorder records (42 CFR Part 2), HIV, genetic information,
//! reproductive health care and psychotherapy notes. Each needs a specific consent before
//! it leaves, so the classification errs towards protecting: everything of an encounter
//! that holds a protected diagnosis carries that diagnosis's class.

use records::ReleaseCategory;

/// The protected class of an ICD-10-CM diagnosis code (with or without its dot), if any.
pub fn class_of_diagnosis(code: &str) -> Option<ReleaseCategory> {
    let code: String = code
        .chars()
        .filter(|c| *c != '.')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let category = code.get(..3)?;
    // F17 (nicotine dependence) is not treated by Part 2 programs; F10-F19 otherwise are
    // the mental and behavioural disorders due to psychoactive substance use.
    if ("F10"..="F19").contains(&category) && category != "F17" {
        return Some(ReleaseCategory::SubstanceUse);
    }
    if matches!(category, "B20" | "Z21" | "R75")
        || code.starts_with("O987")
        || code.starts_with("Z717")
    {
        return Some(ReleaseCategory::Hiv);
    }
    if matches!(category, "Z14" | "Z15") || code.starts_with("Z8481") || code.starts_with("Z1371") {
        return Some(ReleaseCategory::Genetic);
    }
    if ("O00"..="O08").contains(&category)
        || matches!(category, "Z30" | "Z31" | "Z32")
        || code.starts_with("Z332")
    {
        return Some(ReleaseCategory::Reproductive);
    }
    None
}

/// LOINC codes of HIV tests (antibody, antigen, viral load): a result of one is HIV
/// information whatever its value.
const HIV_LOINC: &[&str] = &[
    "75622-1", "7917-8", "7918-6", "56888-1", "20447-9", "25835-0", "48345-4", "68961-2",
];

/// LOINC codes of genetic tests released only with a specific consent.
const GENETIC_LOINC: &[&str] = &["21636-6", "21637-4", "38405-7", "81247-9"];

/// The protected class of an observation's LOINC code, if any.
pub fn class_of_observation(loinc: &str) -> Option<ReleaseCategory> {
    let loinc = loinc.trim();
    if HIV_LOINC.contains(&loinc) {
        Some(ReleaseCategory::Hiv)
    } else if GENETIC_LOINC.contains(&loinc) {
        Some(ReleaseCategory::Genetic)
    } else {
        None
    }
}

/// The protected class the hospital service of an encounter gives everything recorded
/// in it: a substance-use program is a Part 2 program (42 CFR 2.11).
pub fn class_of_service(service: &str) -> Option<ReleaseCategory> {
    let service = service.to_ascii_lowercase();
    if ["substance", "addiction", "detox", "opioid treatment"]
        .iter()
        .any(|word| service.contains(word))
    {
        Some(ReleaseCategory::SubstanceUse)
    } else {
        None
    }
}

/// Whether the notes of an encounter of this service are psychotherapy notes (kept apart
/// from the medical record, 45 CFR 164.501).
pub fn is_psychotherapy_service(service: &str) -> bool {
    service.to_ascii_lowercase().contains("psychotherapy")
}

#[cfg(test)]
mod tests;
