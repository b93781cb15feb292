//! Unit tests of the lexer and parser internals; the data-driven round-trip and error cases live in tests/it/language.rs.

use super::ast::{CmpOp, Cond, Expr, Field, Item, Query, Subject, Test, Value};
use super::lexer::{Tok, is_bare_word, tokenize};
use super::parse;

fn toks(text: &str) -> Vec<Tok> {
    tokenize(text).unwrap().into_iter().map(|t| t.tok).collect()
}

#[test]
fn hyphens_join_letter_words_but_split_numbers() {
    assert_eq!(
        toks("entered-in-error"),
        [Tok::Word("entered-in-error".into()), Tok::End]
    );
    assert_eq!(
        toks("18-49"),
        [
            Tok::Word("18".into()),
            Tok::Minus,
            Tok::Word("49".into()),
            Tok::End
        ]
    );
    assert_eq!(toks("E11.9*"), [Tok::Word("E11.9*".into()), Tok::End]);
    assert_eq!(
        toks("2025-01-01x").len(),
        6,
        "a date-like prefix of a word is not a date"
    );
}

#[test]
fn positions_count_lines_and_columns() {
    let tokens = tokenize("count\n  patients").unwrap();
    assert_eq!((tokens[1].line, tokens[1].column), (2, 3));
}

#[test]
fn bare_words_exclude_dates_and_punctuation() {
    assert!(is_bare_word("E119"));
    assert!(!is_bare_word("2025-01-01"));
    assert!(!is_bare_word("a b"));
    assert!(!is_bare_word(""));
}

#[test]
fn q1_parses_to_the_expected_tree() {
    let query = parse("count patients where immunization(cvx in flu, status = completed)").unwrap();
    let expected = Query {
        subject: Subject::Patients,
        filter: Some(Expr::Has(
            crate::events::EventKind::Immunization,
            vec![
                Expr::Cond(Cond {
                    field: Field::Cvx,
                    test: Test::In(vec![Item::Set("flu".into())]),
                }),
                Expr::Cond(Cond {
                    field: Field::Status,
                    test: Test::Compare(CmpOp::Eq, Value::Word("completed".into())),
                }),
            ],
        )),
        as_of: None,
        group_by: vec![],
        measures: vec![],
        list: None,
    };
    assert_eq!(query, expected);
}
