//! The demo population gives review a living queue as a records department that chases
//! its charts has one: most charts complete, some with one or two open deficiencies, a few
//! delinquent (a deficiency past its due time), and year-old work on a few charts only.

use test_support::sqlite_store;
use time::macros::date;

#[test]
fn the_demo_population_is_mostly_complete_with_a_few_delinquent_charts() {
    let store = sqlite_store();
    let as_of = date!(2026 - 11 - 25);
    store.clock.advance(
        as_of.midnight().assume_utc() + time::Duration::hours(12) - test_support::test_epoch(),
    );
    let options = demo::DemoOptions {
        patients: 400,
        seed: 5,
        as_of,
        batch_size: 100,
    };
    demo::generate(&store, &options, &mut |_| {}).unwrap();
    let codes = codes::CodeSets::embedded().unwrap();
    let poa = review::PoaExempt::embedded().unwrap();
    let cx = review::Context {
        codes: Some(&codes),
        poa_exempt: &poa,
    };
    let rules = review::RuleSet::defaults().unwrap();
    let counts =
        review::review_all(&store, &store::Actor::new("test"), &rules, &cx, &mut |_| {}).unwrap();
    assert_eq!(counts.charts, 400);
    let now = store.clock().now();
    let open = store
        .read(|tx| {
            review::queue(
                tx,
                &review::QueueQuery {
                    limit: 100_000,
                    ..review::QueueQuery::default()
                },
            )
        })
        .unwrap();
    let mut per_chart: std::collections::HashMap<i64, (usize, usize)> = Default::default();
    for d in &open {
        let entry = per_chart.entry(d.record.patient_id.0).or_default();
        entry.0 += 1;
        entry.1 += usize::from(d.record.is_delinquent(now));
    }
    let share = |n: usize| n as f64 / 400.0;
    let complete = share(400 - per_chart.len());
    let one_or_two = share(per_chart.values().filter(|(n, _)| *n <= 2).count());
    let delinquent = share(per_chart.values().filter(|(_, late)| *late > 0).count());
    let many = share(per_chart.values().filter(|(n, _)| *n > 2).count());
    let mix = format!(
        "complete {complete:.3}, one or two {one_or_two:.3}, three or more {many:.3}, delinquent {delinquent:.3} ({} open)",
        open.len()
    );
    assert!((0.70..0.97).contains(&complete), "{mix}");
    assert!(one_or_two >= 0.03, "{mix}");
    assert!(many <= 0.05, "{mix}");
    assert!(delinquent > 0.0 && delinquent <= 0.12, "{mix}");
    // The queue is alive: some of it is not yet due.
    assert!(open.iter().any(|d| !d.record.is_delinquent(now)), "{mix}");
    // Old work was chased: what is still open from over a year ago sits on a few charts
    // (patients never insured, whose every visit lacks coverage), not across the population.
    let mut old: Vec<i64> = open
        .iter()
        .filter(|d| now - d.record.since > time::Duration::days(365))
        .map(|d| d.record.patient_id.0)
        .collect();
    old.sort_unstable();
    old.dedup();
    assert!(
        share(old.len()) <= 0.03,
        "{} charts with year-old work; {mix}",
        old.len()
    );
}
