//! The element syntax of the X12 5010 segments an 837 carries, from the X12 data element
//! dictionary: for each element its base-standard requirement (mandatory or not), data
//! type and minimum/maximum length, and for a composite the same of each component. A 999
//! reports what breaks it in IK4 (`IK403` syntax error codes of 005010X231A1).
//!
//! Invariants:
//! - Only the base standard's syntax is checked (mandatory elements, type, length, dates
//!   and times, too many elements or components), never an implementation guide's usage
//!   rules or code lists: a segment that passes here may still break the TR3, but one that
//!   fails here is wrong in any transaction set.
//! - A segment missing from the table is not checked (no finding is invented); the public
//!   837 samples must pass untouched (test in `claims`), which keeps the table honest.
//! - Lengths count what X12 counts: characters for AN/ID, digits for numbers (sign and
//!   decimal point excluded).

use crate::segment::Segment;

/// An element's data type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// String.
    An,
    /// Identifier (a code; its list is not checked here).
    Id,
    /// Date, CCYYMMDD (or YYMMDD when 6 long).
    Dt,
    /// Time, HHMM[SS[d..]].
    Tm,
    /// Decimal number.
    R,
    /// Integer (N0).
    N0,
}

/// One simple element or component.
#[derive(Debug, Clone, Copy)]
struct El {
    mandatory: bool,
    kind: Kind,
    min: usize,
    max: usize,
    reference: u16,
}

/// One element of a segment.
#[derive(Debug, Clone, Copy)]
enum Def {
    Simple(El),
    Composite {
        mandatory: bool,
        parts: &'static [El],
    },
}

const fn m(kind: Kind, min: usize, max: usize, reference: u16) -> Def {
    Def::Simple(El {
        mandatory: true,
        kind,
        min,
        max,
        reference,
    })
}

const fn o(kind: Kind, min: usize, max: usize, reference: u16) -> Def {
    Def::Simple(El {
        mandatory: false,
        kind,
        min,
        max,
        reference,
    })
}

const fn c(mandatory: bool, kind: Kind, min: usize, max: usize, reference: u16) -> El {
    El {
        mandatory,
        kind,
        min,
        max,
        reference,
    }
}

use Kind::{An, Dt, Id, N0, R, Tm};

/// C003 composite medical procedure identifier.
const C003: &[El] = &[
    c(true, Id, 2, 2, 235),
    c(true, An, 1, 48, 234),
    c(false, An, 2, 2, 1339),
    c(false, An, 2, 2, 1339),
    c(false, An, 2, 2, 1339),
    c(false, An, 2, 2, 1339),
    c(false, An, 1, 80, 352),
    c(false, An, 1, 48, 234),
];
/// C022 health care code information.
const C022: &[El] = &[
    c(true, Id, 1, 3, 1270),
    c(true, An, 1, 30, 1271),
    c(false, Id, 2, 3, 1250),
    c(false, An, 1, 35, 1251),
    c(false, R, 1, 18, 782),
    c(false, R, 1, 15, 380),
    c(false, An, 1, 30, 799),
    c(false, An, 1, 30, 1271),
    c(false, Id, 1, 1, 1073),
];
/// C023 health care service location information.
const C023: &[El] = &[
    c(true, An, 1, 2, 1331),
    c(false, Id, 1, 2, 1332),
    c(false, Id, 1, 1, 1325),
];
/// C024 related causes information.
const C024: &[El] = &[
    c(true, Id, 2, 3, 1362),
    c(false, Id, 2, 3, 1362),
    c(false, Id, 2, 3, 1362),
    c(false, Id, 2, 2, 156),
    c(false, Id, 2, 3, 26),
];
/// C004 composite diagnosis code pointer.
const C004: &[El] = &[
    c(true, N0, 1, 2, 1328),
    c(false, N0, 1, 2, 1328),
    c(false, N0, 1, 2, 1328),
    c(false, N0, 1, 2, 1328),
];
/// C040 reference identifier.
const C040: &[El] = &[
    c(true, Id, 2, 3, 128),
    c(true, An, 1, 50, 127),
    c(false, Id, 2, 3, 128),
    c(false, An, 1, 50, 127),
    c(false, Id, 2, 3, 128),
    c(false, An, 1, 50, 127),
];
/// C001 composite unit of measure (first component only is mandatory).
const C001: &[El] = &[
    c(true, Id, 2, 2, 355),
    c(false, R, 1, 15, 1018),
    c(false, R, 1, 10, 649),
    c(false, Id, 2, 2, 355),
    c(false, R, 1, 15, 1018),
    c(false, R, 1, 10, 649),
    c(false, Id, 2, 2, 355),
    c(false, R, 1, 15, 1018),
    c(false, R, 1, 10, 649),
    c(false, Id, 2, 2, 355),
    c(false, R, 1, 15, 1018),
    c(false, R, 1, 10, 649),
    c(false, Id, 2, 2, 355),
    c(false, R, 1, 15, 1018),
    c(false, R, 1, 10, 649),
];
/// C056 composite race or ethnicity information.
const C056: &[El] = &[
    c(false, Id, 1, 1, 1109),
    c(false, Id, 1, 3, 1270),
    c(false, An, 1, 30, 1271),
];
/// C002 actions indicated.
const C002: &[El] = &[
    c(true, Id, 1, 2, 704),
    c(false, Id, 1, 2, 704),
    c(false, Id, 1, 2, 704),
    c(false, Id, 1, 2, 704),
    c(false, Id, 1, 2, 704),
];
/// C035 provider specialty information.
const C035: &[El] = &[
    c(true, An, 1, 3, 1222),
    c(false, Id, 1, 3, 559),
    c(false, Id, 1, 2, 1631),
];

