//! Writing an interchange: the fixed-width ISA, GS, ST ... SE, GE and IEA with the counts
//! of what was written, and segments whose elements are checked against the delimiters
//! (X12 has no escape sequence, so a delimiter in data can only be refused).
//!
//! Trailing empty elements and components are dropped, as X12.6 requires.

use crate::delimiters::Delimiters;
use crate::error::{Error, Result};
use crate::segment::format_cents;
use std::fmt::Write as _;
use time::{Date, Time};

/// ISA15: whether the interchange is test or production data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// `T`.
    Test,
    /// `P`.
    Production,
}

/// What goes into the ISA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterchangeHeader {
    /// ISA05, the sender's id qualifier (`ZZ` mutually defined, `30` tax id).
    pub sender_qualifier: String,
    /// ISA06, at most 15 characters.
    pub sender_id: String,
    /// ISA07.
    pub receiver_qualifier: String,
    /// ISA08, at most 15 characters.
    pub receiver_id: String,
    /// ISA09 and GS04 date.
    pub date: Date,
    /// ISA10 and GS05 time.
    pub time: Time,
    /// ISA13, 1 to 999,999,999; never reused for the same sender.
    pub control_number: u32,
    /// ISA14: whether a TA1 is asked for.
    pub ack_requested: bool,
    /// ISA15.
    pub usage: Usage,
}

/// What goes into a GS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupHeader {
    /// GS01 (`HC` claims, `HP` remittance, `FA` acknowledgments).
    pub functional_id: String,
    /// GS02.
    pub application_sender: String,
    /// GS03.
    pub application_receiver: String,
    /// GS06, 1 to 999,999,999.
    pub control_number: u32,
    /// GS08, the implementation convention (`005010X222A1`).
    pub version: String,
}

/// A block of control numbers reserved in the store, handed out in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlNumbers {
    next: u32,
    end: u32,
}

impl ControlNumbers {
    /// The numbers `first .. first + count`.
    pub fn new(first: u32, count: u32) -> Self {
        Self {
            next: first,
            end: first.saturating_add(count),
        }
    }

    /// The next number, or an error when the block is used up.
    pub fn take(&mut self) -> Result<u32> {
        if self.next >= self.end {
            return Err(Error::segment(
                "",
                None,
                "the reserved control numbers are used up",
            ));
        }
        self.next += 1;
        Ok(self.next - 1)
    }
}

/// The largest ISA13/GS06/ST02 (nine digits).
pub const MAX_CONTROL_NUMBER: u32 = 999_999_999;

/// Writes one interchange into a string.
#[derive(Debug)]
pub struct InterchangeWriter {
    out: String,
    delimiters: Delimiters,
    isa_number: u32,
    groups: usize,
    group: Option<(u32, usize)>,
    transaction: Option<(String, usize)>,
    date: Date,
    time: Time,
}

impl InterchangeWriter {
    /// Starts an interchange with its ISA.
    pub fn new(header: &InterchangeHeader, delimiters: Delimiters) -> Result<Self> {
        delimiters
            .check()
            .map_err(|m| Error::segment("ISA", None, m))?;
        let isa_err = |index, message: String| Error::element("ISA", None, index, None, message);
        let fixed = |index: usize, value: &str, width: usize| -> Result<String> {
            if value.len() > width || !value.is_ascii() {
                return Err(isa_err(
                    index,
                    format!("{value:?} is longer than {width} characters"),
                ));
            }
            if let Some(d) = delimiters.occurs_in(value) {
                return Err(isa_err(
                    index,
                    format!("{value:?} holds the delimiter {d:?}"),
                ));
            }
            Ok(format!("{value:<width$}"))
        };
        check_control_number("ISA", 13, header.control_number)?;
        let e = char::from(delimiters.element);
        let mut out = String::with_capacity(4096);
        let _ = write!(
            out,
            "ISA{e}00{e}          {e}00{e}          {e}{}{e}{}{e}{}{e}{}{e}{}{e}{}{e}{}{e}00501{e}{:09}{e}{}{e}{}{e}{}{}",
            fixed(5, &header.sender_qualifier, 2)?,
            fixed(6, &header.sender_id, 15)?,
            fixed(7, &header.receiver_qualifier, 2)?,
            fixed(8, &header.receiver_id, 15)?,
            yymmdd(header.date),
            hhmm(header.time),
            char::from(delimiters.repetition),
            header.control_number,
            if header.ack_requested { '1' } else { '0' },
            match header.usage {
                Usage::Test => 'T',
                Usage::Production => 'P',
            },
            char::from(delimiters.component),
            char::from(delimiters.segment),
        );
        Ok(Self {
            out,
            delimiters,
            isa_number: header.control_number,
            groups: 0,
            group: None,
            transaction: None,
            date: header.date,
            time: header.time,
        })
    }

