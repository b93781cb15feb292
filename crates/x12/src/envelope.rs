//! Reading an interchange: segments split by the ISA's delimiters, then the ISA/GS/ST
//! envelopes with their trailers checked (SE01 segment count, SE02 = ST02, GE01 = number of
//! transaction sets, GE02 = GS06, IEA01 = number of groups, IEA02 = ISA13).
//!
//! A broken envelope or segment is recorded in `Interchange::problems` and reading goes on,
//! so the sound transaction sets of a damaged file can still be used; callers that must
//! take a file whole (835 posting) refuse it when `problems` is not empty.

use crate::delimiters::Delimiters;
use crate::error::{Error, Position, Result};
use crate::loops::{self, LoopMap, TransactionKind};
use crate::segment::Segment;

/// One interchange (ISA ... IEA).
#[derive(Debug, Clone)]
pub struct Interchange<'a> {
    /// The delimiters its ISA declared.
    pub delimiters: Delimiters,
    /// The ISA segment.
    pub isa: Segment<'a>,
    /// Its functional groups, in order.
    pub groups: Vec<Group<'a>>,
    /// Every problem found, in the order met.
    pub problems: Vec<Error>,
}

/// One functional group (GS ... GE).
#[derive(Debug, Clone)]
pub struct Group<'a> {
    /// The GS segment.
    pub gs: Segment<'a>,
    /// Its transaction sets, in order (those closed by SE and those cut short).
    pub transactions: Vec<Transaction<'a>>,
}

/// One transaction set (ST ... SE), with the loop of each segment.
#[derive(Debug, Clone)]
pub struct Transaction<'a> {
    /// What the transaction set is, from ST01 and ST03 (or GS08).
    pub kind: TransactionKind,
    /// Its segments, ST first (SE last when it was present).
    pub segments: Vec<Segment<'a>>,
    /// The loop of each segment, index for index.
    pub loops: LoopMap,
    /// Whether its envelope was sound: closed by an SE with the right count and number.
    pub complete: bool,
}

impl<'a> Interchange<'a> {
    /// ISA13, the interchange control number.
    pub fn control_number(&self) -> &'a str {
        self.isa.element(13)
    }

    /// The first segment with this id inside any transaction set.
    pub fn first_segment(&self, id: &str) -> Option<&Segment<'a>> {
        self.transactions()
            .flat_map(|t| t.segments.iter())
            .find(|s| s.id == id)
    }

    /// Every transaction set in every group.
    pub fn transactions(&self) -> impl Iterator<Item = &Transaction<'a>> {
        self.groups.iter().flat_map(|g| g.transactions.iter())
    }
}

impl<'a> Transaction<'a> {
    /// ST02, the transaction set control number.
    pub fn control_number(&self) -> &'a str {
        self.segments.first().map_or("", |st| st.element(2))
    }

    /// The loop of segment `index` (within this transaction set).
    pub fn loop_of(&self, index: usize) -> Option<&'static str> {
        self.loops.get(index).copied()
    }

    /// A problem with element `element` of segment `index`, placed in its loop.
    pub fn error(&self, index: usize, element: usize, message: impl Into<String>) -> Error {
        let (id, position) = self
            .segments
            .get(index)
            .map_or(("", None), |s| (s.id, Some(s.position)));
        let error = if element == 0 {
            Error::segment(id, position, message)
        } else {
            Error::element(id, position, element, None, message)
        };
        error.in_loop(self.loop_of(index))
    }
}

/// Reads an interchange from bytes, refusing text that is not UTF-8 at its offset.
pub fn read_bytes(input: &[u8]) -> Result<Interchange<'_>> {
    let text = std::str::from_utf8(input).map_err(|e| {
        let offset = e.valid_up_to();
        let terminator = Delimiters::from_isa(input).map_or(b'~', |d| d.segment);
        let segment = input[..offset].iter().filter(|b| **b == terminator).count() + 1;
        Error::segment(
            "",
            Some(Position { segment, offset }),
            format!("byte {offset} is not UTF-8 text"),
        )
    })?;
    read(text)
}

