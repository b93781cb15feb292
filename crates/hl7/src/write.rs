//! Writing messages: the tree back to text with the message's delimiters, escaping every
//! value, and HL7 timestamps.
//!
//! Invariants: segments end with CR (HL7 v2.5.1 chapter 2.5.1); MSH-1 and MSH-2 are written
//! literally and everything else is escaped, so `parse(write(m)) == m`.

use crate::escape::{escape, needs_escape};
use crate::message::{Delimiters, Field, Message};
use time::OffsetDateTime;

fn push_value(out: &mut String, value: &str, d: &Delimiters) {
    if needs_escape(value, d) {
        out.push_str(&escape(value, d));
    } else {
        out.push_str(value);
    }
}

pub(crate) fn push_field(out: &mut String, field: &Field, d: &Delimiters) {
    for (r, rep) in field.iter().enumerate() {
        if r > 0 {
            out.push(d.repetition);
        }
        for (c, comp) in rep.iter().enumerate() {
            if c > 0 {
                out.push(d.component);
            }
            for (s, sub) in comp.iter().enumerate() {
                if s > 0 {
                    out.push(d.subcomponent);
                }
                push_value(out, sub, d);
            }
        }
    }
}

/// Writes a message, every segment ended by CR.
pub fn write(message: &Message) -> String {
    let d = &message.delimiters;
    let mut out = String::new();
    for segment in &message.segments {
        out.push_str(&segment.name);
        let skip = if segment.name == "MSH" {
            out.push(d.field);
            // MSH-2 is literal: the encoding characters themselves.
            let msh2 = segment
                .field(2)
                .and_then(|f| f.first()?.first()?.first().cloned())
                .unwrap_or_else(|| d.encoding_characters());
            out.push_str(&msh2);
            2
        } else {
            0
        };
        for field in segment.fields.iter().skip(skip) {
            out.push(d.field);
            push_field(&mut out, field, d);
        }
        out.push('\r');
    }
    out
}

/// An HL7 DTM timestamp to the second with its UTC offset (`20260302140000+0000`).
pub fn format_ts(at: OffsetDateTime) -> String {
    let offset = at.offset();
    let (h, m, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{sign}{:02}{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        h.unsigned_abs(),
        m.unsigned_abs()
    )
}

/// Builds a segment from simple values: each field a list of components (no repetitions
/// or subcomponents), which is all an ACK or an outbound VXU needs.
pub(crate) struct SegmentWriter<'a> {
    out: &'a mut String,
    d: Delimiters,
}

impl<'a> SegmentWriter<'a> {
    pub(crate) fn new(out: &'a mut String, d: Delimiters, name: &str) -> Self {
        out.push_str(name);
        Self { out, d }
    }

    /// Appends the next field from its components.
    pub(crate) fn field(&mut self, components: &[&str]) -> &mut Self {
        self.out.push(self.d.field);
        for (i, c) in components.iter().enumerate() {
            if i > 0 {
                self.out.push(self.d.component);
            }
            push_value(self.out, c, &self.d);
        }
        self
    }

    /// Appends `n` empty fields.
    pub(crate) fn skip(&mut self, n: usize) -> &mut Self {
        for _ in 0..n {
            self.out.push(self.d.field);
        }
        self
    }

    /// Ends the segment.
    pub(crate) fn end(&mut self) {
        // Trailing empty fields are dropped (chapter 2.5.3: they may be omitted).
        while self.out.ends_with(self.d.field) {
            self.out.pop();
        }
        self.out.push('\r');
    }
}

/// Writes an MSH segment from the standard encoding characters.
pub(crate) fn msh(out: &mut String, d: Delimiters, fields: &[&[&str]]) {
    out.push_str("MSH");
    out.push(d.field);
    out.push_str(&d.encoding_characters());
    let mut w = SegmentWriter { out, d };
    for f in fields {
        w.field(f);
    }
    w.end();
}

/// The MSH of a message Chartroom sends: CHARTROOM as sending application and facility,
/// the time, the message type, the control id, processing P, version 2.5.1, then `more`
/// fields from MSH-13 on.
pub(crate) fn outbound_msh(
    out: &mut String,
    d: Delimiters,
    at: OffsetDateTime,
    message_type: &[&str],
    control_id: &str,
    more: &[&[&str]],
) {
    let ts = format_ts(at);
    let ts = ts.as_str();
    let mut fields: Vec<&[&str]> = vec![
        &["CHARTROOM"],
        &["CHARTROOM"],
        &[],
        &[],
        std::slice::from_ref(&ts),
        &[],
        message_type,
        std::slice::from_ref(&control_id),
        &["P"],
        &["2.5.1"],
    ];
    fields.extend_from_slice(more);
    msh(out, d, &fields);
}
