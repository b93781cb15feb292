//! Reading search parameter values: URL form decoding, tokens (`system|code`), references
//! (`Patient/12`), and dates with their prefixes (eq ne gt lt ge le sa eb ap) as ranges.

use super::super::outcome::FhirError;
use store::{Filter, Op, Value};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// Decodes `application/x-www-form-urlencoded` text into name/value pairs.
pub(crate) fn form_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while let Some(&b) = bytes.get(idx) {
        match b {
            b'+' => {
                out.push(b' ');
                idx += 1;
            }
            b'%' => match text
                .get(idx + 1..idx + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(value) => {
                    out.push(value);
                    idx += 3;
                }
                None => {
                    out.push(b);
                    idx += 1;
                }
            },
            _ => {
                out.push(b);
                idx += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a value for a paging link.
pub(crate) fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'.' | b'_' | b'~' | b':' | b'|' | b',')
            {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A token `system|code`, `|code` or `code`: the system (`Some("")` for none at all).
pub(crate) fn token(text: &str) -> (Option<&str>, &str) {
    match text.split_once('|') {
        Some((system, code)) => (Some(system), code),
        None => (None, text),
    }
}

/// The id in a reference parameter (`12`, `Patient/12`, `http://host/fhir/Patient/12`)
/// when it names a `type_name`.
pub(crate) fn reference_id<'a>(text: &'a str, type_name: &str) -> Option<&'a str> {
    let relative = text.rsplit_once("/fhir/").map_or(text, |(_, rest)| rest);
    match relative.split_once('/') {
        Some((found, id)) => (found == type_name).then_some(id),
        None => Some(relative),
    }
}

/// A date prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prefix {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Sa,
    Eb,
    Ap,
}

fn split_prefix(text: &str) -> (Prefix, &str) {
    let prefixes = [
        ("eq", Prefix::Eq),
        ("ne", Prefix::Ne),
        ("gt", Prefix::Gt),
        ("lt", Prefix::Lt),
        ("ge", Prefix::Ge),
        ("le", Prefix::Le),
        ("sa", Prefix::Sa),
        ("eb", Prefix::Eb),
        ("ap", Prefix::Ap),
    ];
    for (code, prefix) in prefixes {
        if let Some(rest) = text.strip_prefix(code) {
            return (prefix, rest);
        }
    }
    (Prefix::Eq, text)
}

/// The instants a date value covers: `[start, end)` (a day, a month, a year, or one
/// second for a full date-time).
pub(crate) fn date_range(text: &str) -> Option<(OffsetDateTime, OffsetDateTime)> {
    if text.contains('T') {
        let at = OffsetDateTime::parse(text, &Rfc3339).ok().or_else(|| {
            // A time without a zone is read as UTC.
            let format =
                time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
            PrimitiveDateTime::parse(text, &format)
                .ok()
                .map(PrimitiveDateTime::assume_utc)
        })?;
        let start = at.replace_nanosecond(0).ok()?;
        return Some((start, start + Duration::seconds(1)));
    }
    let mut parts = text.split('-');
    let year: i32 = parts.next().filter(|y| y.len() == 4)?.parse().ok()?;
    let month = parts.next();
    let day = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let utc = |date: Date| date.with_time(Time::MIDNIGHT).assume_utc();
    match (month, day) {
        (None, _) => {
            let start = Date::from_calendar_date(year, Month::January, 1).ok()?;
            let end = Date::from_calendar_date(year + 1, Month::January, 1).ok()?;
            Some((utc(start), utc(end)))
        }
        (Some(month), None) => {
            let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
            let start = Date::from_calendar_date(year, month, 1).ok()?;
            let (next_year, next_month) = if month == Month::December {
                (year + 1, Month::January)
            } else {
                (year, month.next())
            };
            let end = Date::from_calendar_date(next_year, next_month, 1).ok()?;
            Some((utc(start), utc(end)))
        }
        (Some(month), Some(day)) => {
            if month.len() != 2 || day.len() != 2 {
                return None;
            }
            let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
            let start = Date::from_calendar_date(year, month, day.parse().ok()?).ok()?;
            Some((utc(start), utc(start.next_day()?)))
        }
    }
}

