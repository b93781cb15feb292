//! Positions and errors of the HL7 wire syntax.
//!
//! A `Location` prints as HL7 people write it (`PID-7.1, line 3`) and converts to the
//! ERR-2 error location (HL7 v2.5.1 chapter 2.15.5, data type ERL).

use std::fmt;

/// Result of an HL7 operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in a message something is: segment, its occurrence, field, repetition, component
/// and the line (segment number, from 1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// Segment id (`PID`).
    pub segment: String,
    /// Which occurrence of that segment, from 1.
    pub occurrence: usize,
    /// Field number, from 1 (0 when the segment as a whole is meant).
    pub field: usize,
    /// Field repetition, from 1 (0 when not known).
    pub repetition: usize,
    /// Component, from 1 (0 when the whole field is meant).
    pub component: usize,
    /// Line (segment number) in the message, from 1.
    pub line: usize,
}

impl Location {
    /// A whole segment.
    pub fn segment(segment: &str, occurrence: usize, line: usize) -> Self {
        Self {
            segment: segment.to_owned(),
            occurrence,
            line,
            ..Self::default()
        }
    }

    /// The same segment at a field and component.
    pub fn at(&self, field: usize, component: usize) -> Self {
        Self {
            field,
            repetition: if field == 0 { 0 } else { 1 },
            component,
            ..self.clone()
        }
    }

    /// ERR-2 as components: segment ^ occurrence ^ field ^ repetition ^ component.
    pub fn erl(&self) -> Vec<String> {
        let num = |n: usize| if n == 0 { String::new() } else { n.to_string() };
        let mut parts = vec![
            self.segment.clone(),
            num(self.occurrence),
            num(self.field),
            num(self.repetition),
            num(self.component),
        ];
        while parts.len() > 1 && parts.last().is_some_and(String::is_empty) {
            parts.pop();
        }
        parts
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.segment)?;
        if self.field > 0 {
            write!(f, "-{}", self.field)?;
            if self.component > 0 {
                write!(f, ".{}", self.component)?;
            }
        }
        write!(f, ", line {}", self.line)
    }
}

/// What can make a message unreadable as HL7.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The message is empty.
    #[error("hl7v2: the message is empty")]
    Empty,
    /// The first segment is not an MSH header.
    #[error("hl7v2: {location}: expected an MSH segment, found \"{found}\"")]
    NotMsh {
        /// Where.
        location: Location,
        /// The first characters found.
        found: String,
    },
    /// MSH-1 / MSH-2 do not declare usable delimiters.
    #[error("hl7v2: {location}: {message}")]
    Delimiters {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// A segment id is not three upper-case letters or digits.
    #[error("hl7v2: {location}: segment id \"{found}\" is not three letters or digits")]
    SegmentId {
        /// Where.
        location: Location,
        /// The id found.
        found: String,
    },
}

impl Error {
    /// Where the problem is.
    pub fn location(&self) -> Location {
        match self {
            Self::Empty => Location::segment("MSH", 1, 1),
            Self::NotMsh { location, .. }
            | Self::Delimiters { location, .. }
            | Self::SegmentId { location, .. } => location.clone(),
        }
    }
}