/// Reads an interchange. Fails only when the ISA cannot be read (no delimiters, so no
/// segments); every later problem is kept in `problems`.
pub fn read(input: &str) -> Result<Interchange<'_>> {
    let start = input.len() - input.trim_start().len();
    let body = &input[start..];
    let delimiters = Delimiters::from_isa(body.as_bytes()).map_err(|mut e| {
        if let Some(p) = e.position.as_mut() {
            p.offset = start;
        }
        e
    })?;
    let mut problems = Vec::new();
    let segments = split(body, start, delimiters, &mut problems);
    let mut reader = EnvelopeReader {
        problems,
        groups: Vec::new(),
        open_group: None,
        open_transaction: None,
        ended: false,
    };
    let mut iter = segments.into_iter();
    let Some(isa) = iter.next() else {
        return Err(Error::segment("ISA", None, "no ISA segment"));
    };
    for segment in iter {
        reader.accept(segment, &isa);
    }
    reader.finish();
    Ok(Interchange {
        delimiters,
        isa,
        groups: reader.groups,
        problems: reader.problems,
    })
}

fn split<'a>(
    body: &'a str,
    base: usize,
    delimiters: Delimiters,
    problems: &mut Vec<Error>,
) -> Vec<Segment<'a>> {
    let element = char::from(delimiters.element);
    let component = char::from(delimiters.component);
    let repetition = char::from(delimiters.repetition);
    let mut segments = Vec::new();
    let mut offset = base;
    let mut number = 0;
    for raw in body.split(char::from(delimiters.segment)) {
        let raw_len = raw.len() + 1;
        // Line breaks after the terminator are common and not data (unless a delimiter).
        let text = raw.trim_start_matches(['\r', '\n']);
        let at = offset + (raw.len() - text.len());
        offset += raw_len;
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            continue;
        }
        number += 1;
        let position = Position {
            segment: number,
            offset: at,
        };
        let mut parts = text.split(element);
        let id = parts.next().unwrap_or("");
        if !(2..=3).contains(&id.len())
            || !id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            problems.push(Error::segment(
                "",
                Some(position),
                format!("{:?} does not start with a segment id", shorten(text)),
            ));
            continue;
        }
        segments.push(Segment::new(
            id,
            parts.collect(),
            position,
            component,
            repetition,
        ));
    }
    segments
}

fn shorten(text: &str) -> String {
    text.chars().take(20).collect()
}

struct EnvelopeReader<'a> {
    problems: Vec<Error>,
    groups: Vec<Group<'a>>,
    open_group: Option<Group<'a>>,
    open_transaction: Option<Vec<Segment<'a>>>,
    ended: bool,
}

impl<'a> EnvelopeReader<'a> {
    fn accept(&mut self, segment: Segment<'a>, isa: &Segment<'a>) {
        if self.ended {
            self.problems.push(Error::segment(
                segment.id,
                Some(segment.position),
                "segment after IEA, the end of the interchange",
            ));
            return;
        }
        match segment.id {
            "ISA" => self.problems.push(Error::segment(
                "ISA",
                Some(segment.position),
                "a second ISA before IEA closed the first interchange",
            )),
            "GS" => {
                self.close_transaction(None, &segment);
                self.close_group(None, &segment);
                self.open_group = Some(Group {
                    gs: segment,
                    transactions: Vec::new(),
                });
            }
            "ST" => {
                self.close_transaction(None, &segment);
                if self.open_group.is_none() {
                    self.problems.push(Error::segment(
                        "ST",
                        Some(segment.position),
                        "transaction set outside a functional group (no GS before it)",
                    ));
                }
                self.open_transaction = Some(vec![segment]);
            }
            "SE" => {
                if self.open_transaction.is_none() {
                    self.problems.push(Error::segment(
                        "SE",
                        Some(segment.position),
                        "SE without an ST to close",
                    ));
                    return;
                }
                self.close_transaction(Some(segment.clone()), &segment);
            }
            "GE" => {
                self.close_transaction(None, &segment);
                self.close_group(Some(&segment), &segment);
            }
            "IEA" => {
                self.close_transaction(None, &segment);
                self.close_group(None, &segment);
                self.check_iea(&segment, isa);
                self.ended = true;
            }
            _ => match self.open_transaction.as_mut() {
                Some(segments) => segments.push(segment),
                None => self.problems.push(Error::segment(
                    segment.id,
                    Some(segment.position),
                    "segment outside a transaction set (not between ST and SE)",
                )),
            },
        }
    }

