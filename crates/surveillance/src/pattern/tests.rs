//! Code patterns: each shape matches what it says and nothing else; bad patterns say why.

use super::CodePattern;

fn pattern(text: &str) -> CodePattern {
    CodePattern::parse(text).unwrap()
}

#[test]
fn a_code_matches_itself_and_the_codes_below_it() {
    let flu = pattern("J10.1");
    assert!(flu.matches("J101"));
    assert!(flu.matches("J1011"));
    assert!(!flu.matches("J100"));
    assert!(!flu.matches("J10"));
}

#[test]
fn a_range_matches_its_categories_inclusive() {
    let intestinal = pattern("A00-A09");
    assert!(intestinal.matches("A000"));
    assert!(intestinal.matches("A09"));
    assert!(intestinal.matches("A0472"));
    assert!(!intestinal.matches("A15"));
    assert!(!intestinal.matches("B00"));
}

#[test]
fn a_glob_matches_by_position_with_sets_and_any() {
    let opioid = pattern("T40.[0-3]X[1-4]*");
    assert!(opioid.matches("T400X1A"));
    assert!(opioid.matches("T403X4S"));
    assert!(!opioid.matches("T405X1A"), "cocaine is not an opioid");
    assert!(
        !opioid.matches("T402X5A"),
        "an adverse effect is not an overdose"
    );
    let synthetic = pattern("T40.4?[1-4]*");
    assert!(synthetic.matches("T40411A"));
    assert!(!synthetic.matches("T40415A"));
    let closed = pattern("R0?");
    assert!(closed.matches("R05"));
    assert!(!closed.matches("R050"));
}

#[test]
fn bad_patterns_say_what_is_wrong() {
    for (text, why) in [
        ("", "empty"),
        ("J1*0", "`*` may only end a pattern"),
        ("J18-J09", "runs backwards"),
        ("J09-J1", "not a range of categories"),
        ("T40.[0-", "`-` in `[...]` needs a character each side"),
        ("T40.[03", "a `[` is not closed"),
        ("R50#", "`#` cannot stand in a code pattern"),
        ("509", "does not start with a letter"),
        ("J10.12345", "longer than an ICD-10-CM code"),
    ] {
        let error = CodePattern::parse(text).unwrap_err();
        assert!(error.contains(why), "{text:?}: {error}");
    }
}

#[test]
fn patterns_are_checked_against_a_release() {
    let codes = codes::CodeSets::embedded().unwrap();
    let info = codes
        .releases()
        .into_iter()
        .find(|r| r.system == codes::System::Icd10Cm)
        .unwrap();
    let release = codes.icd10cm(info.effective_from).unwrap();
    assert!(pattern("J10.1").exists_in(release));
    assert!(pattern("A00-A09").exists_in(release));
    assert!(pattern("T40.[0-3]X[1-4]*").exists_in(release));
    assert!(!pattern("J10.9").exists_in(release), "no such code");
    assert!(!pattern("A00-A12").exists_in(release), "no category A12");
    assert!(!pattern("Q99.9X*").exists_in(release));
}
