//! The four X12 delimiters. In 5010 the ISA declares them all: the element separator is
//! the fourth character, the repetition separator is ISA11, the component separator ISA16
//! and the segment terminator follows ISA16; ISA is fixed width, 106 characters.

use crate::error::{Error, Position, Result};

/// Length of an ISA segment with its terminator (X12.5 fixed-width interchange header).
pub const ISA_LEN: usize = 106;

/// Element, repetition and component separators and the segment terminator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    /// Between elements (`*`).
    pub element: u8,
    /// Between repetitions of an element (`^`), ISA11.
    pub repetition: u8,
    /// Between components of a composite (`:`), ISA16.
    pub component: u8,
    /// After each segment (`~`).
    pub segment: u8,
}

impl Default for Delimiters {
    /// The delimiters the 5010 implementation guides use in their examples.
    fn default() -> Self {
        Self {
            element: b'*',
            repetition: b'^',
            component: b':',
            segment: b'~',
        }
    }
}

impl Delimiters {
    /// Reads the delimiters from the ISA at the start of `input`.
    pub fn from_isa(input: &[u8]) -> Result<Self> {
        let at = Some(Position {
            segment: 1,
            offset: 0,
        });
        if !input.starts_with(b"ISA") {
            return Err(Error::segment(
                "ISA",
                at,
                "an interchange must start with ISA",
            ));
        }
        if input.len() < ISA_LEN {
            return Err(Error::segment(
                "ISA",
                at,
                format!(
                    "the ISA is {} characters long, it must be {ISA_LEN} (fixed width)",
                    input.len()
                ),
            ));
        }
        let element = input[3];
        // Every ISA element is fixed width, so the separators sit at fixed offsets; an
        // element one character short or long moves them and is caught here.
        let separators = input[3..104]
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == element)
            .map(|(i, _)| i + 3)
            .collect::<Vec<_>>();
        const EXPECTED: [usize; 16] = [
            3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103,
        ];
        if separators != EXPECTED {
            let found = separators
                .iter()
                .zip(EXPECTED)
                .position(|(a, b)| *a != b)
                .unwrap_or(separators.len().min(EXPECTED.len()));
            return Err(Error::element(
                "ISA",
                at,
                found.max(1),
                None,
                format!(
                    "the ISA is not fixed width: its elements must be separated at characters {EXPECTED:?}, found {separators:?} (each element padded to its length, 106 characters in all)"
                ),
            ));
        }
        let delimiters = Self {
            element,
            repetition: input[82],
            component: input[104],
            segment: input[105],
        };
        delimiters
            .check()
            .map_err(|message| Error::segment("ISA", at, message))?;
        Ok(delimiters)
    }

    /// The delimiters written as four characters in the order element, repetition,
    /// component, segment terminator (`*^:~`; `\n` stands for a newline terminator), as a
    /// billing office configures them for a receiver; checked like an ISA's.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let text = text.replace("\\n", "\n");
        let bytes = text.as_bytes();
        let [element, repetition, component, segment] = bytes else {
            return Err(format!(
                "{text:?} is not four delimiters (element, repetition, component, segment terminator, like *^:~)"
            ));
        };
        if !bytes.is_ascii() {
            return Err(format!("{text:?}: delimiters are ASCII characters"));
        }
        let delimiters = Self {
            element: *element,
            repetition: *repetition,
            component: *component,
            segment: *segment,
        };
        delimiters.check()?;
        Ok(delimiters)
    }

    /// Checks that the four delimiters are distinct and cannot occur in data.
    pub fn check(&self) -> std::result::Result<(), String> {
        let all = [self.element, self.repetition, self.component, self.segment];
        for (i, d) in all.iter().enumerate() {
            if d.is_ascii_alphanumeric() || *d == b' ' {
                return Err(format!(
                    "delimiter {:?} is a letter, digit or space, which occur in data",
                    *d as char
                ));
            }
            if all[..i].contains(d) {
                return Err(format!("delimiter {:?} is used twice", *d as char));
            }
        }
        Ok(())
    }

    /// Whether `text` holds one of the delimiters (and so cannot be written as data).
    pub fn occurs_in(&self, text: &str) -> Option<char> {
        text.bytes()
            .find(|b| [self.element, self.repetition, self.component, self.segment].contains(b))
            .map(char::from)
    }
}
