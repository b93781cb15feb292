//! Each method on small series whose answers are worked by hand from the published formulas.

use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn c1_compares_the_day_with_the_week_before() {
    // Baseline 1..=7: mean 4, sample sd sqrt(28/6) = 2.160247; day 8 counts 12.
    let counts = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 12.0];
    let points = c1(&counts, &EarsParams::default()).unwrap();
    assert!(points[..7].iter().all(Option::is_none));
    let day = points[7].unwrap();
    let sd = (28.0_f64 / 6.0).sqrt();
    assert!(close(day.expected, 4.0));
    assert!(close(day.statistic.unwrap(), 8.0 / sd));
    assert!(close(day.threshold.unwrap(), 4.0 + 3.0 * sd));
    assert_eq!(day.level, Level::Red, "8 / 2.16 = 3.70 > 3");
    let quiet = c1(
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 10.0],
        &EarsParams::default(),
    )
    .unwrap();
    assert_eq!(quiet[7].unwrap().level, Level::None, "6 / 2.16 = 2.78");
}

#[test]
fn c2_skips_the_two_days_before() {
    // Days 0..=6 are the baseline for day 9; days 7 and 8 (huge) are the guard band.
    let counts = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 100.0, 100.0, 12.0];
    let points = c2(&counts, &EarsParams::default()).unwrap();
    assert!(points[..9].iter().all(Option::is_none));
    let day = points[9].unwrap();
    assert!(close(day.expected, 4.0));
    assert_eq!(day.level, Level::Red);
}

#[test]
fn c3_sums_three_days_of_c2_excess() {
    // A flat-ish baseline then three raised days: C2 on each is (y - mean) / sd.
    let base = [4.0, 6.0, 4.0, 6.0, 4.0, 6.0, 4.0, 6.0, 4.0];
    let mut counts = base.to_vec();
    counts.extend([7.0, 7.0, 7.0]);
    let points = c3(&counts, &EarsParams::c3()).unwrap();
    assert!(points[..11].iter().all(Option::is_none));
    let day = points[11].unwrap();
    // Each of days 9, 10, 11 has a baseline of 7 days alternating 4 and 6 (mean 5 or
    // 4.857 / 5.143), so work each C2 out from its own window.
    let c2_of = |t: usize| {
        let window = &counts[t - 9..t - 2];
        let (mean, sd) = mean_sd(window);
        ((counts[t] - mean) / sd - 1.0).max(0.0)
    };
    let expected = c2_of(9) + c2_of(10) + c2_of(11);
    assert!(close(day.statistic.unwrap(), expected));
    assert_eq!(
        day.level,
        if expected > 2.0 {
            Level::Red
        } else {
            Level::None
        }
    );
    assert!(expected > 2.0, "{expected}");
}

#[test]
fn a_baseline_without_variation_alerts_only_above_it() {
    let mut counts = vec![0.0; 7];
    counts.push(0.0);
    counts.push(1.0);
    let points = c1(&counts, &EarsParams::default()).unwrap();
    assert_eq!(points[7].unwrap().level, Level::None);
    assert_eq!(points[7].unwrap().statistic, None);
    assert_eq!(points[8].unwrap().level, Level::Red);
    let floored = c1(
        &counts,
        &EarsParams {
            min_sigma: 0.5,
            ..EarsParams::default()
        },
    )
    .unwrap();
    assert_eq!(floored[8].unwrap().level, Level::None, "1 < 0 + 3 x 0.5");
}

#[test]
fn a_series_too_short_says_so() {
    let week = [3.0; 7];
    let error = c1(&week, &EarsParams::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "c1: the series has 7 days, and the method needs at least 8 to test one"
    );
    let monday = time::macros::date!(2024 - 01 - 01);
    let run = |m: Method, days: usize| m.run(&vec![1.0; days], monday, days);
    assert_eq!(run(Method::C2, 9).unwrap_err().needed, 10);
    assert_eq!(run(Method::C3, 11).unwrap_err().needed, 12);
    assert_eq!(run(Method::Ewma, 13).unwrap_err().needed, 14);
    assert_eq!(run(Method::Cusum, 28).unwrap_err().needed, 29);
    assert_eq!(run(Method::Regression, 13).unwrap_err().needed, 14);
    assert_eq!(run(Method::Switch, 13).unwrap_err().needed, 14);
    let daily = Method::ALL.iter().filter(|m| !m.weekly());
    assert!(daily.clone().all(|m| run(*m, 29).is_ok()));
    // The weekly methods count the history before the first day tested: the first complete
    // week starts on the Sunday after this Monday, and they need 104 weeks of it.
    let weekly = run(Method::Serfling, 700).unwrap_err();
    assert_eq!((weekly.needed, weekly.days), (6 + 104 * 7, 700));
    assert_eq!(
        weekly.to_string(),
        "serfling: the series has 700 days of history, and the method needs at least 734 to test one"
    );
    assert!(run(Method::Nbinom, 734).is_ok());
}

#[test]
fn regression_forecasts_the_weekday_and_trend() {
    // An exact line with a Saturday bump: the regression forecasts it exactly, so expected
    // equals observed and sigma is the floor.
    let monday = time::macros::date!(2024 - 01 - 01);
    let counts: Vec<f64> = (0..40)
        .map(|d| 10.0 + 0.5 * d as f64 + if d % 7 == 5 { 6.0 } else { 0.0 })
        .collect();
    let points = regression(&counts, monday, &RegressionParams::default()).unwrap();
    assert!(points[..13].iter().all(Option::is_none));
    for (day, p) in points.iter().enumerate().skip(13) {
        let p = p.unwrap();
        assert!(close(p.expected, counts[day]), "day {day}: {p:?}");
        assert_eq!(p.level, Level::None);
    }
    let mut jump = counts.clone();
    jump[35] += 30.0;
    let points = regression(&jump, monday, &RegressionParams::default()).unwrap();
    assert_eq!(points[35].unwrap().level, Level::Red);
}

