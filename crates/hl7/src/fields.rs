//! HL7 data types the mapping reads: DT and DTM (HL7 v2.5.1 chapter 2A.21, 2A.22).
//!
//! Invariants: a value either converts exactly or is refused with the reason; a DTM
//! without an offset is read as UTC (chapter 2A.22 leaves it to the sender's local time,
//! which we do not know; senders in the sample feeds give offsets).

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

fn digits(text: &str, from: usize, len: usize) -> Option<u32> {
    let part = text.get(from..from + len)?;
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

/// Reads a DT (`YYYYMMDD`), or the date part of a DTM.
pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    let bad = || format!("\"{text}\" is not a valid DT value (YYYYMMDD)");
    let year = digits(text, 0, 4).ok_or_else(bad)?;
    let month = digits(text, 4, 2).ok_or_else(bad)?;
    let day = digits(text, 6, 2).ok_or_else(bad)?;
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(bad)?;
    Date::from_calendar_date(
        i32::try_from(year).map_err(|_| bad())?,
        month,
        u8::try_from(day).map_err(|_| bad())?,
    )
    .map_err(|_| bad())
}

/// Reads a DTM (`YYYYMMDD[HH[MM[SS[.S+]]]][+/-ZZZZ]`); missing time parts are zero.
pub(crate) fn parse_dtm(text: &str) -> Result<OffsetDateTime, String> {
    let bad = || format!("\"{text}\" is not a valid DTM value (YYYYMMDDHHMMSS+ZZZZ)");
    let (body, offset) = match text.find(['+', '-']) {
        Some(at) => (
            text.get(..at).unwrap_or_default(),
            Some(text.get(at..).unwrap_or_default()),
        ),
        None => (text, None),
    };
    let (body, _fraction) = body.split_once('.').unwrap_or((body, ""));
    if body.len() < 8 || body.len() > 14 || !body.len().is_multiple_of(2) {
        return Err(bad());
    }
    let date = parse_date(body).map_err(|_| bad())?;
    let part = |from: usize| -> Result<u8, String> {
        if body.len() <= from {
            return Ok(0);
        }
        digits(body, from, 2)
            .and_then(|n| u8::try_from(n).ok())
            .ok_or_else(bad)
    };
    let time = Time::from_hms(part(8)?, part(10)?, part(12)?).map_err(|_| bad())?;
    let offset = match offset {
        None => UtcOffset::UTC,
        Some(o) => {
            let sign: i8 = if o.starts_with('-') { -1 } else { 1 };
            if o.len() != 5 {
                return Err(bad());
            }
            let h = digits(o, 1, 2)
                .and_then(|n| i8::try_from(n).ok())
                .ok_or_else(bad)?;
            let m = digits(o, 3, 2)
                .and_then(|n| i8::try_from(n).ok())
                .ok_or_else(bad)?;
            UtcOffset::from_hms(sign * h, sign * m, 0).map_err(|_| bad())?
        }
    };
    Ok(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

#[cfg(test)]
mod tests;
