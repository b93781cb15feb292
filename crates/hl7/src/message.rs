//! The HL7 v2 message tree and its parser.
//!
//! A message is segments; a segment is fields numbered from 1 as HL7 numbers them (for MSH,
//! field 1 is the field separator and field 2 the encoding characters, both literal);
//! a field is repetitions, a repetition components, a component subcomponents, and every
//! leaf is an unescaped string.
//!
//! Invariants:
//! - The delimiters are those MSH-1 and MSH-2 declare (HL7 v2.5.1 chapter 2.5.4), not assumed.
//! - Every level has at least one element, so an empty field is `[[[""]]]` and
//!   `parse(write(m)) == m` holds exactly.
//! - Segments end at CR (the standard), LF or CRLF (files and `mllp_send --loose`).
//! - Parsing never panics; only an unusable MSH is an error, since without it nothing
//!   else can be read. Odd content elsewhere is kept for the mapping to judge.

use crate::error::{Error, Location, Result};
use crate::escape::unescape;

/// A component: its subcomponents.
pub type Component = Vec<String>;
/// A repetition: its components.
pub type Repetition = Vec<Component>;
/// A field: its repetitions.
pub type Field = Vec<Repetition>;

/// The separators a message declares in MSH-1 and MSH-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    /// Field separator (MSH-1), usually `|`.
    pub field: char,
    /// Component separator, usually `^`.
    pub component: char,
    /// Repetition separator, usually `~`.
    pub repetition: char,
    /// Escape character, usually `\`.
    pub escape: char,
    /// Subcomponent separator, usually `&`.
    pub subcomponent: char,
}

impl Default for Delimiters {
    fn default() -> Self {
        Self {
            field: '|',
            component: '^',
            repetition: '~',
            escape: '\\',
            subcomponent: '&',
        }
    }
}

impl Delimiters {
    /// MSH-2 as written: component, repetition, escape, subcomponent.
    pub fn encoding_characters(&self) -> String {
        [
            self.component,
            self.repetition,
            self.escape,
            self.subcomponent,
        ]
        .iter()
        .collect()
    }

    /// Checks that the five characters are distinct and usable as separators.
    pub fn check(&self) -> std::result::Result<(), String> {
        let all = [
            self.field,
            self.component,
            self.repetition,
            self.escape,
            self.subcomponent,
        ];
        for (i, c) in all.iter().enumerate() {
            if c.is_alphanumeric() || c.is_whitespace() || c.is_control() {
                return Err(format!(
                    "delimiter {c:?} must be a printable, non-alphanumeric character"
                ));
            }
            if all.iter().skip(i + 1).any(|other| other == c) {
                return Err(format!("delimiter {c:?} is declared twice"));
            }
        }
        Ok(())
    }
}

/// One segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Segment id (`MSH`, `PID`).
    pub name: String,
    /// Fields from field 1.
    pub fields: Vec<Field>,
    /// Line (segment number) in the message, from 1.
    pub line: usize,
}

impl Segment {
    /// A field, from 1.
    pub fn field(&self, n: usize) -> Option<&Field> {
        n.checked_sub(1).and_then(|i| self.fields.get(i))
    }

    /// A leaf value: field `f`, repetition `r`, component `c`, subcomponent `s` (all from 1).
    pub fn value(&self, f: usize, r: usize, c: usize, s: usize) -> &str {
        self.field(f)
            .and_then(|field| field.get(r.checked_sub(1)?))
            .and_then(|rep| rep.get(c.checked_sub(1)?))
            .and_then(|comp| comp.get(s.checked_sub(1)?))
            .map_or("", String::as_str)
    }

    /// The first subcomponent of component `c` of the first repetition of field `f`,
    /// trimmed: what a mapping usually wants.
    pub fn text(&self, f: usize, c: usize) -> &str {
        self.value(f, 1, c, 1).trim()
    }

    /// The repetitions of field `f` (empty when the field is absent).
    pub fn repetitions(&self, f: usize) -> &[Repetition] {
        self.field(f).map_or(&[], Vec::as_slice)
    }
}

/// A parsed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The declared delimiters.
    pub delimiters: Delimiters,
    /// Segments in order; the first is MSH.
    pub segments: Vec<Segment>,
}

impl Message {
    /// The MSH segment.
    pub fn msh(&self) -> Option<&Segment> {
        self.segments.first()
    }

