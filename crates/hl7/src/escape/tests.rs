//! Unit tests for escaping: every delimiter, hex, unknown and unterminated sequences, and
//! the round trip as a property.

use super::*;
use proptest::prelude::*;

fn d() -> Delimiters {
    Delimiters::default()
}

#[test]
fn delimiters_escape_and_come_back() {
    let text = r"a|b^c~d\e&f";
    let escaped = escape(text, &d());
    assert_eq!(escaped, r"a\F\b\S\c\R\d\E\e\T\f");
    assert_eq!(unescape(&escaped, &d()), text);
}

#[test]
fn line_breaks_are_hex_escaped() {
    assert_eq!(escape("a\rb\nc", &d()), r"a\X0D\b\X0A\c");
    assert_eq!(unescape(r"a\X0D\b\X0A\c", &d()), "a\rb\nc");
    assert_eq!(unescape(r"x\.br\y", &d()), "x\ny");
}

#[test]
fn formatting_is_dropped_and_unknown_kept() {
    assert_eq!(unescape(r"\H\bold\N\", &d()), "bold");
    assert_eq!(unescape(r"a\Z\b", &d()), r"a\Z\b");
    assert_eq!(unescape(r"a\F", &d()), r"a\F");
    assert_eq!(unescape(r"\X4\", &d()), r"\X4\");
    assert_eq!(unescape(r"\XE9\", &d()), "é");
}

#[test]
fn declared_delimiters_are_honoured() {
    let custom = Delimiters {
        field: '#',
        component: '!',
        repetition: '*',
        escape: '$',
        subcomponent: '%',
    };
    assert_eq!(escape("a#b|c", &custom), "a$F$b|c");
    assert_eq!(unescape("a$S$b$E$", &custom), "a!b$");
}

fn delimiters() -> impl Strategy<Value = Delimiters> {
    proptest::sample::subsequence(
        vec!['|', '^', '~', '\\', '&', '#', '!', '*', '$', '%', '@'],
        5,
    )
    .prop_shuffle()
    .prop_map(|c| Delimiters {
        field: c[0],
        component: c[1],
        repetition: c[2],
        escape: c[3],
        subcomponent: c[4],
    })
}

proptest! {
    #[test]
    fn unescape_inverts_escape(text in any::<String>(), d in delimiters()) {
        prop_assert_eq!(unescape(&escape(&text, &d), &d), text);
    }

    #[test]
    fn unescape_never_panics(text in any::<String>()) {
        let _ = unescape(&text, &Delimiters::default());
    }
}
