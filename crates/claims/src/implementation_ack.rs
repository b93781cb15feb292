//! The payer's 999 (005010X231A1): the implementation acknowledgment of an incoming 837,
//! one AK2 per transaction set with its IK5 (accepted, or rejected with an IK3 for each
//! segment the reader found wrong), AK9 for the group.
//!
//! Invariants:
//! - The 999 goes back to whoever sent the 837: ISA and GS sender and receiver swapped.
//! - A transaction set is accepted only when its envelope is whole and no problem lies
//!   inside it; a problem is placed in the set whose segments it falls among, IK302 being
//!   its position counted from the set's ST.
//! - Every segment of a set is also checked against the X12 element dictionary
//!   (`x12::element_problems`): each element that breaks it is an IK4 under its segment's
//!   IK3 (IK304 8), with its position, reference number, IK403 code and, when it can be
//!   written, a copy of the bad value.

use x12::{Delimiters, GroupHeader, InterchangeHeader, InterchangeWriter, Usage};

/// The 999's own control numbers (ISA13, GS06; ST02 is 0001).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckNumbers {
    /// ISA13.
    pub interchange: u32,
    /// GS06.
    pub group: u32,
}

/// A writer for the answer to `incoming` (a 999, a 277CA): the interchange back to its
/// sender, ISA and GS sender and receiver swapped, with one functional group `functional_id`
/// of `version` begun.
pub(crate) fn answering(
    incoming: &x12::Interchange<'_>,
    numbers: AckNumbers,
    at: time::PrimitiveDateTime,
    functional_id: &str,
    version: &str,
) -> x12::Result<InterchangeWriter> {
    let isa = &incoming.isa;
    let mut w = InterchangeWriter::new(
        &InterchangeHeader {
            sender_qualifier: isa.element(7).trim().to_owned(),
            sender_id: isa.element(8).trim().to_owned(),
            receiver_qualifier: isa.element(5).trim().to_owned(),
            receiver_id: isa.element(6).trim().to_owned(),
            date: at.date(),
            time: at.time(),
            control_number: numbers.interchange,
            ack_requested: false,
            usage: if isa.element(15) == "P" {
                Usage::Production
            } else {
                Usage::Test
            },
        },
        Delimiters::default(),
    )?;
    let first = incoming.groups.first();
    w.begin_group(&GroupHeader {
        functional_id: functional_id.into(),
        application_sender: first.map_or("", |g| g.gs.element(3)).to_owned(),
        application_receiver: first.map_or("", |g| g.gs.element(2)).to_owned(),
        control_number: numbers.group,
        version: version.into(),
    })?;
    Ok(w)
}

/// The 999 answering the 837 `text`, written at `at`; an error when the 837's ISA cannot
/// be read (there is then no one to answer, nor a group to acknowledge).
pub fn write_999(
    text: &str,
    numbers: AckNumbers,
    at: time::PrimitiveDateTime,
) -> x12::Result<String> {
    let incoming = x12::read(text)?;
    let mut w = answering(&incoming, numbers, at, "FA", "005010X231A1")?;
    w.begin_transaction("999", 1, "005010X231A1")?;
    for group in &incoming.groups {
        w.segment("AK1")
            .el(group.gs.element(1))
            .el(group.gs.element(6))
            .el(group.gs.element(8))
            .end()?;
        let mut accepted = 0i64;
        for transaction in &group.transactions {
            let Some(st) = transaction.segments.first() else {
                continue;
            };
            let from = st.position.segment;
            let to = transaction
                .segments
                .last()
                .map_or(from, |s| s.position.segment);
            w.segment("AK2")
                .el(st.element(1))
                .el(st.element(2))
                .opt(Some(st.element(3)).filter(|v| !v.is_empty()))
                .end()?;
            let found = segments_in_error(&incoming.problems, transaction, from..=to);
            for (at, segment) in &found {
                let position = at - from + 1;
                // IK304 8: the segment has data element errors; 3: a required segment is
                // missing or the segment is out of place (no element named).
                let code = if segment.element_level { "8" } else { "3" };
                w.segment("IK3")
                    .el(&segment.id)
                    .int(i64::try_from(position).unwrap_or(i64::MAX))
                    // IK303 names a TR3 loop (`2300`), never the reader's "header" or "trailer".
                    .opt(
                        segment.loop_id.filter(|l| {
                            l.len() <= 4 && l.bytes().all(|b| b.is_ascii_alphanumeric())
                        }),
                    )
                    .el(code)
                    .end()?;
                // At most 99 IK4 per IK3 (005010X231A1 loop 2110).
                for element in segment.elements.iter().take(99) {
                    write_ik4(&mut w, element)?;
                }
            }
            if found.is_empty() && transaction.complete {
                accepted += 1;
                w.segment("IK5").el("A").end()?;
            } else {
                // IK502 5: one or more segments in error.
                w.segment("IK5").el("R").el("5").end()?;
            }
        }
        let count = i64::try_from(group.transactions.len()).unwrap_or(i64::MAX);
        let status = if accepted == count {
            "A"
        } else if accepted == 0 {
            "R"
        } else {
            "P"
        };
        w.segment("AK9")
            .el(status)
            .int(count)
            .int(count)
            .int(accepted)
            .end()?;
    }
    w.end_transaction()?;
    w.end_group()?;
    w.finish()
}