    /// Segments with this id, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Segment> + 'a {
        self.segments.iter().filter(move |s| s.name == name)
    }

    /// The first segment with this id.
    pub fn first(&self, name: &str) -> Option<&Segment> {
        self.segments.iter().find(|s| s.name == name)
    }

    /// Which occurrence of its id a segment is (from 1), for ERR-2.
    pub fn occurrence(&self, segment: &Segment) -> usize {
        self.segments
            .iter()
            .take_while(|s| !std::ptr::eq(*s, segment))
            .filter(|s| s.name == segment.name)
            .count()
            + 1
    }

    /// A location in `segment`.
    pub fn locate(&self, segment: &Segment, field: usize, component: usize) -> Location {
        Location::segment(&segment.name, self.occurrence(segment), segment.line)
            .at(field, component)
    }
}

fn split_field(raw: &str, d: &Delimiters) -> Field {
    // Most fields are empty or one plain value: skip the three levels of splitting.
    if !raw.contains([d.repetition, d.component, d.subcomponent]) {
        return vec![vec![vec![unescape(raw, d)]]];
    }
    raw.split(d.repetition)
        .map(|rep| {
            rep.split(d.component)
                .map(|comp| comp.split(d.subcomponent).map(|s| unescape(s, d)).collect())
                .collect()
        })
        .collect()
}

fn literal(text: &str) -> Field {
    vec![vec![vec![text.to_owned()]]]
}

/// Reads the delimiters from the MSH line.
fn read_msh(line: &str) -> Result<(Delimiters, usize)> {
    let location = Location::segment("MSH", 1, 1);
    if !line.starts_with("MSH") {
        return Err(Error::NotMsh {
            location,
            found: line.chars().take(3).collect(),
        });
    }
    let mut chars = line.get(3..).unwrap_or_default().chars();
    let field = chars.next().ok_or_else(|| Error::Delimiters {
        location: location.at(1, 0),
        message: "MSH-1 (field separator) is missing".into(),
    })?;
    let encoding: Vec<char> = chars.take_while(|c| *c != field).collect();
    // MSH-2 holds 4 characters (v2.7 adds a fifth, truncation, which we accept and ignore).
    let [component, repetition, escape, subcomponent] = match encoding.as_slice() {
        [a, b, c, d] | [a, b, c, d, _] => [*a, *b, *c, *d],
        _ => {
            return Err(Error::Delimiters {
                location: location.at(2, 0),
                message: format!(
                    "MSH-2 must hold 4 encoding characters, found {}",
                    encoding.len()
                ),
            });
        }
    };
    let d = Delimiters {
        field,
        component,
        repetition,
        escape,
        subcomponent,
    };
    d.check().map_err(|message| Error::Delimiters {
        location: location.at(2, 0),
        message,
    })?;
    let consumed = 3 + field.len_utf8() + encoding.iter().map(|c| c.len_utf8()).sum::<usize>();
    Ok((d, consumed))
}

/// Parses a message from text.
pub fn parse(text: &str) -> Result<Message> {
    let mut lines = text
        .split(['\r', '\n'])
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim_start_matches(|c: char| c.is_whitespace()));
    let first = lines.next().ok_or(Error::Empty)?;
    let (d, consumed) = read_msh(first)?;
    let mut msh_fields = vec![
        literal(&d.field.to_string()),
        literal(
            first
                .get(3 + d.field.len_utf8()..consumed)
                .unwrap_or_default(),
        ),
    ];
    let rest = first.get(consumed..).unwrap_or_default();
    if let Some(rest) = rest.strip_prefix(d.field) {
        msh_fields.extend(rest.split(d.field).map(|raw| split_field(raw, &d)));
    }
    let mut segments = vec![Segment {
        name: "MSH".into(),
        fields: msh_fields,
        line: 1,
    }];
    for (i, line) in lines.enumerate() {
        let line_no = i + 2;
        let (name, rest) = match line.find(d.field) {
            Some(at) => (
                line.get(..at).unwrap_or_default(),
                line.get(at + d.field.len_utf8()..),
            ),
            None => (line, None),
        };
        let name = name.trim_end();
        if name.len() != 3
            || !name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(Error::SegmentId {
                location: Location::segment(name, 0, line_no),
                found: name.chars().take(10).collect(),
            });
        }
        let fields = match rest {
            Some(rest) => rest
                .split(d.field)
                .map(|raw| split_field(raw, &d))
                .collect(),
            None => Vec::new(),
        };
        segments.push(Segment {
            name: name.to_owned(),
            fields,
            line: line_no,
        });
    }
    Ok(Message {
        delimiters: d,
        segments,
    })
}

/// Parses a message from bytes: UTF-8 when it is, otherwise ISO-8859-1 (one char a byte),
/// so no input is refused for its encoding.
pub fn parse_bytes(bytes: &[u8]) -> Result<Message> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(_) => parse(&bytes.iter().map(|&b| char::from(b)).collect::<String>()),
    }
}

#[cfg(test)]
mod tests;
