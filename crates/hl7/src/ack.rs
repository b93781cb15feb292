//! Acknowledgements (HL7 v2.5.1 chapter 2.9, original mode): MSH, MSA with the
//! acknowledgement code (table 0008) and one ERR per problem (chapter 2.15.5) with its
//! location (ERR-2), table 0357 code (ERR-3), severity (ERR-4) and message (ERR-8).
//!
//! Invariants: an ACK is written with the standard delimiters and escapes every value,
//! so a problem message quoting bad data cannot break the ACK's structure.

use crate::error::Location;
use crate::message::{Delimiters, Message};
use crate::write::{SegmentWriter, format_ts, msh};
use time::OffsetDateTime;

/// MSA-1, HL7 table 0008.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckCode {
    /// Application accept: stored.
    Accept,
    /// Application error: the data was wrong; nothing stored.
    Error,
    /// Application reject: unsupported message type or unreadable header; nothing stored.
    Reject,
}

impl AckCode {
    /// The two-letter code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Accept => "AA",
            Self::Error => "AE",
            Self::Reject => "AR",
        }
    }
}

/// One problem for an ERR segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, when known.
    pub location: Option<Location>,
    /// HL7 table 0357 code (101 required field missing, 102 data type error, 103 table
    /// value not found, 200 unsupported message type, 204 unknown key identifier, ...).
    pub code: u16,
    /// What was wrong, for the sender's staff (may quote the bad value).
    pub message: String,
}

impl Problem {
    /// A problem at a location.
    pub fn at(location: Location, code: u16, message: impl Into<String>) -> Self {
        Self {
            location: Some(location),
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{location}: {} ({})", self.message, self.code),
            None => write!(f, "{} ({})", self.message, self.code),
        }
    }
}

/// The text of a table 0357 code.
pub fn error_code_text(code: u16) -> &'static str {
    match code {
        0 => "Message accepted",
        100 => "Segment sequence error",
        101 => "Required field missing",
        102 => "Data type error",
        103 => "Table value not found",
        200 => "Unsupported message type",
        201 => "Unsupported event code",
        202 => "Unsupported processing id",
        203 => "Unsupported version id",
        204 => "Unknown key identifier",
        205 => "Duplicate key identifier",
        206 => "Application record locked",
        _ => "Application internal error",
    }
}

/// Builds the ACK answering `original` (or a header-less reject when it had no readable
/// MSH). `control_id` is this ACK's own MSH-10.
pub fn build_ack(
    original: Option<&Message>,
    code: AckCode,
    problems: &[Problem],
    now: OffsetDateTime,
    control_id: &str,
) -> String {
    let d = Delimiters::default();
    let msh_of = |f: usize, c: usize| original.and_then(Message::msh).map_or("", |m| m.text(f, c));
    let mut out = String::with_capacity(256);
    let event = msh_of(9, 2);
    let ts = format_ts(now);
    let processing = match msh_of(11, 1) {
        "" => "P",
        p => p,
    };
    // The ACK goes back to the sender: our application and facility are theirs swapped.
    msh(
        &mut out,
        d,
        &[
            &["CHARTROOM"],
            &["CHARTROOM"],
            &[msh_of(3, 1)],
            &[msh_of(4, 1)],
            &[&ts],
            &[],
            &["ACK", event, "ACK"],
            &[control_id],
            &[processing],
            &["2.5.1"],
        ],
    );
    SegmentWriter::new(&mut out, d, "MSA")
        .field(&[code.code()])
        .field(&[msh_of(10, 1)])
        .end();
    for problem in problems {
        let erl = problem
            .location
            .as_ref()
            .map(Location::erl)
            .unwrap_or_default();
        let erl: Vec<&str> = erl.iter().map(String::as_str).collect();
        let code = problem.code.to_string();
        SegmentWriter::new(&mut out, d, "ERR")
            .skip(1)
            .field(&erl)
            .field(&[&code, error_code_text(problem.code), "HL70357"])
            .field(&["E"])
            .skip(3)
            .field(&[&problem.message])
            .end();
    }
    out
}