const fn comp(mandatory: bool, parts: &'static [El]) -> Def {
    Def::Composite { mandatory, parts }
}

/// The segments checked, each with its elements in order.
const SEGMENTS: &[(&str, &[Def])] = &[
    (
        "ST",
        &[m(Id, 3, 3, 143), m(An, 4, 9, 329), o(An, 1, 35, 1705)],
    ),
    ("SE", &[m(N0, 1, 10, 96), m(An, 4, 9, 329)]),
    (
        "BHT",
        &[
            m(Id, 4, 4, 1005),
            m(Id, 2, 2, 353),
            o(An, 1, 50, 127),
            o(Dt, 8, 8, 373),
            o(Tm, 4, 8, 337),
            o(Id, 2, 2, 640),
        ],
    ),
    (
        "REF",
        &[
            m(Id, 2, 3, 128),
            o(An, 1, 50, 127),
            o(An, 1, 80, 352),
            comp(false, C040),
        ],
    ),
    (
        "NM1",
        &[
            m(Id, 2, 3, 98),
            m(Id, 1, 1, 1065),
            o(An, 1, 60, 1035),
            o(An, 1, 35, 1036),
            o(An, 1, 25, 1037),
            o(An, 1, 10, 1038),
            o(An, 1, 10, 1039),
            o(Id, 1, 2, 66),
            o(An, 2, 80, 67),
            o(Id, 2, 2, 706),
            o(Id, 2, 3, 98),
            o(An, 1, 60, 1035),
        ],
    ),
    (
        "PER",
        &[
            m(Id, 2, 2, 366),
            o(An, 1, 60, 93),
            o(Id, 2, 2, 365),
            o(An, 1, 256, 364),
            o(Id, 2, 2, 365),
            o(An, 1, 256, 364),
            o(Id, 2, 2, 365),
            o(An, 1, 256, 364),
            o(An, 1, 20, 443),
        ],
    ),
    (
        "HL",
        &[
            m(An, 1, 12, 628),
            o(An, 1, 12, 734),
            m(Id, 1, 2, 735),
            o(Id, 1, 1, 736),
        ],
    ),
    (
        "PRV",
        &[
            m(Id, 1, 3, 1221),
            o(Id, 2, 3, 128),
            o(An, 1, 50, 127),
            o(Id, 2, 2, 156),
            comp(false, C035),
            o(Id, 3, 3, 1223),
        ],
    ),
    ("N3", &[m(An, 1, 55, 166), o(An, 1, 55, 166)]),
    (
        "N4",
        &[
            o(An, 2, 30, 19),
            o(Id, 2, 2, 156),
            o(Id, 3, 15, 116),
            o(Id, 2, 3, 26),
            o(Id, 1, 2, 309),
            o(An, 1, 30, 310),
            o(Id, 1, 3, 1715),
        ],
    ),
    (
        "SBR",
        &[
            m(Id, 1, 1, 1138),
            o(Id, 2, 2, 1069),
            o(An, 1, 50, 127),
            o(An, 1, 60, 93),
            o(Id, 1, 3, 1336),
            o(Id, 1, 1, 1143),
            o(Id, 1, 1, 1073),
            o(Id, 2, 2, 584),
            o(Id, 1, 2, 1032),
        ],
    ),
    (
        "PAT",
        &[
            o(Id, 2, 2, 1069),
            o(Id, 1, 1, 1384),
            o(Id, 2, 2, 584),
            o(Id, 1, 1, 1220),
            o(Id, 2, 3, 1250),
            o(An, 1, 35, 1251),
            o(Id, 2, 2, 355),
            o(R, 1, 10, 81),
            o(Id, 1, 1, 1073),
        ],
    ),
    (
        "DMG",
        &[
            o(Id, 2, 3, 1250),
            o(An, 1, 35, 1251),
            o(Id, 1, 1, 1068),
            o(Id, 1, 1, 1067),
            comp(false, C056),
            o(Id, 1, 1, 1066),
            o(Id, 2, 3, 26),
            o(Id, 1, 2, 659),
            o(R, 1, 15, 380),
            o(Id, 1, 3, 1270),
            o(An, 1, 30, 1271),
        ],
    ),
    (
        "CLM",
        &[
            m(An, 1, 38, 1028),
            o(R, 1, 18, 782),
            o(Id, 1, 2, 1032),
            o(Id, 1, 2, 1343),
            comp(false, C023),
            o(Id, 1, 1, 1073),
            o(Id, 1, 1, 1359),
            o(Id, 1, 1, 1073),
            o(Id, 1, 1, 1363),
            o(Id, 1, 1, 1351),
            comp(false, C024),
            o(Id, 2, 3, 1366),
            o(Id, 1, 1, 1338),
            o(Id, 1, 2, 1360),
            o(Id, 1, 2, 1029),
            o(Id, 1, 2, 1383),
            o(Id, 1, 2, 1345),
            o(Id, 1, 1, 1337),
            o(Id, 1, 1, 1073),
            o(Id, 1, 2, 1514),
        ],
    ),
    (
        "DTP",
        &[m(Id, 3, 3, 374), m(Id, 2, 3, 1250), m(An, 1, 35, 1251)],
    ),
    (
        "PWK",
        &[
            m(Id, 2, 2, 755),
            o(Id, 1, 2, 756),
            o(N0, 1, 2, 757),
            o(Id, 2, 3, 98),
            o(Id, 1, 2, 66),
            o(An, 2, 80, 67),
            o(An, 1, 80, 352),
            comp(false, C002),
            o(Id, 1, 2, 1525),
        ],
    ),
    (
        "AMT",
        &[m(Id, 1, 3, 522), m(R, 1, 18, 782), o(Id, 1, 1, 478)],
    ),
    ("NTE", &[o(Id, 3, 3, 363), m(An, 1, 80, 352)]),
    (
        "HI",
        &[
            comp(true, C022),
            comp(false, C022),
            comp(false, C022),
            comp(false, C022),
            comp(false, C022),
            comp(false, C022),
            comp(false, C022),
            comp(false, C022),
            comp(false, C022),
            comp(false, C022),
            comp(false, C022),
            comp(false, C022),
        ],
    ),
    ("LX", &[m(N0, 1, 6, 554)]),
    (
        "SV1",
        &[
            comp(true, C003),
            o(R, 1, 18, 782),
            o(Id, 2, 2, 355),
            o(R, 1, 15, 380),
            o(An, 1, 2, 1331),
            o(Id, 1, 2, 1365),
            comp(false, C004),
            o(R, 1, 18, 782),
            o(Id, 1, 1, 1073),
            o(Id, 1, 1, 1073),
            o(Id, 1, 1, 1073),
            o(Id, 1, 1, 1073),
            o(Id, 1, 2, 1364),
            o(Id, 1, 2, 1341),
            o(Id, 1, 1, 1327),
            o(Id, 1, 1, 1334),
            o(An, 1, 50, 127),
            o(Id, 1, 1, 1073),
            o(Id, 1, 1, 1073),
            o(Id, 1, 1, 1337),
            o(Id, 1, 2, 1360),
        ],
    ),
    (
        "SV2",
        &[
            o(An, 1, 48, 234),
            comp(false, C003),
            o(R, 1, 18, 782),
            o(Id, 2, 2, 355),
            o(R, 1, 15, 380),
            o(R, 1, 10, 1371),
            o(R, 1, 18, 782),
            o(Id, 1, 1, 1073),
            o(Id, 1, 2, 1345),
            o(Id, 1, 1, 1337),
            o(Id, 1, 1, 1073),
        ],
    ),
    (
        "SV5",
        &[
            comp(true, C003),
            m(Id, 2, 2, 355),
            m(R, 1, 15, 380),
            o(R, 1, 18, 782),
            o(R, 1, 18, 782),
            o(Id, 1, 1, 594),
            o(Id, 1, 1, 923),
        ],
    ),
    (
        "CR1",
        &[
            o(Id, 2, 2, 355),
            o(R, 1, 10, 81),
            o(Id, 1, 1, 1316),
            o(Id, 1, 1, 1317),
            o(Id, 2, 2, 355),
            o(R, 1, 15, 380),
            o(An, 1, 55, 166),
            o(An, 1, 55, 166),
            o(An, 1, 80, 352),
            o(An, 1, 80, 352),
        ],
    ),
    (
        "CRC",
        &[
            m(Id, 2, 2, 1136),
            m(Id, 1, 1, 1073),
            m(Id, 2, 3, 1321),
            o(Id, 2, 3, 1321),
            o(Id, 2, 3, 1321),
            o(Id, 2, 3, 1321),
            o(Id, 2, 3, 1321),
        ],
    ),
    (
        "CR3",
        &[
            o(Id, 1, 1, 1322),
            o(Id, 2, 2, 355),
            o(R, 1, 15, 380),
            o(Id, 1, 1, 1335),
            o(An, 1, 80, 352),
        ],
    ),
    (
        "QTY",
        &[
            m(Id, 2, 2, 673),
            o(R, 1, 15, 380),
            comp(false, C001),
            o(An, 1, 30, 61),
        ],
    ),
    (
        "SVD",
        &[
            m(An, 2, 80, 67),
            m(R, 1, 18, 782),
            comp(false, C003),
            o(An, 1, 48, 234),
            o(R, 1, 15, 380),
            o(N0, 1, 6, 554),
        ],
    ),
    (
        "CAS",
        &[
            m(Id, 1, 2, 1033),
            m(Id, 1, 5, 1034),
            m(R, 1, 18, 782),
            o(R, 1, 15, 380),
            o(Id, 1, 5, 1034),
            o(R, 1, 18, 782),
            o(R, 1, 15, 380),
            o(Id, 1, 5, 1034),
            o(R, 1, 18, 782),
            o(R, 1, 15, 380),
            o(Id, 1, 5, 1034),
            o(R, 1, 18, 782),
            o(R, 1, 15, 380),
            o(Id, 1, 5, 1034),
            o(R, 1, 18, 782),
            o(R, 1, 15, 380),
            o(Id, 1, 5, 1034),
            o(R, 1, 18, 782),
            o(R, 1, 15, 380),
        ],
    ),
    (
        "OI",
        &[
            o(Id, 1, 2, 1032),
            o(Id, 1, 2, 1383),
            o(Id, 1, 1, 1073),
            o(Id, 1, 1, 1351),
            o(Id, 1, 2, 1360),
            o(Id, 1, 1, 1363),
        ],
    ),
    (
        "CL1",
        &[
            o(Id, 1, 1, 1315),
            o(Id, 1, 2, 1314),
            o(Id, 1, 2, 1352),
            o(Id, 1, 2, 1345),
        ],
    ),
    (
        "K3",
        &[m(An, 1, 80, 449), o(Id, 1, 2, 1333), comp(false, C001)],
    ),
    (
        "PS1",
        &[m(An, 1, 50, 127), m(R, 1, 18, 782), o(Id, 2, 2, 156)],
    ),
];

