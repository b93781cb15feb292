//! Reading the rules: the shipped file, and a badly edited one named by series, rule and
//! field.

use super::super::validity::Minimums;

fn with(rules: &str) -> String {
    Minimums::acip()
        .unwrap()
        .with_late_start(rules)
        .unwrap_err()
        .to_string()
}

#[test]
fn the_shipped_rules_cover_hib_and_pcv() {
    let minimums = Minimums::acip().unwrap();
    let names: Vec<&str> = minimums.late_start.keys().map(String::as_str).collect();
    assert_eq!(names, ["Hib", "PCV"]);
    assert!(minimums.late_start.values().all(|rules| !rules.is_empty()));
    // The coverage measures' table alone carries none.
    let plain = Minimums::parse(super::super::validity::ACIP_MINIMUMS).unwrap();
    assert!(plain.late_start.is_empty());
}

#[test]
fn a_badly_edited_rule_is_named() {
    for (rules, expected) in [
        (
            "[[series.Hib]]\nafter = 1\ninterval = \"8 weeks\"\n",
            "series.Hib rule 1: interval: \"8 weeks\" is not a span",
        ),
        (
            "[[series.PCV]]\nnow_from = \"5y\"\ndone = true\n[[series.PCV]]\ndone = true\nof = 2\n",
            "series.PCV rule 2: done: a rule that ends the series gives no interval",
        ),
        (
            "[[series.Hib]]\nafter = 1\nof = 9\n",
            "series.Hib rule 1: of: 9 is not from the next dose's number to 3",
        ),
        (
            "[[series.Hib]]\nafter = 1\nof = 1\n",
            "series.Hib rule 1: of: 1 is not from the next dose's number",
        ),
        (
            "[[series.PCV]]\nafter = 4\ndone = true\n",
            "series.PCV rule 1: after: 4 doses: the series has 4",
        ),
        (
            "[[series.rotavirus]]\ndone = true\n",
            "series.rotavirus: not a series of the minimums table",
        ),
        (
            "[[series.Hib]]\nbefore = \"1y\"\n",
            "unknown field `before`",
        ),
    ] {
        let error = with(rules);
        assert!(error.contains(expected), "{rules}: {error}");
    }
}