    /// The delimiters being written.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// Opens a functional group (closing none: call `end_group` first).
    pub fn begin_group(&mut self, header: &GroupHeader) -> Result<()> {
        if self.group.is_some() {
            return Err(Error::segment(
                "GS",
                None,
                "a functional group is already open",
            ));
        }
        check_control_number("GS", 6, header.control_number)?;
        let (date, time) = (ccyymmdd(self.date), hhmm(self.time));
        let number = header.control_number.to_string();
        self.raw_segment("GS")
            .el(&header.functional_id)
            .el(&header.application_sender)
            .el(&header.application_receiver)
            .el(&date)
            .el(&time)
            .el(&number)
            .el("X")
            .el(&header.version)
            .end()?;
        self.group = Some((header.control_number, 0));
        Ok(())
    }

    /// Opens a transaction set: ST01 `id`, ST02 `control_number` (at least four digits), ST03 `version`.
    pub fn begin_transaction(
        &mut self,
        id: &str,
        control_number: u32,
        version: &str,
    ) -> Result<()> {
        if self.group.is_none() {
            return Err(Error::segment("ST", None, "no functional group is open"));
        }
        if self.transaction.is_some() {
            return Err(Error::segment(
                "ST",
                None,
                "a transaction set is already open",
            ));
        }
        check_control_number("ST", 2, control_number)?;
        let number = format!("{control_number:04}");
        self.raw_segment("ST")
            .el(id)
            .el(&number)
            .el(version)
            .end()?;
        self.transaction = Some((number, 1));
        Ok(())
    }

    /// Starts a segment inside the open transaction set.
    pub fn segment(&mut self, id: &'static str) -> SegmentBuilder<'_> {
        let error = self
            .transaction
            .is_none()
            .then(|| Error::segment(id, None, "segment outside a transaction set"));
        let mut builder = self.raw_segment(id);
        builder.error = builder.error.take().or(error);
        builder
    }

    /// Segments written so far in the open transaction set, ST included.
    pub fn transaction_segments(&self) -> usize {
        self.transaction.as_ref().map_or(0, |(_, n)| *n)
    }

    /// Closes the transaction set with SE (its segment count and ST02).
    pub fn end_transaction(&mut self) -> Result<()> {
        let Some((number, count)) = self.transaction.take() else {
            return Err(Error::segment("SE", None, "no transaction set is open"));
        };
        let count = (count + 1).to_string();
        self.raw_segment("SE").el(&count).el(&number).end()?;
        if let Some((_, n)) = self.group.as_mut() {
            *n += 1;
        }
        Ok(())
    }

    /// Closes the functional group with GE (its transaction-set count and GS06).
    pub fn end_group(&mut self) -> Result<()> {
        if self.transaction.is_some() {
            return Err(Error::segment(
                "GE",
                None,
                "a transaction set is still open",
            ));
        }
        let Some((number, count)) = self.group.take() else {
            return Err(Error::segment("GE", None, "no functional group is open"));
        };
        let (count, number) = (count.to_string(), number.to_string());
        self.raw_segment("GE").el(&count).el(&number).end()?;
        self.groups += 1;
        Ok(())
    }

    /// Closes the interchange with IEA and returns its text.
    pub fn finish(mut self) -> Result<String> {
        if self.group.is_some() {
            return Err(Error::segment(
                "IEA",
                None,
                "a functional group is still open",
            ));
        }
        let (count, number) = (self.groups.to_string(), format!("{:09}", self.isa_number));
        self.raw_segment("IEA").el(&count).el(&number).end()?;
        Ok(self.out)
    }

    fn raw_segment(&mut self, id: &'static str) -> SegmentBuilder<'_> {
        let start = self.out.len();
        self.out.push_str(id);
        SegmentBuilder {
            writer: self,
            id,
            start,
            index: 0,
            error: None,
        }
    }
}

/// One segment being written; `end` checks it and counts it.
#[derive(Debug)]
#[must_use = "a segment is written only by `end`"]
pub struct SegmentBuilder<'w> {
    writer: &'w mut InterchangeWriter,
    id: &'static str,
    start: usize,
    index: usize,
    error: Option<Error>,
}

impl SegmentBuilder<'_> {
    /// The next element, as text.
    pub fn el(mut self, value: &str) -> Self {
        self.index += 1;
        self.check(value, None);
        self.writer
            .out
            .push(char::from(self.writer.delimiters.element));
        self.writer.out.push_str(value);
        self
    }