/// The 999's IK403 syntax error codes Chartroom reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxError {
    /// 1: a mandatory element (or component) is empty.
    MandatoryMissing,
    /// 3: more elements than the segment has.
    TooManyElements,
    /// 4: shorter than the element's minimum.
    TooShort,
    /// 5: longer than the element's maximum.
    TooLong,
    /// 6: a character the element's type does not allow.
    InvalidCharacter,
    /// 8: not a calendar date.
    InvalidDate,
    /// 9: not a time of day.
    InvalidTime,
    /// 13: more components than the composite has, or components in a simple element.
    TooManyComponents,
}

impl SyntaxError {
    /// The IK403 code.
    pub fn code(self) -> &'static str {
        match self {
            SyntaxError::MandatoryMissing => "1",
            SyntaxError::TooManyElements => "3",
            SyntaxError::TooShort => "4",
            SyntaxError::TooLong => "5",
            SyntaxError::InvalidCharacter => "6",
            SyntaxError::InvalidDate => "8",
            SyntaxError::InvalidTime => "9",
            SyntaxError::TooManyComponents => "13",
        }
    }

    fn words(self) -> &'static str {
        match self {
            SyntaxError::MandatoryMissing => "is required and missing",
            SyntaxError::TooManyElements => "is past the segment's last element",
            SyntaxError::TooShort => "is too short",
            SyntaxError::TooLong => "is too long",
            SyntaxError::InvalidCharacter => "has a character its type does not allow",
            SyntaxError::InvalidDate => "is not a date",
            SyntaxError::InvalidTime => "is not a time",
            SyntaxError::TooManyComponents => "has more components than it may",
        }
    }
}

