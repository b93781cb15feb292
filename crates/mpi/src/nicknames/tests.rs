use super::Nicknames;
use crate::error::Error;

#[test]
fn embedded_table_pairs_formal_names_with_their_nicknames() {
    let table = Nicknames::embedded().unwrap();
    assert!(table.same_name("william", "bill"));
    assert!(table.same_name("bill", "liam"));
    assert!(table.same_name("margaret", "peggy"));
    // Chris is short for both; the two formal names are still different people's names.
    assert!(table.same_name("chris", "christine"));
    assert!(table.same_name("chris", "christopher"));
    assert!(!table.same_name("christine", "christopher"));
    // Two formal names sharing a short form are two names (twins Alexander and Alexandra).
    assert!(!table.same_name("alexander", "alexandra"));
    assert!(!table.same_name("christina", "christine"));
    assert!(!table.same_name("william", "robert"));
    assert!(
        !table.same_name("zelda", "zelda"),
        "a name in no group is not a nickname"
    );
}

#[test]
fn malformed_lines_are_named() {
    let err = Nicknames::parse("# groups\nwilliam\tbill\nrobert\n").unwrap_err();
    assert!(matches!(err, Error::Nicknames { line: 3, .. }), "{err}");
    let err = Nicknames::parse("William\tbill\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "nicknames line 1: \"William\" is not a folded name (a-z only)"
    );
}