    /// The next element, empty.
    pub fn empty(self) -> Self {
        self.el("")
    }

    /// The next element, empty when `value` is `None`.
    pub fn opt(self, value: Option<&str>) -> Self {
        self.el(value.unwrap_or(""))
    }

    /// The next element, an amount in cents written as an X12 decimal.
    pub fn cents(self, cents: i64) -> Self {
        let text = format_cents(cents);
        self.el(&text)
    }

    /// The next element, a fixed-point quantity with `scale` decimals (tenths of a mile,
    /// thousandths of a drug unit) written as an X12 decimal.
    pub fn decimal(self, value: i64, scale: u32) -> Self {
        let text = crate::segment::format_decimal(value, scale);
        self.el(&text)
    }

    /// The next element, a whole number.
    pub fn int(self, value: i64) -> Self {
        let text = value.to_string();
        self.el(&text)
    }

    /// The next element, a composite; trailing empty components are dropped.
    pub fn composite(mut self, components: &[&str]) -> Self {
        self.index += 1;
        let used = components
            .iter()
            .rposition(|c| !c.is_empty())
            .map_or(0, |i| i + 1);
        self.writer
            .out
            .push(char::from(self.writer.delimiters.element));
        for (i, component) in components.iter().take(used).enumerate() {
            self.check(component, Some(i + 1));
            if i > 0 {
                self.writer
                    .out
                    .push(char::from(self.writer.delimiters.component));
            }
            self.writer.out.push_str(component);
        }
        self
    }

    /// Writes the segment: trailing empty elements dropped, terminator added, counted.
    pub fn end(self) -> Result<()> {
        let SegmentBuilder {
            writer,
            id,
            start,
            error,
            ..
        } = self;
        if let Some(error) = error {
            writer.out.truncate(start);
            return Err(error);
        }
        let element = char::from(writer.delimiters.element);
        while writer.out.len() > start + id.len() && writer.out.ends_with(element) {
            writer.out.pop();
        }
        writer.out.push(char::from(writer.delimiters.segment));
        if let Some((_, n)) = writer.transaction.as_mut() {
            *n += 1;
        }
        Ok(())
    }

    fn check(&mut self, value: &str, component: Option<usize>) {
        if self.error.is_some() {
            return;
        }
        let d = self.writer.delimiters;
        let message = if let Some(c) = d.occurs_in(value) {
            Some(format!(
                "{value:?} holds the delimiter {c:?}, which X12 cannot escape"
            ))
        } else if value.bytes().any(|b| b.is_ascii_control()) {
            Some(format!("{value:?} holds a control character"))
        } else {
            None
        };
        if let Some(message) = message {
            self.error = Some(Error::element(
                self.id, None, self.index, component, message,
            ));
        }
    }
}

fn check_control_number(segment: &str, element: usize, number: u32) -> Result<()> {
    if number == 0 || number > MAX_CONTROL_NUMBER {
        return Err(Error::element(
            segment,
            None,
            element,
            None,
            format!("control number {number} is not between 1 and {MAX_CONTROL_NUMBER}"),
        ));
    }
    Ok(())
}

fn yymmdd(date: Date) -> String {
    format!(
        "{:02}{:02}{:02}",
        date.year().rem_euclid(100),
        u8::from(date.month()),
        date.day()
    )
}

fn ccyymmdd(date: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn hhmm(time: Time) -> String {
    format!("{:02}{:02}", time.hour(), time.minute())
}

/// A date as X12 writes it in DTP03 with format `D8` (`CCYYMMDD`).
pub fn d8(date: Date) -> String {
    ccyymmdd(date)
}

/// Reads a `CCYYMMDD` date (a DTP or BPR16 D8), `None` when it is not one.
pub fn parse_d8(text: &str) -> Option<Date> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = text[..4].parse().ok()?;
    let month: u8 = text[4..6].parse().ok()?;
    let day: u8 = text[6..].parse().ok()?;
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}