/// One element of a segment that breaks the dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementProblem {
    /// The element's position (from 1).
    pub element: usize,
    /// The component's position (from 1) inside a composite.
    pub component: Option<usize>,
    /// The data element reference number (`782` for an amount), when the table has one.
    pub reference: Option<u16>,
    /// What is wrong.
    pub error: SyntaxError,
    /// The element's text as it came (empty when missing).
    pub data: String,
}

impl ElementProblem {
    /// In words, with the element named as guides cite it (`CLM02`, `SV101-2`).
    pub fn message(&self, segment_id: &str) -> String {
        format!(
            "{} {}",
            crate::error::element_ref(segment_id, self.element, self.component),
            self.describe()
        )
    }

    /// In words, without naming the element (an [`crate::Error`] names it).
    pub fn describe(&self) -> String {
        let value = if self.data.is_empty() {
            String::new()
        } else {
            format!("{:?} ", self.data)
        };
        let reference = self
            .reference
            .map(|r| format!(" (data element {r})"))
            .unwrap_or_default();
        format!("{value}{}{reference}", self.error.words())
    }
}

/// Whether the table knows the segment (`false`: nothing is checked).
pub fn is_checked(segment_id: &str) -> bool {
    SEGMENTS.iter().any(|(id, _)| *id == segment_id)
}

