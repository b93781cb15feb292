//! Which loop each segment of a transaction set belongs to, from the segment that opens
//! each loop in the 5010 implementation guides (837P X222A1, 837I X223A2, 835 X221A1,
//! 999 X231A1, 277CA X214): `HL` by its level code, `NM1`/`N1` by their entity code within
//! the enclosing loop, `CLM`, `SBR`, `LX`, `CLP`, `SVC`, `AK2`, `IK3`, `TRN`.
//!
//! Loops are named only so problems can say where they are (`loop 2300`); the rules that
//! need the structure (the 837 builder, the 835 reader) walk the segments themselves.

use crate::segment::Segment;

/// The transaction sets Chartroom reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionKind {
    /// 837 professional claim (005010X222A1).
    Professional,
    /// 837 institutional claim (005010X223A2).
    Institutional,
    /// 835 payment and remittance advice (005010X221A1).
    Remittance,
    /// 999 implementation acknowledgment (005010X231A1).
    Acknowledgment,
    /// 277 claim acknowledgment (005010X214).
    ClaimStatus,
    /// Any other transaction set: only header and trailer are named.
    Other,
}

impl TransactionKind {
    /// The kind from ST01 and the implementation convention (ST03, or GS08 when ST03 is empty).
    pub fn from_st(st01: &str, version: &str) -> Self {
        match st01 {
            "837" if version.contains("X223") => Self::Institutional,
            "837" => Self::Professional,
            "835" => Self::Remittance,
            "999" => Self::Acknowledgment,
            "277" => Self::ClaimStatus,
            _ => Self::Other,
        }
    }
}

/// The loop of each segment of one transaction set, `ST` to `SE`.
pub type LoopMap = Vec<&'static str>;

/// Names the loop of every segment in `segments` (the ST ... SE of one transaction set).
pub fn assign(kind: TransactionKind, segments: &[Segment<'_>]) -> LoopMap {
    let mut current: &'static str = "header";
    segments
        .iter()
        .map(|segment| {
            current = match segment.id {
                "ST" => "header",
                "SE" => "trailer",
                _ => next_loop(kind, current, segment).unwrap_or(current),
            };
            current
        })
        .collect()
}

fn next_loop(
    kind: TransactionKind,
    current: &'static str,
    segment: &Segment<'_>,
) -> Option<&'static str> {
    match kind {
        TransactionKind::Professional | TransactionKind::Institutional => {
            claim_loop(kind == TransactionKind::Institutional, current, segment)
        }
        TransactionKind::Remittance => remittance_loop(segment),
        TransactionKind::Acknowledgment => match segment.id {
            "AK1" => Some("header"),
            "AK2" => Some("2000"),
            "IK3" => Some("2100"),
            "IK4" => Some("2110"),
            "IK5" => Some("2000"),
            "AK9" => Some("trailer"),
            _ => None,
        },
        TransactionKind::ClaimStatus => status_loop(current, segment),
        TransactionKind::Other => None,
    }
}

fn claim_loop(
    institutional: bool,
    current: &'static str,
    segment: &Segment<'_>,
) -> Option<&'static str> {
    let group = current.get(..4).unwrap_or(current);
    match segment.id {
        "HL" => match segment.element(3) {
            "20" => Some("2000A"),
            "22" => Some("2000B"),
            "23" => Some("2000C"),
            _ => None,
        },
        "CLM" => Some("2300"),
        "SBR" if group.starts_with("23") => Some("2320"),
        "LX" => Some("2400"),
        "LIN" => Some("2410"),
        "SVD" => Some("2430"),
        "LQ" => Some("2440"),
        "NM1" => {
            let entity = segment.element(1);
            match group {
                "head" | "1000" => match entity {
                    "41" => Some("1000A"),
                    "40" => Some("1000B"),
                    _ => None,
                },
                "2000" | "2010" => match (current.get(4..5), entity) {
                    (Some("A"), "85") => Some("2010AA"),
                    (Some("A"), "87") => Some("2010AB"),
                    (Some("A"), "PE") => Some("2010AC"),
                    (Some("B"), "IL") => Some("2010BA"),
                    (Some("B"), "PR") => Some("2010BB"),
                    (Some("C"), "QC") => Some("2010CA"),
                    _ => None,
                },
                "2300" | "2310" if institutional => match entity {
                    "71" => Some("2310A"),
                    "72" => Some("2310B"),
                    "ZZ" => Some("2310C"),
                    "82" => Some("2310D"),
                    "77" => Some("2310E"),
                    "DN" => Some("2310F"),
                    _ => None,
                },
                "2300" | "2310" => match entity {
                    "DN" => Some("2310A"),
                    "82" => Some("2310B"),
                    "77" => Some("2310C"),
                    "DQ" => Some("2310D"),
                    "PW" => Some("2310E"),
                    "45" => Some("2310F"),
                    _ => None,
                },
                "2320" | "2330" => match entity {
                    "IL" => Some("2330A"),
                    "PR" => Some("2330B"),
                    "DN" | "71" => Some("2330C"),
                    "82" | "72" => Some("2330D"),
                    "77" | "ZZ" => Some("2330E"),
                    "DQ" => Some("2330F"),
                    "85" => Some("2330G"),
                    _ => None,
                },
                "2400" | "2410" | "2420" | "2430" | "2440" => match entity {
                    "82" => Some("2420A"),
                    "QB" => Some("2420B"),
                    "77" => Some("2420C"),
                    "DQ" => Some("2420D"),
                    "DK" => Some("2420E"),
                    "DN" => Some("2420F"),
                    "PW" => Some("2420G"),
                    "45" => Some("2420H"),
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

fn remittance_loop(segment: &Segment<'_>) -> Option<&'static str> {
    match (segment.id, segment.element(1)) {
        ("N1", "PR") => Some("1000A"),
        ("N1", "PE") => Some("1000B"),
        ("LX", _) => Some("2000"),
        ("CLP", _) => Some("2100"),
        ("SVC", _) => Some("2110"),
        ("PLB", _) => Some("summary"),
        _ => None,
    }
}

fn status_loop(current: &'static str, segment: &Segment<'_>) -> Option<&'static str> {
    let level = current.get(4..5).unwrap_or("");
    match segment.id {
        "HL" => match segment.element(3) {
            "20" => Some("2000A"),
            "21" => Some("2000B"),
            "19" => Some("2000C"),
            "PT" => Some("2000D"),
            _ => None,
        },
        "NM1" => match level {
            "A" => Some("2100A"),
            "B" => Some("2100B"),
            "C" => Some("2100C"),
            "D" => Some("2100D"),
            _ => None,
        },
        "TRN" => match level {
            "A" => Some("2200A"),
            "B" => Some("2200B"),
            "C" => Some("2200C"),
            "D" => Some("2200D"),
            _ => None,
        },
        "SVC" => Some("2220D"),
        _ => None,
    }
}