    /// Closes the open transaction set, with `se` when it has one; `at` is the segment that
    /// forced the close, for the message when SE is missing.
    fn close_transaction(&mut self, se: Option<Segment<'a>>, at: &Segment<'a>) {
        let Some(mut segments) = self.open_transaction.take() else {
            return;
        };
        let version = match segments.first().map(|st| st.element(3)) {
            Some(v) if !v.is_empty() => v,
            _ => self.open_group.as_ref().map_or("", |g| g.gs.element(8)),
        };
        let kind = TransactionKind::from_st(segments.first().map_or("", |s| s.element(1)), version);
        let st_number = segments.first().map_or("", |s| s.element(2));
        let mut complete = true;
        match se {
            Some(se) => {
                segments.push(se);
                let Some(se) = segments.last() else { return };
                let count = segments.len();
                if se.element(1) != count.to_string() {
                    complete = false;
                    self.problems.push(se.error(
                        1,
                        format!(
                            "SE01 says {} segments, the transaction set {st_number} has {count} (ST to SE)",
                            se.element(1)
                        ),
                    ).in_loop(Some("trailer")));
                }
                if se.element(2) != st_number {
                    complete = false;
                    self.problems.push(
                        se.error(
                            2,
                            format!("SE02 {} does not match ST02 {st_number}", se.element(2)),
                        )
                        .in_loop(Some("trailer")),
                    );
                }
            }
            None => {
                complete = false;
                self.problems.push(Error::segment(
                    at.id,
                    Some(at.position),
                    format!(
                        "transaction set {st_number} has no SE: it is cut short before this {}",
                        at.id
                    ),
                ));
            }
        }
        let loops = loops::assign(kind, &segments);
        let transaction = Transaction {
            kind,
            segments,
            loops,
            complete,
        };
        match self.open_group.as_mut() {
            Some(group) => group.transactions.push(transaction),
            None => self.groups.push(Group {
                gs: at.clone(),
                transactions: vec![transaction],
            }),
        }
    }

    fn close_group(&mut self, ge: Option<&Segment<'a>>, at: &Segment<'a>) {
        let Some(group) = self.open_group.take() else {
            if let Some(ge) = ge {
                self.problems.push(Error::segment(
                    "GE",
                    Some(ge.position),
                    "GE without a GS to close",
                ));
            }
            return;
        };
        let number = group.gs.element(6);
        match ge {
            Some(ge) => {
                let count = group.transactions.len();
                if ge.element(1) != count.to_string() {
                    self.problems.push(ge.error(
                        1,
                        format!(
                            "GE01 says {} transaction sets, group {number} has {count}",
                            ge.element(1)
                        ),
                    ));
                }
                if ge.element(2) != number {
                    self.problems.push(ge.error(
                        2,
                        format!("GE02 {} does not match GS06 {number}", ge.element(2)),
                    ));
                }
            }
            None => self.problems.push(Error::segment(
                at.id,
                Some(at.position),
                format!(
                    "functional group {number} has no GE: it is cut short before this {}",
                    at.id
                ),
            )),
        }
        self.groups.push(group);
    }

    fn check_iea(&mut self, iea: &Segment<'a>, isa: &Segment<'a>) {
        let count = self.groups.len();
        if iea.element(1) != count.to_string() {
            self.problems.push(iea.error(
                1,
                format!(
                    "IEA01 says {} functional groups, the interchange has {count}",
                    iea.element(1)
                ),
            ));
        }
        if iea.element(2) != isa.element(13) {
            self.problems.push(iea.error(
                2,
                format!(
                    "IEA02 {} does not match ISA13 {}",
                    iea.element(2),
                    isa.element(13)
                ),
            ));
        }
    }

    fn finish(&mut self) {
        if self.ended {
            return;
        }
        if let Some(st) = self.open_transaction.as_ref().and_then(|s| s.first()) {
            let number = st.element(2).to_owned();
            let at = st.clone();
            self.close_transaction(None, &at);
            if let Some(last) = self.problems.last_mut() {
                last.message =
                    format!("transaction set {number} has no SE: the file ends first (truncated)");
            }
        }
        if let Some(group) = self.open_group.take() {
            self.problems.push(Error::segment(
                "GS",
                Some(group.gs.position),
                format!(
                    "functional group {} has no GE: the file ends first (truncated)",
                    group.gs.element(6)
                ),
            ));
            self.groups.push(group);
        }
        self.problems.push(Error::segment(
            "IEA",
            None,
            "the interchange has no IEA: the file ends first (truncated)",
        ));
    }
}
