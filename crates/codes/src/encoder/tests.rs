//! Unit tests for the encoder's word handling and note parsing.

use super::words::{Statement, norm};

#[test]
fn plurals_fold_on_both_sides() {
    assert_eq!(norm("bunions"), "bunion");
    assert_eq!(norm("feet"), "foot");
    assert_eq!(norm("abscess"), "abscess");
    assert_eq!(norm("both"), "bilateral");
}

#[test]
fn latin_nouns_in_a_and_their_adjectives_are_one_word() {
    for (adjective, noun) in [
        ("pleural", "pleura"),
        ("vertebral", "vertebra"),
        ("urethral", "urethra"),
        ("tibial", "tibia"),
        ("tracheal", "trachea"),
        ("vaginal", "vagina"),
    ] {
        assert_eq!(norm(adjective), noun);
        assert_eq!(norm(noun), noun);
    }
    // Not nouns in -a: kept as said, so words compared as written still match.
    for word in [
        "lateral",
        "bilateral",
        "personal",
        "intentional",
        "normal",
        "renal",
    ] {
        assert_eq!(norm(word), word);
    }
}

#[test]
fn titles_match_with_nonessential_modifiers_optional() {
    let st = Statement::new("type 2 diabetes mellitus");
    let m = st.match_title("Diabetes, diabetic", "(mellitus) (sugar)", st.all());
    // "diabetes" and the modifier "mellitus" are used.
    assert_eq!(m.map(u64::count_ones), Some(2));
    assert_eq!(st.match_title("Diabetes insipidus", "", st.all()), None);
}
