//! HL7 v2.5.1 for Chartroom: the wire syntax (parse and write with the MSH-declared
//! delimiters and escape sequences), MLLP framing, the mapping of ADT, ORU and VXU
//! messages onto the records model, acknowledgements, outbound VXU (printed, or sent to an
//! immunization registry with its ACK kept) and ORU (laboratory results for a case report),
//! registry queries, the syndromic surveillance batch and a listener.
//!
//! Invariants:
//! - Nothing here panics on any input: the parser and the frame decoder take arbitrary bytes.
//! - Every problem names its position as HL7 does (`PID-7.1, line 3`).
//! - A message is applied in one store transaction (or one savepoint of a transaction
//!   shared with other connections' messages), and its ACK is built only after that
//!   transaction committed: no AA for data not stored.
//! - Writing escapes every delimiter and the escape character, so `parse(write(m)) == m`.

mod a37;
mod a40;
mod ack;
mod apply;
mod destination;
mod error;
mod escape;
mod extract;
mod fields;
mod group_commit;
pub mod listener;
mod message;
pub mod mllp;
mod oru;
mod outbox;
mod refusal;
pub mod registry;
pub mod syndromic;
mod vxu;
mod write;

pub use a37::outbound_a37;
pub use a40::outbound_a40;
pub use ack::{AckCode, Problem, build_ack, error_code_text};
pub use apply::{Applied, Outcome, Sink, process, process_bytes};
pub use destination::{Destination, DestinationError, TlsClientFiles};
pub use error::{Error, Location, Result};
pub use escape::{escape, unescape};
pub use message::{Component, Delimiters, Field, Message, Repetition, Segment, parse, parse_bytes};
pub use oru::outbound_oru;
pub use outbox::{SentMessage, send_outbox};
pub use refusal::{Senders, UNKNOWN_SENDER, sender_of, sender_user};
pub use vxu::outbound_vxu;
pub use write::{format_ts, write};

/// The source name under which HL7 keys are kept in `external_ids`.
pub const SOURCE: &str = "hl7";
