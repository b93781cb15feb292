//! Checks for FHIR primitive types: the JSON kind each needs and the lexical forms of
//! dates, instants, ids, URIs, codes and base64 (R4 section 2.24.0.1, "Primitive Types").
//!
//! Each check returns the problem in words, or `None` when the value is good. Dates are
//! also checked against the calendar (`2023-02-30` is refused), which the regular
//! expressions in the specification do not do.

use serde_json::Value;

/// What is wrong with `value` as a `ty`, or `None`.
pub(crate) fn check(ty: &str, value: &Value) -> Option<String> {
    match ty {
        "boolean" => (!value.is_boolean()).then(|| expected("true or false", value)),
        "integer" | "positiveInt" | "unsignedInt" => check_integer(ty, value),
        "decimal" => (!value.is_number()).then(|| expected("a number", value)),
        _ => match value.as_str() {
            None => Some(expected("a string", value)),
            Some(text) => check_text(ty, text),
        },
    }
}

/// Whether `ty` is a primitive type name.
pub(crate) fn is_primitive(ty: &str) -> bool {
    ty.chars().next().is_some_and(|c| c.is_ascii_lowercase())
}

fn expected(what: &str, value: &Value) -> String {
    let found = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("expected {what}, found {found}")
}

fn check_integer(ty: &str, value: &Value) -> Option<String> {
    let Some(number) = value.as_i64() else {
        return Some(expected("an integer", value));
    };
    let min = match ty {
        "positiveInt" => 1,
        "unsignedInt" => 0,
        _ => i64::from(i32::MIN),
    };
    if number < min || number > i64::from(i32::MAX) {
        return Some(format!(
            "{number} is out of range for {ty} ({min} to {})",
            i32::MAX
        ));
    }
    None
}

fn check_text(ty: &str, text: &str) -> Option<String> {
    if text.is_empty() {
        return Some("empty string; leave the element out instead".into());
    }
    let ok = match ty {
        "string" | "markdown" => !text
            .chars()
            .any(|c| (c as u32) < 32 && !matches!(c, '\t' | '\r' | '\n')),
        "code" => is_code(text),
        "id" => {
            text.len() <= 64
                && text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        }
        "uri" | "url" | "canonical" => !text.chars().any(char::is_whitespace),
        "oid" => is_oid(text),
        "uuid" => is_uuid(text),
        "date" => is_date(text),
        "dateTime" => is_date_time(text, false),
        "instant" => is_date_time(text, true),
        "time" => is_time(text),
        "base64Binary" => is_base64(text),
        "xhtml" => text.trim_start().starts_with("<div"),
        _ => true,
    };
    if ok {
        None
    } else {
        Some(format!(
            "\"{}\" is not a valid {ty}{}",
            shorten(text),
            hint(ty)
        ))
    }
}

fn hint(ty: &str) -> &'static str {
    match ty {
        "date" => " (YYYY, YYYY-MM or YYYY-MM-DD)",
        "dateTime" => " (a date, or YYYY-MM-DDThh:mm:ss with a time zone)",
        "instant" => " (YYYY-MM-DDThh:mm:ss with a time zone)",
        "time" => " (hh:mm:ss)",
        "id" => " (1 to 64 letters, digits, '-' and '.')",
        "code" => " (no leading, trailing or repeated white space)",
        "uri" | "url" | "canonical" => " (no white space)",
        _ => "",
    }
}

/// Long values are cut in messages so one bad element cannot flood a report.
fn shorten(text: &str) -> String {
    if text.chars().count() <= 60 {
        text.to_owned()
    } else {
        text.chars().take(57).collect::<String>() + "..."
    }
}

fn is_code(text: &str) -> bool {
    !text.starts_with(char::is_whitespace)
        && !text.ends_with(char::is_whitespace)
        && !text.contains("  ")
        && !text.chars().any(|c| c.is_whitespace() && c != ' ')
}

fn is_oid(text: &str) -> bool {
    text.strip_prefix("urn:oid:").is_some_and(|rest| {
        let mut parts = rest.split('.');
        parts
            .next()
            .is_some_and(|first| matches!(first, "0" | "1" | "2"))
            && rest.contains('.')
            && rest.split('.').skip(1).all(|part| {
                !part.is_empty()
                    && part.bytes().all(|b| b.is_ascii_digit())
                    && (part == "0" || !part.starts_with('0'))
            })
    })
}

fn is_uuid(text: &str) -> bool {
    text.strip_prefix("urn:uuid:").is_some_and(|rest| {
        let groups: Vec<&str> = rest.split('-').collect();
        groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
            && rest
                .bytes()
                .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn digits(text: &str, n: usize) -> Option<u32> {
    (text.len() == n && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn is_date(text: &str) -> bool {
    let mut parts = text.splitn(3, '-');
    let Some(year) = parts.next().and_then(|y| digits(y, 4)) else {
        return false;
    };
    if year == 0 {
        return false;
    }
    let Some(month) = parts.next() else {
        return true;
    };
    let Some(month) = digits(month, 2).filter(|m| (1..=12).contains(m)) else {
        return false;
    };
    let Some(day) = parts.next() else {
        return true;
    };
    let Some(day) = digits(day, 2) else {
        return false;
    };
    let Ok(month) = time::Month::try_from(month as u8) else {
        return false;
    };
    time::Date::from_calendar_date(year as i32, month, day as u8).is_ok()
}

fn is_time(text: &str) -> bool {
    let (hms, fraction) = match text.split_once('.') {
        Some((hms, fraction)) => (hms, Some(fraction)),
        None => (text, None),
    };
    if fraction.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    let [hour, minute, second] = parts.as_slice() else {
        return false;
    };
    digits(hour, 2).is_some_and(|h| h <= 23)
        && digits(minute, 2).is_some_and(|m| m <= 59)
        && digits(second, 2).is_some_and(|s| s <= 60)
}

/// A dateTime (`instant` = true: seconds and zone required, no partial dates).
fn is_date_time(text: &str, instant: bool) -> bool {
    let Some((date, time_and_zone)) = text.split_once('T') else {
        return !instant && is_date(text);
    };
    if date.len() != 10 || !is_date(date) {
        return false;
    }
    let (time, zone) = if let Some(time) = time_and_zone.strip_suffix('Z') {
        (time, "Z")
    } else if time_and_zone.len() > 6 {
        time_and_zone.split_at(time_and_zone.len() - 6)
    } else {
        return false;
    };
    let zone_ok = zone == "Z"
        || (zone.starts_with(['+', '-'])
            && zone.get(3..4) == Some(":")
            && zone
                .get(1..3)
                .and_then(|h| digits(h, 2))
                .is_some_and(|h| h <= 14)
            && zone
                .get(4..6)
                .and_then(|m| digits(m, 2))
                .is_some_and(|m| m <= 59));
    zone_ok && is_time(time)
}

fn is_base64(text: &str) -> bool {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    compact.len().is_multiple_of(4)
        && compact
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        && !compact
            .iter()
            .skip_while(|b| **b != b'=')
            .any(|b| *b != b'=')
}