/// What in `segment` breaks the X12 dictionary, in element order; empty for a sound
/// segment or one the table does not hold.
pub fn element_problems(segment: &Segment<'_>) -> Vec<ElementProblem> {
    let Some((_, defs)) = SEGMENTS.iter().find(|(id, _)| *id == segment.id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let count = segment.len();
    for index in 1..=count.max(defs.len()) {
        let text = segment.element(index);
        let Some(def) = index.checked_sub(1).and_then(|i| defs.get(i)) else {
            if !text.is_empty() {
                out.push(problem(
                    index,
                    None,
                    None,
                    SyntaxError::TooManyElements,
                    text,
                ));
            }
            continue;
        };
        match def {
            Def::Simple(el) => {
                if segment.components(index).nth(1).is_some() {
                    out.push(problem(
                        index,
                        None,
                        Some(el.reference),
                        SyntaxError::TooManyComponents,
                        text,
                    ));
                    continue;
                }
                for value in values(segment, index) {
                    if let Some(error) = check(el, value) {
                        out.push(problem(index, None, Some(el.reference), error, value));
                    }
                }
            }
            Def::Composite { mandatory, parts } => {
                if text.is_empty() {
                    if *mandatory {
                        out.push(problem(
                            index,
                            None,
                            None,
                            SyntaxError::MandatoryMissing,
                            "",
                        ));
                    }
                    continue;
                }
                for (k, value) in segment.components(index).enumerate() {
                    let position = k + 1;
                    match parts.get(k) {
                        Some(el) => {
                            if let Some(error) = check(el, value) {
                                out.push(problem(
                                    index,
                                    Some(position),
                                    Some(el.reference),
                                    error,
                                    value,
                                ));
                            }
                        }
                        None if !value.is_empty() => out.push(problem(
                            index,
                            Some(position),
                            None,
                            SyntaxError::TooManyComponents,
                            value,
                        )),
                        None => {}
                    }
                }
                // Mandatory components past the last one written.
                let written = segment.components(index).count();
                for (k, el) in parts.iter().enumerate().skip(written) {
                    if el.mandatory {
                        out.push(problem(
                            index,
                            Some(k + 1),
                            Some(el.reference),
                            SyntaxError::MandatoryMissing,
                            "",
                        ));
                    }
                }
            }
        }
    }
    out.extend(qualified_dates(segment));
    out
}

/// Every element of a transaction set that breaks the dictionary, as problems placed by
/// segment, element and loop (what a payer's review lists beside the reader's own).
pub fn element_errors(transaction: &crate::Transaction<'_>) -> Vec<crate::Error> {
    let mut out = Vec::new();
    for (i, segment) in transaction.segments.iter().enumerate() {
        let loop_id = transaction.loops.get(i).copied();
        for p in element_problems(segment) {
            out.push(
                crate::Error::element(
                    segment.id,
                    Some(segment.position),
                    p.element,
                    p.component,
                    p.describe(),
                )
                .in_loop(loop_id),
            );
        }
    }
    out
}

/// The element's repetitions (one value when it does not repeat).
fn values<'a>(segment: &Segment<'a>, index: usize) -> Vec<&'a str> {
    let all: Vec<&str> = segment.repetitions(index).collect();
    if all.is_empty() { vec![""] } else { all }
}

