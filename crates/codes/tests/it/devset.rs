//! Accuracy of search on the development set (`test_data/devset.tsv`): top-1 and top-5
//! exact first-listed code, per chapter, printed with `--nocapture`.

use std::collections::BTreeMap;

use super::{d, sets};
use codes::System;

/// One case: the statement, its expected codes (first-listed first) and its source.
pub struct Case {
    pub statement: String,
    pub expected: Vec<String>,
}

/// The cases of the development set.
pub fn cases() -> Vec<Case> {
    cases_of(include_str!("../../test_data/devset.tsv"))
}

/// The cases of the held-out-style set, written before the encoder was run on them.
pub fn heldout_cases() -> Vec<Case> {
    cases_of(include_str!("../../test_data/heldout.tsv"))
}

/// The second held-out-style set, written in session 21 before the encoder met it.
pub fn heldout2_cases() -> Vec<Case> {
    cases_of(include_str!("../../test_data/heldout2.tsv"))
}

/// The third held-out-style set, written in session 21 after the second set's changes.
pub fn heldout3_cases() -> Vec<Case> {
    cases_of(include_str!("../../test_data/heldout3.tsv"))
}

fn cases_of(text: &str) -> Vec<Case> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut f = l.split('\t');
            let statement = f.next().unwrap().to_string();
            let expected = f
                .next()
                .unwrap_or_else(|| panic!("no expected codes: {l}"))
                .split_whitespace()
                .map(str::to_string)
                .collect();
            assert!(f.next().is_some_and(|s| !s.is_empty()), "no source: {l}");
            Case {
                statement,
                expected,
            }
        })
        .collect()
}

#[test]
fn devset_codes_are_billable_in_fy2026() {
    let r = sets().icd10cm(d("2026-01-15")).unwrap();
    for c in cases()
        .into_iter()
        .chain(heldout_cases())
        .chain(heldout2_cases())
        .chain(heldout3_cases())
    {
        for code in &c.expected {
            assert!(
                r.is_billable(code),
                "{}: {code} is not billable",
                c.statement
            );
        }
    }
}

/// Top-1 / top-5 counts per chapter.
pub fn report(name: &str, results: &[(String, bool, bool)]) -> (f64, f64) {
    let r = sets().icd10cm(d("2026-01-15")).unwrap();
    let mut by_chapter: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for (code, top1, top5) in results {
        let ch = r
            .find(code)
            .and_then(|i| r.chapter_of(i))
            .unwrap_or("?")
            .to_string();
        let e = by_chapter.entry(format!("{ch:>2}")).or_default();
        e.0 += 1;
        e.1 += usize::from(*top1);
        e.2 += usize::from(*top5);
    }
    let n = results.len() as f64;
    let t1 = results.iter().filter(|r| r.1).count() as f64 / n;
    let t5 = results.iter().filter(|r| r.2).count() as f64 / n;
    println!(
        "{name}: {} cases, top-1 {:.1}%, top-5 {:.1}%",
        results.len(),
        t1 * 100.0,
        t5 * 100.0
    );
    for (ch, (n, a, b)) in &by_chapter {
        println!("  chapter {ch}: {n:>3} cases, top-1 {a:>3}, top-5 {b:>3}");
    }
    (t1, t5)
}

#[test]
fn search_accuracy_on_the_development_set() {
    let mut results = Vec::new();
    for c in cases() {
        let hits = sets()
            .search(System::Icd10Cm, &c.statement, d("2026-01-15"), 5)
            .unwrap();
        let first = &c.expected[0];
        let top1 = hits.first().is_some_and(|h| &h.code == first);
        let top5 = hits.iter().any(|h| &h.code == first);
        if !top1 {
            println!(
                "miss: {:?} expected {first}, got {:?}",
                c.statement,
                hits.iter().map(|h| h.code.as_str()).collect::<Vec<_>>()
            );
        }
        results.push((first.clone(), top1, top5));
    }
    let (t1, t5) = report("search", &results);
    // Measured 93.8% / 100% (before the Index-led ranking: 72.2% / 76.3%); the floors
    // leave room for a new Index release, not for tuning to these cases.
    assert!(t1 >= 0.90 && t5 >= 0.97, "top-1 {t1}, top-5 {t5}");
}
