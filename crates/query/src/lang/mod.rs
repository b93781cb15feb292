//! The query language: a readable text form that parses to an AST and prints back.
//!
//! Hand-written (lexer, recursive-descent parser, printer) rather than generated: the
//! grammar is small, errors must name the line, column and what was expected in words a
//! registrar understands, and field checks depend on the subject, which a generator's
//! error recovery would not know about. See "Population queries" in ARCHITECTURE.md for the grammar.

pub mod ast;
mod lexer;
mod parser;
mod print;
pub mod sets;
mod vocabulary;

pub use parser::{MAX_DIMENSIONS, parse};
pub(crate) use vocabulary::{dimension_name, field_word, normalize_code};

#[cfg(test)]
mod tests;
