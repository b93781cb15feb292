//! Problems in X12 text, each with where it is: segment number in the interchange (from 1,
//! counting ISA), byte offset, segment id, element reference and loop, as X12 people write
//! them (`CLM02, segment 14, loop 2300`).

use std::fmt;

/// Result of an X12 operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where a segment starts: its number in the interchange (ISA is 1) and its byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// Segment number in the interchange, from 1.
    pub segment: usize,
    /// Byte offset of the segment's first character.
    pub offset: usize,
}

/// A problem found reading or writing X12, with its location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    /// The segment id (`CLM`), empty when the problem is before any segment.
    pub segment_id: String,
    /// Where the segment is (unset when writing).
    pub position: Option<Position>,
    /// The loop the segment belongs to (`2300`), when known.
    pub loop_id: Option<&'static str>,
    /// The element (`CLM02`, `SV101-2`), when one is at fault.
    pub element: Option<String>,
    /// What is wrong, in words.
    pub message: String,
}

impl Error {
    /// A problem with a whole segment.
    pub fn segment(
        segment_id: &str,
        position: Option<Position>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            segment_id: segment_id.to_owned(),
            position,
            loop_id: None,
            element: None,
            message: message.into(),
        }
    }

    /// A problem with element `index` (from 1) of a segment, optionally one component.
    pub fn element(
        segment_id: &str,
        position: Option<Position>,
        index: usize,
        component: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            element: Some(element_ref(segment_id, index, component)),
            ..Self::segment(segment_id, position, message)
        }
    }

    /// The same problem, placed in a loop.
    #[must_use]
    pub fn in_loop(mut self, loop_id: Option<&'static str>) -> Self {
        self.loop_id = self.loop_id.or(loop_id);
        self
    }
}

/// `CLM05` or `CLM05-1`, as implementation guides cite element positions.
pub fn element_ref(segment_id: &str, index: usize, component: Option<usize>) -> String {
    match component {
        Some(c) => format!("{segment_id}{index:02}-{c}"),
        None => format!("{segment_id}{index:02}"),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.element, self.segment_id.is_empty()) {
            (Some(element), _) => write!(f, "{element}")?,
            (None, false) => write!(f, "{}", self.segment_id)?,
            (None, true) => write!(f, "interchange")?,
        }
        if let Some(position) = self.position {
            write!(f, ", segment {}", position.segment)?;
        }
        if let Some(loop_id) = self.loop_id {
            write!(f, ", loop {loop_id}")?;
        }
        write!(f, ": {}", self.message)
    }
}
