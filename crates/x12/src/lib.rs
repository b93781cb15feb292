//! X12 5010 wire syntax for Chartroom: reading an interchange (delimiters declared by the
//! fixed-width ISA, segments with their positions, ISA/GS/ST envelopes and the loops of
//! 837P/837I/835/999/277 transaction sets) and writing one (segments checked against the
//! delimiters, envelopes with control numbers and the SE/GE/IEA counts).
//!
//! Invariants:
//! - Nothing here panics on any input: the reader takes arbitrary text and reports every
//!   problem with its segment number, segment id and, inside a transaction set, its loop.
//! - A bad segment or envelope is a problem beside the parsed interchange, not the end of
//!   reading, so a payer can still review the other claims; only an unreadable ISA stops it.
//! - The writer never emits an element holding a delimiter, and the counts it writes in
//!   SE01, GE01 and IEA01 are the counts of what it wrote.
//! - No IO, no clock and no store: control numbers and dates are parameters.
#![deny(missing_docs)]

mod delimiters;
mod envelope;
mod error;
mod loops;
mod segment;
mod syntax;
mod writer;

pub use delimiters::Delimiters;
pub use envelope::{Group, Interchange, Transaction, read, read_bytes};
pub use error::{Error, Position, Result};
pub use loops::{LoopMap, TransactionKind};
pub use segment::{Segment, format_cents, format_decimal, parse_cents};
pub use syntax::{ElementProblem, SyntaxError, element_errors, element_problems, is_checked};
pub use writer::{
    ControlNumbers, GroupHeader, InterchangeHeader, InterchangeWriter, MAX_CONTROL_NUMBER,
    SegmentBuilder, Usage, d8, parse_d8,
};
