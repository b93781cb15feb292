//! Syndromes files: the defaults read and every default code exists; a facility file changes
//! and adds syndromes; every problem is named with its line; visits are classified.

use super::*;
use std::sync::OnceLock;

fn codes() -> &'static CodeSets {
    static CODES: OnceLock<CodeSets> = OnceLock::new();
    CODES.get_or_init(|| CodeSets::embedded().unwrap())
}

fn visit(syndrome: &Syndrome, codes: &[&str], reason: &str) -> bool {
    let codes: Vec<String> = codes.iter().map(|c| codes::normalize(c)).collect();
    syndrome.matches(&codes, &words(reason))
}

#[test]
fn the_defaults_read_and_hold_the_seven_syndromes() {
    let set = SyndromeSet::defaults(codes()).unwrap();
    let ids: Vec<&str> = set.syndromes.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "cli",
            "gi",
            "heat",
            "ili",
            "opioid-overdose",
            "rash",
            "respiratory"
        ]
    );
    assert!(set.enabled().count() == 7);
}

#[test]
fn every_default_code_stays_from_its_first_release_to_the_newest() {
    let set = SyndromeSet::defaults(codes()).unwrap();
    let releases: Vec<&CmRelease> = codes()
        .releases()
        .into_iter()
        .filter(|info| info.system == System::Icd10Cm)
        .map(|info| codes().icd10cm(info.effective_from).unwrap())
        .collect();
    assert!(
        releases.len() >= 3,
        "FY2024, FY2025 and FY2026 are embedded"
    );
    // A code may be newer than ICD-10 (U07.1 came with COVID-19), but once in the code set
    // it must stay through the newest release, or the syndrome would silently stop counting.
    let mut n_patterns = 0;
    for syndrome in &set.syndromes {
        for pattern in syndrome
            .codes
            .iter()
            .chain(syndrome.together.iter().flatten())
        {
            n_patterns += 1;
            let first = releases
                .iter()
                .position(|release| pattern.exists_in(release))
                .unwrap_or_else(|| panic!("{}: {} is in no release", syndrome.id, pattern.text()));
            for release in &releases[first..] {
                assert!(
                    pattern.exists_in(release),
                    "{}: {} is not in {}",
                    syndrome.id,
                    pattern.text(),
                    release.info.name
                );
            }
        }
    }
    assert!(n_patterns > 25, "{n_patterns}");
}

#[test]
fn default_syndromes_classify_visits() {
    let set = SyndromeSet::defaults(codes()).unwrap();
    let ili = set.get("ili").unwrap();
    assert!(visit(ili, &["J10.1"], ""));
    assert!(visit(ili, &["R50.9", "R05.9"], ""), "fever with cough");
    assert!(!visit(ili, &["R50.9"], ""), "fever alone");
    assert!(visit(ili, &["Z00.00"], "Flu symptoms since Monday"));
    assert!(!visit(ili, &["Z00.00"], "influential"), "whole words only");
    let gi = set.get("gi").unwrap();
    assert!(visit(gi, &["A08.4"], ""));
    assert!(visit(gi, &["R11.2"], ""));
    assert!(!visit(gi, &["J10.1"], ""));
    let opioid = set.get("opioid-overdose").unwrap();
    assert!(visit(opioid, &["T40.411A"], ""), "fentanyl, accidental");
    assert!(visit(opioid, &["T40.1X1A"], ""), "heroin");
    assert!(!visit(opioid, &["T40.2X5A"], ""), "adverse effect");
    assert!(!visit(opioid, &["T40.5X1A"], ""), "cocaine");
    let heat = set.get("heat").unwrap();
    assert!(visit(heat, &["T67.01XA"], ""));
    assert!(visit(heat, &["I10"], "collapsed with heat exhaustion"));
}

#[test]
fn a_facility_file_changes_and_adds_syndromes() {
    let text = "\
[syndromes.rash]
enabled = false

[syndromes.gi]
keywords = [\"stomach bug\"]

[syndromes.lyme]
name = \"Tick-borne illness\"
codes = [\"A69.2*\", \"W57*\"]
";
    let set = SyndromeSet::with_facility_file(text, "syndromes.toml", codes()).unwrap();
    assert!(!set.get("rash").unwrap().enabled);
    let gi = set.get("gi").unwrap();
    assert!(visit(gi, &["Z00.00"], "a stomach bug"));
    assert!(!visit(gi, &["Z00.00"], "vomiting"), "keywords replaced");
    assert!(visit(gi, &["A08.4"], ""), "codes kept");
    let lyme = set.get("lyme").unwrap();
    assert!(visit(lyme, &["A69.20"], ""));
    assert_ne!(
        set.fingerprint(),
        SyndromeSet::defaults(codes()).unwrap().fingerprint()
    );
}

#[test]
fn every_problem_is_named_with_its_line() {
    let text = "\
[syndromes.ili]
codes = [\"J10.1\", \"J10.9\"]

[syndromes.made-up]
codes = [\"J1*0\"]
keywords = [\"--\"]

[syndromes.Bad]
name = \"x\"
";
    let error = SyndromeSet::with_facility_file(text, "syndromes.toml", codes()).unwrap_err();
    let shown = error.to_string();
    assert!(
        shown.contains("syndromes.toml:2: syndromes.ili.codes: \"J10.9\" names no ICD-10-CM code in any release from FY2016 to FY2026"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "syndromes.toml:5: syndromes.made-up.codes: \"J1*0\": `*` may only end a pattern"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("syndromes.toml:6: syndromes.made-up.keywords: \"--\" is not"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "syndromes.made-up.name: made-up is not a default syndrome, so it needs a name"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("syndromes.toml:8: syndromes.Bad: a syndrome id"),
        "{shown}"
    );
    let syntax = SyndromeSet::with_facility_file("[syndromes.x]\ncodes = = 3\n", "f.toml", codes())
        .unwrap_err();
    assert_eq!(syntax.problems[0].line, 2, "{syntax}");
    let unknown =
        SyndromeSet::with_facility_file("[syndromes.gi]\ncode = [\"A08\"]\n", "f.toml", codes())
            .unwrap_err();
    assert!(
        unknown
            .to_string()
            .starts_with("f.toml:2: file: unknown field `code`"),
        "{unknown}"
    );
}