fn problem(
    element: usize,
    component: Option<usize>,
    reference: Option<u16>,
    error: SyntaxError,
    data: &str,
) -> ElementProblem {
    ElementProblem {
        element,
        component,
        reference,
        error,
        data: data.to_owned(),
    }
}

/// The syntax error of one value against its definition, if any.
fn check(el: &El, value: &str) -> Option<SyntaxError> {
    if value.is_empty() {
        return el.mandatory.then_some(SyntaxError::MandatoryMissing);
    }
    let length = match el.kind {
        Kind::An | Kind::Id => {
            // The basic and extended character sets: no control characters.
            if value.chars().any(char::is_control) {
                return Some(SyntaxError::InvalidCharacter);
            }
            value.chars().count()
        }
        Kind::R => match decimal_digits(value) {
            Some(digits) => digits,
            None => return Some(SyntaxError::InvalidCharacter),
        },
        Kind::N0 => {
            let digits = value.strip_prefix('-').unwrap_or(value);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Some(SyntaxError::InvalidCharacter);
            }
            digits.len()
        }
        Kind::Dt => {
            if !date_ok(value) {
                return Some(SyntaxError::InvalidDate);
            }
            value.len()
        }
        Kind::Tm => {
            if !time_ok(value) {
                return Some(SyntaxError::InvalidTime);
            }
            value.len()
        }
    };
    if length < el.min {
        Some(SyntaxError::TooShort)
    } else if length > el.max {
        Some(SyntaxError::TooLong)
    } else {
        None
    }
}

/// The digits of an X12 decimal (`-12.50` has 4: sign and point are not counted); `None`
/// when it is not one (no digit, two points, a letter, a plus sign).
fn decimal_digits(value: &str) -> Option<usize> {
    let unsigned = value.strip_prefix('-').unwrap_or(value);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = whole.len() + fraction.len();
    let all_digits = whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit());
    (digits > 0 && all_digits).then_some(digits)
}

/// CCYYMMDD or YYMMDD, a day of the calendar.
fn date_ok(value: &str) -> bool {
    match value.len() {
        8 => crate::writer::parse_d8(value).is_some(),
        6 => crate::writer::parse_d8(&format!("20{value}")).is_some(),
        _ => false,
    }
}

/// HHMM, HHMMSS or HHMMSSd..d, a time of day.
fn time_ok(value: &str) -> bool {
    if !(4..=8).contains(&value.len())
        || value.len() == 5
        || !value.bytes().all(|b| b.is_ascii_digit())
    {
        return false;
    }
    let two = |at: usize| value.get(at..at + 2).and_then(|s| s.parse::<u8>().ok());
    two(0).is_some_and(|h| h < 24)
        && two(2).is_some_and(|m| m < 60)
        && (value.len() < 6 || two(4).is_some_and(|s| s < 60))
}

