//! The minimums table as shipped, spans, the grace period and what a too-early dose does
//! to the doses after it.

use super::*;
use crate::coverage::CHILDHOOD_SERIES;
use time::macros::date;

fn acip(series: &str) -> SeriesMinimums {
    Minimums::acip().unwrap().series[series].clone()
}

/// Days after the birth, as dates.
fn ages(birth: Date, days: &[i64]) -> Vec<Date> {
    days.iter().map(|d| birth + Duration::days(*d)).collect()
}

#[test]
fn the_shipped_table_covers_every_series_of_the_measure() {
    let minimums = Minimums::acip().unwrap();
    assert_eq!(minimums.grace_days, 4);
    for series in CHILDHOOD_SERIES {
        let rules = &minimums.series[series.name];
        assert_eq!(rules.min_age.len(), series.doses, "{}", series.name);
    }
    assert_eq!(minimums.series.len(), CHILDHOOD_SERIES.len());
    let dtap = &minimums.series["DTaP"];
    assert_eq!(dtap.min_age[0], Span::Weeks(6));
    assert_eq!(dtap.min_age[3], Span::Months(12));
    assert_eq!(minimums.series["HepB"].from_first[&3], Span::Weeks(16));
    assert_eq!(minimums.series["HepB"].min_age[0], Span::Days(0));
}

#[test]
fn spans_read_and_add_as_the_calendar_does() {
    assert_eq!(Span::parse("6w"), Some(Span::Weeks(6)));
    assert_eq!(Span::parse(" 12m "), Some(Span::Months(12)));
    for bad in ["", "w", "6", "6x", "-6w", "1.5m", "99999d"] {
        assert_eq!(Span::parse(bad), None, "{bad}");
    }
    assert_eq!(
        Span::Months(1).after(date!(2025 - 01 - 31)),
        date!(2025 - 02 - 28)
    );
    assert_eq!(
        Span::Months(12).after(date!(2024 - 02 - 29)),
        date!(2025 - 02 - 28)
    );
    assert_eq!(
        Span::Years(1).after(date!(2025 - 12 - 15)),
        date!(2026 - 12 - 15)
    );
    assert_eq!(
        Span::Weeks(6).after(date!(2025 - 01 - 01)),
        date!(2025 - 02 - 12)
    );
}

#[test]
fn a_dose_up_to_four_days_early_counts_and_five_days_does_not() {
    let birth = date!(2024 - 01 - 10);
    let mmr = acip("MMR");
    // 12 months: 2025-01-10; four days before counts, five does not.
    let early = |day| mmr.evaluate(birth, &[day], 4);
    assert_eq!(
        early(date!(2025 - 01 - 06)),
        Evaluated {
            valid: 1,
            invalid: 0
        }
    );
    assert_eq!(
        early(date!(2025 - 01 - 05)),
        Evaluated {
            valid: 0,
            invalid: 1
        }
    );
    // Without the grace period, only the day itself.
    assert_eq!(mmr.evaluate(birth, &[date!(2025 - 01 - 09)], 0).valid, 0);
    assert_eq!(mmr.evaluate(birth, &[date!(2025 - 01 - 10)], 0).valid, 1);
}

#[test]
fn an_interval_too_short_makes_the_dose_invalid_and_the_next_is_spaced_after_it() {
    let birth = date!(2024 - 01 - 01);
    let polio = acip("polio");
    // 6 weeks (42 days), then 24 days later (4 weeks less 4 days is 24: counts), then 23.
    assert_eq!(
        polio.evaluate(birth, &ages(birth, &[42, 66, 89]), 4),
        Evaluated {
            valid: 2,
            invalid: 1
        }
    );
    // The third is spaced after the invalid one: 24 days after it counts (age 14 weeks
    // passed).
    assert_eq!(
        polio.evaluate(birth, &ages(birth, &[42, 66, 89, 113]), 4),
        Evaluated {
            valid: 3,
            invalid: 1
        }
    );
    // A first dose at 3 weeks is too young; the next, 4 weeks after it and at 7 weeks,
    // is the first that counts.
    assert_eq!(
        polio.evaluate(birth, &ages(birth, &[21, 49]), 4),
        Evaluated {
            valid: 1,
            invalid: 1
        }
    );
    assert_eq!(
        polio.evaluate(birth, &ages(birth, &[21, 42]), 4),
        Evaluated {
            valid: 0,
            invalid: 2
        },
        "at 6 weeks but only 3 weeks after the invalid dose"
    );
}

#[test]
fn hepb_three_needs_sixteen_weeks_after_the_first_and_twenty_four_weeks_of_age() {
    let birth = date!(2024 - 01 - 01);
    let hepb = acip("HepB");
    // Birth, 4 weeks, then at 24 weeks (168 days): 8 weeks after the second, 24 weeks old,
    // 24 weeks after the first.
    assert_eq!(
        hepb.evaluate(birth, &ages(birth, &[0, 28, 168]), 4).valid,
        3
    );
    // Third at 20 weeks of age: too young.
    assert_eq!(
        hepb.evaluate(birth, &ages(birth, &[0, 28, 140]), 4),
        Evaluated {
            valid: 2,
            invalid: 1
        }
    );
    // Started at 10 weeks: the third at 24 weeks is 8 weeks after the second but only 14
    // weeks after the first.
    assert_eq!(
        hepb.evaluate(birth, &ages(birth, &[70, 112, 168]), 4),
        Evaluated {
            valid: 2,
            invalid: 1
        }
    );
}

#[test]
fn doses_past_the_series_are_neither_valid_nor_invalid() {
    let birth = date!(2024 - 01 - 01);
    let varicella = acip("varicella");
    assert_eq!(
        varicella.evaluate(birth, &ages(birth, &[370, 380, 390]), 4),
        Evaluated {
            valid: 1,
            invalid: 0
        }
    );
}

#[test]
fn a_bad_table_is_refused_naming_the_field() {
    let cases = [
        (
            "grace_days = 4\n[series.X]\nmin_age = [\"6q\"]\nmin_interval = []\n",
            "series.X.min_age: \"6q\"",
        ),
        (
            "grace_days = 4\n[series.X]\nmin_age = [\"6w\", \"10w\"]\nmin_interval = []\n",
            "series.X: 2 minimum ages need 1 intervals",
        ),
        (
            "grace_days = 40\n[series.X]\nmin_age = [\"6w\"]\nmin_interval = []\n",
            "grace_days: 40",
        ),
        (
            "grace_days = 4\n[series.X]\nmin_age = [\"6w\"]\nmin_interval = []\nfrom_first = { 1 = \"4w\" }\n",
            "from_first: \"1\"",
        ),
        (
            "grace_days = 4\n[series.X]\nmin_age = [\"6w\"]\nmin_interval = []\nmax_age = []\n",
            "max_age",
        ),
    ];
    for (text, expected) in cases {
        let error = Minimums::parse(text).unwrap_err().to_string();
        assert!(error.contains(expected), "{error}");
    }
}
