use super::*;
use crate::blocking::BlockingRule;
use crate::evaluate::evaluate;
use crate::planted::planted;

/// A planted population of 6,000 matched with test-sized training.
fn matched(share: f64, seed: u64) -> (crate::planted::Planted, Vec<Person>, MatchRun) {
    let population = planted(6000, share, seed);
    let persons = population.persons(&crate::Nicknames::embedded().unwrap());
    let mut settings = Settings::embedded().unwrap();
    settings.training.random_pairs = 200_000;
    let run = match_all(&persons, &settings);
    (population, persons, run)
}

#[test]
fn planted_duplicates_are_found_and_twins_kept_apart() {
    let (population, persons, run) = matched(0.08, 11);
    let evaluation = evaluate(&run, &population);
    assert!(evaluation.n_twins > 20);
    assert_eq!(evaluation.twins_auto_linked, 0, "{evaluation}");
    assert!(evaluation.auto_precision() >= 0.98, "{evaluation}");
    assert!(evaluation.auto_recall() >= 0.75, "{evaluation}");
    assert!(evaluation.queue_recall() >= 0.9, "{evaluation}");
    // Every kept pair is ordered, classed, and sorted most probable first.
    assert!(
        run.pairs
            .iter()
            .all(|(c, s)| c.a < c.b && s.class != Class::NonMatch)
    );
    assert!(run.pairs.windows(2).all(|w| w[0].1.weight >= w[1].1.weight));
    // EM found about as many matches as were planted.
    let n = persons.len() as f64;
    let planted_share = evaluation.n_true_pairs as f64 / (n * (n - 1.0) / 2.0);
    assert!(
        (run.model.match_share / planted_share - 1.0).abs() < 0.3,
        "{} vs {planted_share}",
        run.model.match_share
    );
}

#[test]
fn blocks_group_equal_keys() {
    let keys = [(1, 0), (1, 5), (2, 1), (3, 2), (3, 3), (3, 4)];
    assert_eq!(block_ranges(&keys), vec![0..2, 3..6]);
    assert!(block_ranges(&[]).is_empty());
}

#[test]
fn a_pair_is_compared_once_whatever_rules_it_shares() {
    let population = planted(800, 0.1, 2);
    let persons = population.persons(&crate::Nicknames::embedded().unwrap());
    let mut settings = Settings::embedded().unwrap();
    settings.thresholds.review = 1e-12;
    settings.training.random_pairs = 100_000;
    let run = match_all(&persons, &settings);
    let mut seen = std::collections::HashSet::new();
    assert!(run.pairs.iter().all(|(c, _)| seen.insert((c.a, c.b))));
    assert_eq!(run.pairs.len() as u64, run.n_compared);
}

#[test]
fn each_session_reads_every_pair_its_rule_blocks() {
    let (_, _, run) = matched(0.08, 5);
    // A pair sharing a phone and a birth date was found by the birth date rule, and still
    // counts in the phone session, which is where the birth date's m comes from.
    let phone = run
        .sessions
        .iter()
        .find(|session| session.rule == BlockingRule::Phone)
        .unwrap();
    let read: u64 = phone.vectors.values().sum();
    let found_first: u64 = phone.found.values().sum();
    assert!(read > found_first, "{read} {found_first}");
    let exact_birth = phone
        .vectors
        .iter()
        .filter(|(vector, _)| vector.level(2) == Some(0))
        .map(|(_, count)| count)
        .sum::<u64>();
    assert!(exact_birth > 0);
    // Most duplicates keep their birth date, so its exact level is most of its m.
    let birth = &run.model.fields[2];
    assert!(birth[0].m > 0.5, "{birth:?}");
    // Every candidate was found first by exactly one rule.
    let found: u64 = run
        .sessions
        .iter()
        .flat_map(|session| session.found.values())
        .sum();
    assert_eq!(found, run.n_compared);
}
