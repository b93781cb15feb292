//! Tokens of the query language, each with its line and column.
//!
//! Words are runs of letters, digits, `_`, `.` and `*`; a word that starts with a letter
//! may also contain `-` before another letter, so `entered-in-error` and `E08-E13` are
//! single words while `18-49` is three tokens. `YYYY-MM-DD` is a date. Anything else
//! (for example a LOINC code such as `4548-4`) can be written as a quoted string.

use time::{Date, Month};

use crate::error::{Error, Result};

/// A token kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Word(String),
    Str(String),
    Date(Date),
    LParen,
    RParen,
    Comma,
    Minus,
    Plus,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    End,
}

impl Tok {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Word(word) => format!("`{word}`"),
            Tok::Str(text) => format!("\"{text}\""),
            Tok::Date(date) => format!("date {date}"),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Minus => "`-`".into(),
            Tok::Plus => "`+`".into(),
            Tok::Eq => "`=`".into(),
            Tok::Ne => "`!=`".into(),
            Tok::Lt => "`<`".into(),
            Tok::Le => "`<=`".into(),
            Tok::Gt => "`>`".into(),
            Tok::Ge => "`>=`".into(),
            Tok::End => "end of query".into(),
        }
    }
}

/// A token and where it starts (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '*'
}

/// Splits query text into tokens, ending with `Tok::End`.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let (mut line, mut column) = (1u32, 1u32);
    let mut idx = 0usize;
    while let Some(&c) = chars.get(idx) {
        let (start_line, start_column) = (line, column);
        let advance = |n: usize, idx: &mut usize, column: &mut u32| {
            *idx += n;
            *column += u32::try_from(n).unwrap_or(u32::MAX);
        };
        if c == '\n' {
            idx += 1;
            line += 1;
            column = 1;
            continue;
        }
        if c.is_whitespace() {
            advance(1, &mut idx, &mut column);
            continue;
        }
        let next = chars.get(idx + 1).copied();
        let (tok, len) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            ',' => (Tok::Comma, 1),
            '-' => (Tok::Minus, 1),
            '+' => (Tok::Plus, 1),
            '=' => (Tok::Eq, 1),
            '!' if next == Some('=') => (Tok::Ne, 2),
            '<' if next == Some('=') => (Tok::Le, 2),
            '<' => (Tok::Lt, 1),
            '>' if next == Some('=') => (Tok::Ge, 2),
            '>' => (Tok::Gt, 1),
            '"' => {
                let (text, len) = quoted(&chars, idx).ok_or_else(|| Error::Syntax {
                    line,
                    column,
                    expected: "a closing `\"`".into(),
                    found: "end of query".into(),
                })?;
                (Tok::Str(text), len)
            }
            _ if c.is_ascii_digit() && date_shape(&chars, idx) => {
                let text: String = chars.get(idx..idx + 10).unwrap_or(&[]).iter().collect();
                let date = parse_date(&text).ok_or_else(|| Error::Invalid {
                    line,
                    column,
                    message: format!("{text} is not a calendar date"),
                })?;
                (Tok::Date(date), 10)
            }
            _ if is_word_char(c) => {
                let mut end = idx;
                while let Some(&w) = chars.get(end) {
                    let joins = w == '-'
                        && c.is_ascii_alphabetic()
                        && chars.get(end + 1).is_some_and(|n| n.is_ascii_alphabetic());
                    if is_word_char(w) || joins {
                        end += 1;
                    } else {
                        break;
                    }
                }
                let word: String = chars.get(idx..end).unwrap_or(&[]).iter().collect();
                (Tok::Word(word), end - idx)
            }
            _ => {
                return Err(Error::Syntax {
                    line,
                    column,
                    expected: "a word, number, date, operator or parenthesis".into(),
                    found: format!("`{c}`"),
                });
            }
        };
        tokens.push(Token {
            tok,
            line: start_line,
            column: start_column,
        });
        advance(len, &mut idx, &mut column);
    }
    tokens.push(Token {
        tok: Tok::End,
        line,
        column,
    });
    Ok(tokens)
}

/// A quoted string starting at `start`: its text and length in characters.
fn quoted(chars: &[char], start: usize) -> Option<(String, usize)> {
    let mut text = String::new();
    let mut idx = start + 1;
    loop {
        match chars.get(idx)? {
            '"' => return Some((text, idx + 1 - start)),
            '\\' => {
                text.push(*chars.get(idx + 1)?);
                idx += 2;
            }
            other => {
                text.push(*other);
                idx += 1;
            }
        }
    }
}

/// True if `YYYY-MM-DD` starts at `idx` and is not followed by more of a word.
fn date_shape(chars: &[char], idx: usize) -> bool {
    let Some(window) = chars.get(idx..idx + 10) else {
        return false;
    };
    let shape_ok = window.iter().enumerate().all(|(pos, c)| {
        if pos == 4 || pos == 7 {
            *c == '-'
        } else {
            c.is_ascii_digit()
        }
    });
    shape_ok && !chars.get(idx + 10).is_some_and(|&c| is_word_char(c))
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let year: i32 = text.get(0..4)?.parse().ok()?;
    let month: u8 = text.get(5..7)?.parse().ok()?;
    let day: u8 = text.get(8..10)?.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// True if `word` reads back as this one word token (so it can be printed unquoted).
pub(crate) fn is_bare_word(word: &str) -> bool {
    match tokenize(word) {
        Ok(tokens) => {
            matches!(tokens.as_slice(), [Token { tok: Tok::Word(w), .. }, Token { tok: Tok::End, .. }] if w == word)
        }
        Err(_) => false,
    }
}
