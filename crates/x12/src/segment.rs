//! One segment as read: its id, its elements (borrowed from the input) and where it is.

use crate::error::{Error, Position, Result};

/// A segment borrowed from the input text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment<'a> {
    /// The segment id (`CLM`).
    pub id: &'a str,
    /// Where it starts in the interchange.
    pub position: Position,
    elements: Vec<&'a str>,
    component: char,
    repetition: char,
}

impl<'a> Segment<'a> {
    pub(crate) fn new(
        id: &'a str,
        elements: Vec<&'a str>,
        position: Position,
        component: char,
        repetition: char,
    ) -> Self {
        Self {
            id,
            position,
            elements,
            component,
            repetition,
        }
    }

    /// Element `index` (from 1, as `CLM02` is element 2), empty when absent.
    pub fn element(&self, index: usize) -> &'a str {
        index
            .checked_sub(1)
            .and_then(|i| self.elements.get(i))
            .copied()
            .unwrap_or("")
    }

    /// How many elements the segment carries (trailing empty ones included as written).
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// Whether the segment has no elements.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// Component `component` (from 1) of element `index`, empty when absent.
    pub fn component(&self, index: usize, component: usize) -> &'a str {
        component
            .checked_sub(1)
            .and_then(|c| self.element(index).split(self.component).nth(c))
            .unwrap_or("")
    }

    /// The components of element `index`.
    pub fn components(&self, index: usize) -> impl Iterator<Item = &'a str> + use<'a> {
        self.element(index).split(self.component)
    }

    /// The repetitions of element `index` (none when it is empty).
    pub fn repetitions(&self, index: usize) -> impl Iterator<Item = &'a str> + use<'a> {
        let element = self.element(index);
        element
            .split(self.repetition)
            .filter(move |_| !element.is_empty())
    }

    /// Element `index` as an amount in cents (X12 decimal `R`: `766.5`, `-12`, `.5`).
    pub fn cents(&self, index: usize) -> Result<i64> {
        parse_cents(self.element(index))
            .map_err(|message| Error::element(self.id, Some(self.position), index, None, message))
    }

    /// A problem with element `index` of this segment.
    pub fn error(&self, index: usize, message: impl Into<String>) -> Error {
        Error::element(self.id, Some(self.position), index, None, message)
    }
}

/// Parses an X12 decimal amount into cents; more than two decimals must be zero.
pub fn parse_cents(text: &str) -> std::result::Result<i64, String> {
    let bad = || format!("{text:?} is not an amount");
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if (whole.is_empty() && fraction.is_empty())
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || whole.len() > 15
    {
        return Err(bad());
    }
    let (cents_digits, rest) = fraction.split_at(fraction.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return Err(format!("{text:?} has fractions of a cent"));
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let cents: i64 = format!("{cents_digits:0<2}").parse().map_err(|_| bad())?;
    let value = whole * 100 + cents;
    Ok(if negative { -value } else { value })
}

/// Formats cents as an X12 decimal: no trailing zeros after the point (`766.5`, `12`).
pub fn format_cents(cents: i64) -> String {
    format_decimal(cents, 2)
}

/// Writes a fixed-point `value` with `scale` decimals (hundredths, thousandths...) as the
/// shortest X12 decimal: `format_decimal(1500, 3)` is `1.5`, trailing zeros dropped.
pub fn format_decimal(value: i64, scale: u32) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let unit = 10_u64.pow(scale);
    let abs = value.unsigned_abs();
    let (whole, fraction) = (abs / unit, abs % unit);
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:0width$}", width = scale as usize);
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn amounts_round_trip_through_x12_decimals() {
        for (text, cents) in [
            ("766.50", 76650),
            ("766.5", 76650),
            ("12", 1200),
            (".5", 50),
            ("-3.25", -325),
            ("0", 0),
            ("1.500", 150),
        ] {
            assert_eq!(parse_cents(text), Ok(cents), "{text}");
        }
        for text in ["", ".", "1.005", "1,00", "abc", "1e3"] {
            assert!(parse_cents(text).is_err(), "{text}");
        }
        for cents in [76650, 1200, 50, -325, 0, 7, 1001] {
            assert_eq!(parse_cents(&format_cents(cents)), Ok(cents));
        }
        assert_eq!(format_cents(76650), "766.5");
        assert_eq!(format_cents(7), "0.07");
    }

    #[test]
    fn fixed_point_quantities_are_the_shortest_decimal() {
        assert_eq!(format_decimal(1500, 3), "1.5");
        assert_eq!(format_decimal(2000, 3), "2");
        assert_eq!(format_decimal(125, 1), "12.5");
        assert_eq!(format_decimal(7, 3), "0.007");
        assert_eq!(format_decimal(-15, 1), "-1.5");
    }
}
