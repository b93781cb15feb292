//! ICD-10-CM code patterns of a syndrome: a code with everything below it (`J10.1`), a
//! pattern (`R50*`, `T40.[0-3]X[1-4]*`, `?` for one character) or a range of categories
//! (`A00-A09`). Patterns are read once and matched against normalised codes (upper case, no
//! dot), so a match is a few byte comparisons.

use codes::CmRelease;
use codes::cm::NodeKind;

/// One character position of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Atom {
    Literal(u8),
    Any,
    /// One of these characters (`[0-3]`, `[AD]`).
    OneOf(Vec<u8>),
}

impl Atom {
    fn matches(&self, c: u8) -> bool {
        match self {
            Atom::Literal(l) => *l == c,
            Atom::Any => true,
            Atom::OneOf(set) => set.contains(&c),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// A code or category and every code below it.
    Code(String),
    /// Character by character; `open` when it ends in `*`.
    Glob { atoms: Vec<Atom>, open: bool },
    /// Categories from `first` to `last`, both three characters.
    Range { first: String, last: String },
}

/// A code pattern as written, and how it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodePattern {
    text: String,
    shape: Shape,
}

fn is_code_char(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

/// A category is a letter and two characters (`A09`, `C4A`).
fn is_category(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 3
        && bytes.first().is_some_and(u8::is_ascii_uppercase)
        && bytes.iter().all(|c| is_code_char(*c))
}

impl CodePattern {
    /// Reads a pattern, or says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err("a code pattern is empty".into());
        }
        let upper: String = trimmed.to_ascii_uppercase().replace('.', "");
        if upper.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            return Err(format!(
                "\"{trimmed}\" does not start with a letter as ICD-10-CM codes do"
            ));
        }
        if upper.len() > 7 && !upper.contains(['*', '?', '[']) {
            return Err(format!("\"{trimmed}\" is longer than an ICD-10-CM code"));
        }
        let shape = if !upper.contains('[')
            && let Some((first, last)) = upper.split_once('-')
        {
            if !is_category(first) || !is_category(last) {
                return Err(format!(
                    "\"{trimmed}\" is not a range of categories such as A00-A09"
                ));
            }
            if first > last {
                return Err(format!("\"{trimmed}\" runs backwards"));
            }
            Shape::Range {
                first: first.to_owned(),
                last: last.to_owned(),
            }
        } else if upper.bytes().all(is_code_char) {
            Shape::Code(upper)
        } else {
            glob(&upper).map_err(|why| format!("\"{trimmed}\": {why}"))?
        };
        Ok(Self {
            text: trimmed.to_owned(),
            shape,
        })
    }

    /// The pattern as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether a normalised code (`J101`, `T400X1A`) matches.
    pub fn matches(&self, code: &str) -> bool {
        let bytes = code.as_bytes();
        match &self.shape {
            Shape::Code(prefix) => bytes.starts_with(prefix.as_bytes()),
            Shape::Glob { atoms, open } => {
                (if *open {
                    bytes.len() >= atoms.len()
                } else {
                    bytes.len() == atoms.len()
                }) && atoms.iter().zip(bytes).all(|(atom, c)| atom.matches(*c))
            }
            Shape::Range { first, last } => code
                .get(..3)
                .is_some_and(|category| category >= first.as_str() && category <= last.as_str()),
        }
    }

    /// Whether the pattern names something in `release`: the code itself, both ends of a
    /// range, or at least one code a pattern matches. A pattern that matches nothing is a
    /// typing mistake, not a definition.
    pub fn exists_in(&self, release: &CmRelease) -> bool {
        match &self.shape {
            Shape::Code(code) => release.find(code).is_some(),
            Shape::Range { first, last } => {
                release.find(first).is_some() && release.find(last).is_some()
            }
            Shape::Glob { .. } => release.nodes().iter().any(|node| {
                matches!(node.kind, NodeKind::Category | NodeKind::Code) && self.matches(&node.code)
            }),
        }
    }
}

fn glob(upper: &str) -> Result<Shape, String> {
    let mut atoms = Vec::new();
    let mut open = false;
    let mut chars = upper.bytes().peekable();
    while let Some(c) = chars.next() {
        if open {
            return Err("`*` may only end a pattern".into());
        }
        match c {
            b'*' => open = true,
            b'?' => atoms.push(Atom::Any),
            b'[' => {
                let mut set = Vec::new();
                let mut closed = false;
                let mut previous: Option<u8> = None;
                while let Some(inner) = chars.next() {
                    match inner {
                        b']' => {
                            closed = true;
                            break;
                        }
                        b'-' => {
                            let (Some(from), Some(to)) = (previous, chars.next()) else {
                                return Err("a `-` in `[...]` needs a character each side".into());
                            };
                            if !is_code_char(to) || to < from {
                                return Err(format!(
                                    "`{}-{}` is not a range of characters",
                                    from as char, to as char
                                ));
                            }
                            set.extend(from..=to);
                            previous = None;
                        }
                        inner if is_code_char(inner) => {
                            set.push(inner);
                            previous = Some(inner);
                        }
                        other => {
                            return Err(format!("`{}` cannot stand in `[...]`", other as char));
                        }
                    }
                }
                if !closed {
                    return Err("a `[` is not closed".into());
                }
                if set.is_empty() {
                    return Err("`[]` allows no character".into());
                }
                atoms.push(Atom::OneOf(set));
            }
            c if is_code_char(c) => atoms.push(Atom::Literal(c)),
            other => {
                return Err(format!(
                    "`{}` cannot stand in a code pattern",
                    other as char
                ));
            }
        }
    }
    if atoms.is_empty() {
        return Err("a pattern needs at least one character before `*`".into());
    }
    Ok(Shape::Glob { atoms, open })
}

#[cfg(test)]
mod tests;
