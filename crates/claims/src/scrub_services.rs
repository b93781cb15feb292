//! The scrubber's edits for drug, anesthesia, ambulance and durable medical equipment
//! lines (rules `ndc`, `anesthesia-time`, `ambulance-modifier`, `dme-modifier` in
//! `scrub::RULES`, each with its source). All block the claim until fixed or overridden.

use crate::claim::ProfessionalClaim;
use crate::scrub::Found;

/// A drug HCPCS code (`J` and four digits: drugs administered other than orally).
fn is_drug_code(code: &str) -> bool {
    code.len() == 5 && code.starts_with('J') && code[1..].bytes().all(|b| b.is_ascii_digit())
}

/// An ambulance or transport HCPCS code (A0021-A0999).
pub(crate) fn is_ambulance_code(code: &str) -> bool {
    code.len() == 5 && code.starts_with("A0") && code[2..].bytes().all(|b| b.is_ascii_digit())
}

/// An ambulance base rate or mileage code (A0425-A0436), which needs the trip's origin and
/// destination.
fn is_transport_code(code: &str) -> bool {
    is_ambulance_code(code)
        && code[1..]
            .parse::<u32>()
            .is_ok_and(|n| (425..=436).contains(&n))
}

/// A CPT anesthesia code (00100-01999).
fn is_anesthesia_code(code: &str) -> bool {
    code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()) && {
        let n: u32 = code.parse().unwrap_or(0);
        (100..=1_999).contains(&n)
    }
}

/// An origin/destination modifier: two of CMS's place letters (D diagnostic site, E
/// residential facility, G hospital-based dialysis, H hospital, I transfer site, J
/// free-standing dialysis, N nursing facility, P physician's office, R residence, S scene,
/// X an intermediate stop at a physician's office, as destination only).
pub(crate) fn is_origin_destination(modifier: &str) -> bool {
    let places = b"DEGHIJNPRS";
    let b = modifier.as_bytes();
    b.len() == 2 && places.contains(&b[0]) && (places.contains(&b[1]) || b[1] == b'X')
}

/// The service-kind edits over `claim`'s lines; `facility` for an 837I (only the NDC rule
/// applies there, on revenue code 0636, drugs requiring detailed coding).
pub(crate) fn service_edits(
    claim: &ProfessionalClaim,
    facility: bool,
    needs_ndc: bool,
    found: &mut Found,
) {
    for (idx, line) in claim.lines.iter().enumerate() {
        let at = idx + 1;
        let drug_line = if facility {
            line.code == "0636"
        } else {
            is_drug_code(&line.code)
        };
        if needs_ndc && drug_line && line.details.drug.is_none() {
            found.add(
                "ndc",
                format!("line {at} 2410 LIN03"),
                format!(
                    "{} is a drug billed to a payer that needs the NDC: give the NDC, quantity and unit given",
                    line.code
                ),
            );
        }
        if facility {
            continue;
        }
        if is_anesthesia_code(&line.code) && line.details.anesthesia.is_none() {
            found.add(
                "anesthesia-time",
                format!("line {at} SV104"),
                format!(
                    "{} is anesthesia: its time goes in minutes (SV103 MJ); record the anesthesia minutes",
                    line.code
                ),
            );
        }
        if is_transport_code(&line.code)
            && !line
                .modifiers
                .first()
                .is_some_and(|m| is_origin_destination(m))
        {
            found.add(
                "ambulance-modifier",
                format!("line {at} SV101-3"),
                format!(
                    "{} needs the trip's origin/destination modifier first (e.g. RH: residence to hospital)",
                    line.code
                ),
            );
        }
        let certified = line.details.equipment.is_some();
        let rental_or_purchase = line
            .modifiers
            .iter()
            .any(|m| matches!(m.as_str(), "RR" | "NU" | "UE"));
        if certified && line.code.starts_with(['E', 'K']) && !rental_or_purchase {
            found.add(
                "dme-modifier",
                format!("line {at} SV101-3"),
                format!(
                    "{} is equipment: say whether it is rented (RR) or bought new (NU) or used (UE)",
                    line.code
                ),
            );
        }
    }
    let transported = claim.lines.iter().any(|l| is_transport_code(&l.code));
    let trip = claim.lines.iter().any(|l| l.details.transport.is_some());
    if transported && !trip {
        found.add(
            "ambulance-modifier",
            "2300 CR1",
            "the claim bills an ambulance trip but no line records it (reason, distance, pick-up and drop-off)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_modifiers_are_told_apart() {
        assert!(is_drug_code("J1885") && !is_drug_code("J188") && !is_drug_code("99213"));
        assert!(is_transport_code("A0425") && is_transport_code("A0436"));
        assert!(!is_transport_code("A0422") && is_ambulance_code("A0422"));
        assert!(is_anesthesia_code("00142") && is_anesthesia_code("01999"));
        assert!(!is_anesthesia_code("00099") && !is_anesthesia_code("99213"));
        assert!(is_origin_destination("RH") && is_origin_destination("HX"));
        assert!(!is_origin_destination("XH") && !is_origin_destination("RT"));
    }
}
