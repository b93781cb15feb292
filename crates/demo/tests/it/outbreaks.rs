//! `chartroom demo --outbreaks`: detection over the demo finds the planted GI cluster in its
//! ZIP3 on its first day, and the influenza wave overall while it rises.

use crate::{AS_OF, store_as_of};
use demo::{DemoOptions, generate};
use records::AlertLevel;
use surveillance::SyndromeSet;
use surveillance::alerts::{self, DetectOptions, QueueFilter};
use surveillance::detect::Method;
use time::Duration;

#[test]
fn detection_finds_the_planted_outbreaks() {
    let store = store_as_of();
    let options = DemoOptions {
        patients: 300,
        seed: 5,
        as_of: AS_OF,
        batch_size: 100,
    };
    generate(&store, &options, &mut |_| {}).unwrap();
    let planted = demo::outbreaks::plant(&store, AS_OF, 5).unwrap().unwrap();
    let visits: u32 = planted.gi_days.iter().map(|d| d.1).sum();
    assert_eq!(visits, 48);
    assert!(
        planted.flu_days.iter().map(|d| d.1).sum::<u32>() > 100,
        "{planted:?}"
    );

    let codes = codes::CodeSets::embedded().unwrap();
    let set = SyndromeSet::defaults(&codes).unwrap();
    surveillance::counts::step(&store, &set).unwrap();
    let actor = store::Actor::new("test:surveillance");
    let detect = |syndrome: &str, from, to| {
        store
            .write(|tx| {
                alerts::detect(
                    tx,
                    &actor,
                    &set,
                    &DetectOptions {
                        methods: vec![Method::C2, Method::Ewma],
                        from,
                        to,
                        syndromes: vec![syndrome.into()],
                        by_place: true,
                        min_observed: 1,
                    },
                )
            })
            .unwrap()
    };
    let gi_first = planted.gi_days[0].0;
    detect("gi", gi_first - Duration::days(7), AS_OF);
    detect("ili", AS_OF - Duration::days(70), AS_OF);
    let queue = store
        .read(|tx| {
            alerts::queue(
                tx,
                &QueueFilter {
                    limit: 10_000,
                    ..QueueFilter::default()
                },
            )
        })
        .unwrap();
    let red_days = |syndrome: &str, place: &str, method: &str| -> Vec<time::Date> {
        let mut days: Vec<time::Date> = queue
            .iter()
            .map(|a| &a.record)
            .filter(|r| r.syndrome == syndrome && r.place == place && r.method == method)
            .filter(|r| r.level == AlertLevel::Red)
            .map(|r| r.day)
            .collect();
        days.sort();
        days
    };
    // The cluster: red in its ZIP3 and overall on its first day, by C2 and by EWMA.
    for place in [planted.gi_zip3.as_str(), "all"] {
        for method in ["c2", "ewma"] {
            let days = red_days("gi", place, method);
            assert!(
                days.contains(&gi_first),
                "gi {place} {method}: red on {days:?}, cluster from {gi_first}"
            );
        }
    }
    // The wave: red overall while it rises (the 3 weeks before its peak).
    let rising = red_days("ili", "all", "ewma")
        .into_iter()
        .chain(red_days("ili", "all", "c2"))
        .filter(|d| *d >= planted.flu_peak - Duration::days(21) && *d <= planted.flu_peak)
        .count();
    assert!(rising > 0, "ili never red while the wave rose: {queue:?}");
}