/// A date whose format its qualifier names (`DTP*472*D8*...`, `DMG*D8*...`): `D8` one
/// CCYYMMDD, `RD8` two joined by a hyphen.
fn qualified_dates(segment: &Segment<'_>) -> Vec<ElementProblem> {
    let (qualifier, value) = match segment.id {
        "DTP" => (2, 3),
        "DMG" => (1, 2),
        "PAT" => (5, 6),
        _ => return Vec::new(),
    };
    let text = segment.element(value);
    let ok = match segment.element(qualifier) {
        "D8" => crate::writer::parse_d8(text).is_some(),
        "RD8" => text.split_once('-').is_some_and(|(a, b)| {
            crate::writer::parse_d8(a).is_some() && crate::writer::parse_d8(b).is_some()
        }),
        _ => true,
    };
    if ok || text.is_empty() {
        return Vec::new();
    }
    vec![problem(
        value,
        None,
        Some(1251),
        SyntaxError::InvalidDate,
        text,
    )]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn problems(text: &str) -> Vec<(usize, Option<usize>, SyntaxError)> {
        let interchange = format!(
            "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260303*0800*^*00501*000000001*0*T*:~GS*HC*A*B*20260303*0800*1*X*005010X222A1~ST*837*0001*005010X222A1~{text}~SE*3*0001~GE*1*1~IEA*1*000000001~"
        );
        let read = crate::read(&interchange).unwrap();
        let t = read.transactions().next().unwrap();
        element_problems(&t.segments[1])
            .into_iter()
            .map(|p| (p.element, p.component, p.error))
            .collect()
    }

    #[test]
    fn numbers_count_digits_not_sign_or_point() {
        assert_eq!(decimal_digits("-12.50"), Some(4));
        assert_eq!(decimal_digits(".5"), Some(1));
        for bad in ["", "-", ".", "1.2.3", "+1", "1e3", "12,5"] {
            assert_eq!(decimal_digits(bad), None, "{bad}");
        }
        // AMT02 is R 1/18: 18 digits fit with a sign and a point, 19 do not.
        assert!(problems(&format!("AMT*D*-{}.{}", "1".repeat(16), "22")).is_empty());
        assert_eq!(
            problems(&format!("AMT*D*{}", "1".repeat(19))),
            [(2, None, SyntaxError::TooLong)]
        );
    }

    #[test]
    fn dates_and_times_are_days_and_times_of_day() {
        assert!(date_ok("20240229") && date_ok("240229"));
        assert!(!date_ok("20230229") && !date_ok("2026021") && !date_ok("2026-02-01"));
        assert!(time_ok("2359") && time_ok("235959") && time_ok("23595999"));
        assert!(!time_ok("2400") && !time_ok("12601") && !time_ok("1260") && !time_ok("12:00"));
        assert_eq!(
            problems("BHT*0019*00*1*20260230*2500*CH"),
            [
                (4, None, SyntaxError::InvalidDate),
                (5, None, SyntaxError::InvalidTime)
            ]
        );
        assert_eq!(
            problems("DTP*434*RD8*20260101-20261301"),
            [(3, None, SyntaxError::InvalidDate)]
        );
    }

    #[test]
    fn composites_and_counts() {
        // A mandatory component missing, one too many, and components in a simple element.
        assert_eq!(
            problems("SV1*HC::25:59:::::X*10*UN*1***1"),
            [
                (1, Some(2), SyntaxError::MandatoryMissing),
                (1, Some(9), SyntaxError::TooManyComponents)
            ]
        );
        assert_eq!(
            problems("LX*1:2"),
            [(1, None, SyntaxError::TooManyComponents)]
        );
        assert_eq!(
            problems("LX*1*2"),
            [(2, None, SyntaxError::TooManyElements)]
        );
        assert_eq!(problems("N3*"), [(1, None, SyntaxError::MandatoryMissing)]);
        assert_eq!(problems("HI"), [(1, None, SyntaxError::MandatoryMissing)]);
        assert_eq!(
            problems("NM1*85*2*X*****XX*1"),
            [(9, None, SyntaxError::TooShort)]
        );
        // A segment the table does not hold is not checked.
        assert!(problems("ZZZ*anything*goes").is_empty());
    }
}
