//! A facility's data file in TOML (chart-review rules, surveillance syndromes), read whole
//! before it is used: the file is parsed with its spans, each reader checks every value and
//! collects every problem with its 1-based line and field, and a file with any problem is
//! refused whole, so the values in force never change half-way.
#![deny(missing_docs)]

use serde::de::DeserializeOwned;
use std::fmt;
use std::ops::Range;

/// One problem in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: usize,
    /// The field (`rules.poa-missing.due_hours`), or `file` for the file's syntax.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// A refused file: every problem found, each with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FileError {
    /// The file's name, for messages.
    pub file: String,
    /// Every problem, in line order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (idx, p) in self.problems.iter().enumerate() {
            if idx > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}: {}: {}", self.file, p.line, p.field, p.message)?;
        }
        Ok(())
    }
}

/// The problems found so far in one file's text.
#[derive(Debug)]
pub struct Problems<'t> {
    text: &'t str,
    file: String,
    found: Vec<Problem>,
}

impl<'t> Problems<'t> {
    /// Parses `text` (named `file` in messages) into `T` with its spans; a syntax error, an
    /// unknown field or a value of the wrong type is the file's one problem.
    pub fn parse<T: DeserializeOwned>(text: &'t str, file: &str) -> Result<(T, Self), FileError> {
        let problems = Self {
            text,
            file: file.to_owned(),
            found: Vec::new(),
        };
        match toml::from_str(text) {
            Ok(parsed) => Ok((parsed, problems)),
            Err(error) => {
                let line = error.span().map_or(1, |span| problems.line(span));
                Err(FileError {
                    file: file.to_owned(),
                    problems: vec![Problem {
                        line,
                        field: "file".into(),
                        message: error.message().trim().to_owned(),
                    }],
                })
            }
        }
    }

    /// The 1-based line a span starts on.
    pub fn line(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text
            .get(..end)
            .map_or(1, |before| before.matches('\n').count() + 1)
    }

    /// Notes a problem at `span`.
    pub fn add(&mut self, span: Range<usize>, field: String, message: impl Into<String>) {
        let line = self.line(span);
        self.found.push(Problem {
            line,
            field,
            message: message.into(),
        });
    }

    /// How many problems were found so far (to tell whether a part added any).
    pub fn count(&self) -> usize {
        self.found.len()
    }

    /// `value` when no problem was found, else every problem in line order.
    pub fn finish<T>(mut self, value: T) -> Result<T, FileError> {
        if self.found.is_empty() {
            Ok(value)
        } else {
            self.found.sort_by_key(|p| p.line);
            Err(FileError {
                file: self.file,
                problems: self.found,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        a: toml::Spanned<i64>,
    }

    #[test]
    fn problems_are_named_by_line_in_line_order() {
        let (sample, mut problems) = Problems::parse::<Sample>("\n\na = 3\n", "f.toml").unwrap();
        problems.add(sample.a.span(), "a".into(), "too big");
        problems.add(0..0, "b".into(), "missing");
        let error = problems.finish(()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "f.toml:1: b: missing\nf.toml:3: a: too big"
        );
    }

    #[test]
    fn a_syntax_error_is_the_one_problem() {
        let error = Problems::parse::<Sample>("a = = 3\n", "f.toml").unwrap_err();
        assert_eq!(error.problems.len(), 1);
        assert_eq!(error.problems[0].line, 1);
        assert_eq!(error.problems[0].field, "file");
        let unknown = Problems::parse::<Sample>("a = 1\nb = 2\n", "f.toml").unwrap_err();
        assert!(
            unknown
                .to_string()
                .starts_with("f.toml:2: file: unknown field `b`"),
            "{unknown}"
        );
    }
}