/// A segment of a transaction set the 999 reports.
struct SegmentInError {
    id: String,
    loop_id: Option<&'static str>,
    /// Whether an element is at fault (IK304 8) rather than the segment itself (3).
    element_level: bool,
    elements: Vec<x12::ElementProblem>,
}

/// The segments in error of one transaction set, by position in the interchange: the
/// reader's problems among its segments (one with no readable id, lower case, gets no IK3,
/// though its set is still rejected through the reader's problem) and every element that
/// breaks the dictionary.
fn segments_in_error(
    problems: &[x12::Error],
    transaction: &x12::Transaction<'_>,
    span: std::ops::RangeInclusive<usize>,
) -> std::collections::BTreeMap<usize, SegmentInError> {
    let mut found = std::collections::BTreeMap::new();
    for problem in problems {
        let Some(at) = problem
            .position
            .map(|p| p.segment)
            .filter(|s| span.contains(s))
        else {
            continue;
        };
        let readable = (2..=3).contains(&problem.segment_id.len())
            && problem
                .segment_id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !readable {
            continue;
        }
        let entry = found.entry(at).or_insert_with(|| SegmentInError {
            id: problem.segment_id.clone(),
            loop_id: problem.loop_id,
            element_level: false,
            elements: Vec::new(),
        });
        entry.element_level |= problem.element.is_some();
    }
    for (i, segment) in transaction.segments.iter().enumerate() {
        let elements = x12::element_problems(segment);
        if elements.is_empty() {
            continue;
        }
        let entry = found
            .entry(segment.position.segment)
            .or_insert_with(|| SegmentInError {
                id: segment.id.to_owned(),
                loop_id: transaction.loops.get(i).copied(),
                element_level: true,
                elements: Vec::new(),
            });
        entry.element_level = true;
        entry.elements = elements;
    }
    found
}

/// IK4: where the element is (C030: element, component), its reference number, the IK403
/// code and a copy of the bad value when there is one the 999's delimiters can carry.
fn write_ik4(w: &mut x12::InterchangeWriter, element: &x12::ElementProblem) -> x12::Result<()> {
    let delimiters = w.delimiters();
    let position = element.element.to_string();
    let component = element.component.map(|c| c.to_string());
    let reference = element.reference.map(|r| r.to_string());
    let copy: String = element.data.chars().take(99).collect();
    let writable = !copy.is_empty()
        && !copy.bytes().any(|b| {
            [
                delimiters.element,
                delimiters.component,
                delimiters.repetition,
                delimiters.segment,
            ]
            .contains(&b)
        });
    let builder = w.segment("IK4");
    let builder = match &component {
        Some(c) => builder.composite(&[&position, c]),
        None => builder.el(&position),
    };
    builder
        .opt(reference.as_deref())
        .el(element.error.code())
        .opt(writable.then_some(copy.as_str()))
        .end()
}