#[test]
fn weeks_are_complete_sunday_to_saturday() {
    let wednesday = time::macros::date!(2024 - 01 - 03);
    let counts: Vec<f64> = (0..24).map(f64::from).collect();
    let w = weeks(&counts, wednesday);
    assert_eq!(w.first_index, 4);
    assert_eq!(w.first_week, time::macros::date!(2024 - 01 - 07));
    assert_eq!(
        w.counts,
        vec![(4..11).sum::<i32>() as f64, (11..18).sum::<i32>() as f64]
    );
    assert_eq!(w.complete_before(17), 1);
    assert_eq!(w.complete_before(18), 2);
}

#[test]
fn cusum_accumulates_standardised_excess() {
    // Training mean 4 (sqrt 2): days of 8 add (8 - 4) / 2 - 1.04 = 0.96 each.
    let mut counts = vec![4.0; 28];
    counts.extend([8.0, 8.0, 8.0, 4.0]);
    let points = cusum(&counts, &CusumParams::default()).unwrap();
    assert!(points[..28].iter().all(Option::is_none));
    let sums: Vec<f64> = points[28..]
        .iter()
        .map(|p| p.unwrap().statistic.unwrap())
        .collect();
    assert!(close(sums[0], 0.96) && close(sums[1], 1.92) && close(sums[2], 2.88));
    assert!(close(sums[3], 2.88 - 1.04));
    let levels: Vec<Level> = points[28..].iter().map(|p| p.unwrap().level).collect();
    assert_eq!(levels, [Level::None, Level::None, Level::Red, Level::None]);
    // R's upper bound for the first day: ceiling(2 (2.26 + 1.04 - 0) + 4) = 11.
    assert_eq!(points[28].unwrap().threshold, Some(11.0));
    let silent = cusum(&[0.0; 40], &CusumParams::default()).unwrap();
    assert!(
        silent.iter().all(Option::is_none),
        "no visits to standardise by"
    );
}

#[test]
fn ewma_tests_from_day_13_and_flags_a_jump() {
    let mut counts: Vec<f64> = (0..40).map(|i| 10.0 + f64::from(i % 3)).collect();
    counts.push(40.0);
    let points = ewma(&counts, &EwmaParams::default()).unwrap();
    assert!(points[..13].iter().all(Option::is_none));
    assert!(
        points[13..40]
            .iter()
            .all(|p| p.unwrap().level == Level::None)
    );
    let jump = points[40].unwrap();
    assert_eq!(jump.level, Level::Red);
    assert!(jump.p_value.unwrap() < 1e-4);
    // Day 13's baseline is days 0..=10: mean of 10, 11, 12 repeating.
    let (mean, _) = mean_sd(&counts[..=10]);
    assert!(close(points[13].unwrap().expected, mean));
    // From day 31 on the baseline is 29 days long, as pynssp's indices make it, ending
    // three days before the day (the 2-day guard band between).
    let (mean, _) = mean_sd(&counts[9..=37]);
    assert!(close(jump.expected, mean));
}

#[test]
fn running_sums_give_each_window_what_scanning_it_gives() {
    let whole: Vec<f64> = (0..400_u64)
        .map(|i| ((i * 7919) % 53) as f64 + if i % 97 == 0 { 1000.0 } else { 0.0 })
        .collect();
    let fractional: Vec<f64> = whole.iter().map(|c| c * 0.37 + 0.1).collect();
    for counts in [&whole, &fractional] {
        let moments = Moments::new(counts);
        for start in (0..360).step_by(13) {
            for len in [2, 7, 11, 29] {
                let (mean, sd) = moments.mean_sd(start, start + len).unwrap();
                let (m, s) = mean_sd(&counts[start..start + len]);
                assert!((mean - m).abs() <= 1e-9 * m.abs().max(1.0), "{mean} {m}");
                assert!((sd - s).abs() <= 1e-9 * s.abs().max(1.0), "{sd} {s}");
            }
        }
        assert_eq!(moments.mean_sd(390, 401), None, "past the series");
    }
    // A window without variation has sd exactly 0, so EARS sees no variation.
    let flat = [5.0; 10];
    assert_eq!(Moments::new(&flat).mean_sd(1, 8), Some((5.0, 0.0)));
}

#[test]
fn one_cdf_picks_the_smaller_p_value_as_both_would() {
    let t = student::Student::new(28).unwrap();
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 40_000) as f64 / 1000.0 - 12.0
    };
    let mut pairs: Vec<(f64, f64)> = (0..20_000).map(|_| (next(), next())).collect();
    pairs.extend([
        (1.0, 1.0),
        (2.0, 2.00001),
        (60.0, 61.0),
        (-60.0, -61.0),
        (3.0, 3.0),
    ]);
    for (s1, s2) in pairs {
        let p1 = 1.0 - t.cdf(s1);
        let p2 = 1.0 - t.cdf(s2);
        let both = if p1 < p2 { (p1, s1) } else { (p2, s2) };
        assert_eq!(ewma::smaller_p(&t, s1, s2), both, "{s1} {s2}");
    }
}