/// The filter a date parameter value puts on `column` (a date column when `is_date`,
/// else an instant column). `now` anchors `ap` (approximately: the value's range widened
/// by a tenth of its distance from now, at least a day).
pub(crate) fn date_filter(
    param: &str,
    text: &str,
    column: &'static str,
    is_date: bool,
    now: OffsetDateTime,
) -> Result<Filter, FhirError> {
    let (prefix, rest) = split_prefix(text);
    let (start, end) = date_range(rest).ok_or_else(|| {
        FhirError::bad_request(
            param,
            format!("\"{text}\" is not a date (YYYY, YYYY-MM, YYYY-MM-DD or an RFC 3339 date-time, after an optional prefix eq ne gt lt ge le sa eb ap)"),
        )
    })?;
    let (start, end) = if prefix == Prefix::Ap {
        let distance: Duration = (now - start).abs().max((now - end).abs());
        let slack: Duration = Ord::max(distance / 10_i32, Duration::days(1));
        (start - slack, end + slack)
    } else {
        (start, end)
    };
    let value = |at: OffsetDateTime| {
        if is_date {
            // A date column holds whole days; an instant inside a day rounds up to the
            // next day for exclusive bounds.
            let date = at.date();
            if at.time() == Time::MIDNIGHT {
                Value::Date(date)
            } else {
                Value::Date(date.next_day().unwrap_or(date))
            }
        } else {
            Value::Timestamp(at)
        }
    };
    let lower = || {
        if is_date {
            Value::Date(start.date())
        } else {
            Value::Timestamp(start)
        }
    };
    let cmp = |op, v| Filter::Compare(column, op, v);
    Ok(match prefix {
        Prefix::Eq | Prefix::Ap => Filter::All(vec![cmp(Op::Ge, lower()), cmp(Op::Lt, value(end))]),
        Prefix::Ne => Filter::Any(vec![cmp(Op::Lt, lower()), cmp(Op::Ge, value(end))]),
        Prefix::Gt | Prefix::Sa => cmp(Op::Ge, value(end)),
        Prefix::Lt | Prefix::Eb => cmp(Op::Lt, lower()),
        Prefix::Ge => cmp(Op::Ge, lower()),
        Prefix::Le => cmp(Op::Lt, value(end)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn date_ranges_follow_precision() {
        let (s, e) = date_range("2020").unwrap();
        assert_eq!(
            (s.date(), e.date()),
            (date!(2020 - 01 - 01), date!(2021 - 01 - 01))
        );
        let (s, e) = date_range("2020-12").unwrap();
        assert_eq!(
            (s.date(), e.date()),
            (date!(2020 - 12 - 01), date!(2021 - 01 - 01))
        );
        let (s, e) = date_range("2020-02-29").unwrap();
        assert_eq!(
            (s.date(), e.date()),
            (date!(2020 - 02 - 29), date!(2020 - 03 - 01))
        );
        let (s, _) = date_range("2020-02-29T10:00:00+02:00").unwrap();
        assert_eq!(s, datetime!(2020-02-29 08:00:00 UTC));
        for bad in ["2020-2-1", "20", "2021-02-29", "x", "2020-01-01-01", ""] {
            assert!(date_range(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn prefixes_become_comparisons() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let f = date_filter("birthdate", "ge1980-04", "birth_date", true, now).unwrap();
        assert_eq!(
            f,
            Filter::Compare("birth_date", Op::Ge, Value::Date(date!(1980 - 04 - 01)))
        );
        let f = date_filter("birthdate", "gt1980", "birth_date", true, now).unwrap();
        assert_eq!(
            f,
            Filter::Compare("birth_date", Op::Ge, Value::Date(date!(1981 - 01 - 01)))
        );
        let f = date_filter("birthdate", "eb1980-04-12", "birth_date", true, now).unwrap();
        assert_eq!(
            f,
            Filter::Compare("birth_date", Op::Lt, Value::Date(date!(1980 - 04 - 12)))
        );
        assert!(date_filter("date", "xx2020", "admit_at", false, now).is_err());
        assert_eq!(
            token("http://loinc.org|1234-5"),
            (Some("http://loinc.org"), "1234-5")
        );
        assert_eq!(token("|x"), (Some(""), "x"));
        assert_eq!(reference_id("Patient/12", "Patient"), Some("12"));
        assert_eq!(
            reference_id("https://h/fhir/Patient/12", "Patient"),
            Some("12")
        );
        assert_eq!(reference_id("Group/12", "Patient"), None);
        assert_eq!(
            form_pairs("a=b+c&d=%C3%BC&e"),
            [
                ("a".into(), "b c".into()),
                ("d".into(), "ü".into()),
                ("e".into(), String::new())
            ]
        );
    }
}
