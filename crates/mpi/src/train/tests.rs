use super::*;
use crate::compare::FIELDS;

/// Vectors drawn from a known mixture: EM must find the mixture's m and share again.
#[test]
fn em_recovers_a_known_mixture() {
    let settings = Settings::embedded().unwrap();
    // Matches: given exact 90%, nickname 10%; birth exact 80%, transposed 20%; sex same.
    // Non-matches: given different; birth different 95%, exact 5%; sex same half the time.
    let mut vectors = HashMap::new();
    let mut put = |given: u8, birth: u8, sex: u8, count: u64| {
        let mut levels = [None; 8];
        levels[0] = Some(given);
        levels[2] = Some(birth);
        levels[3] = Some(sex);
        *vectors.entry(Vector::from_levels(levels)).or_insert(0) += count;
    };
    // 1,000 matches.
    put(0, 0, 0, 720);
    put(0, 1, 0, 180);
    put(1, 0, 0, 80);
    put(1, 1, 0, 20);
    // 9,000 non-matches.
    put(7, 5, 0, 4275);
    put(7, 5, 1, 4275);
    put(7, 0, 0, 225);
    put(7, 0, 1, 225);
    let mut u: Vec<Vec<f64>> = FIELDS
        .iter()
        .map(|f| vec![1.0 / f.levels().len() as f64; f.levels().len()])
        .collect();
    u[0] = vec![0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.993];
    u[2] = vec![0.05, 0.001, 0.001, 0.001, 0.001, 0.946];
    u[3] = vec![0.5, 0.5];
    // The phone rule: its field is absent from these vectors, so nothing is left out.
    let mut sessions = vec![Session {
        rule: BlockingRule::Phone,
        found: vectors.clone(),
        vectors,
        match_share: 0.0,
        rounds: 0,
    }];
    let model = train(&mut sessions, u, &settings, 1000);
    let session = &sessions[0];
    assert!(session.rounds > 1 && session.rounds <= settings.training.em_iterations);
    assert!(
        (session.match_share - 0.1).abs() < 0.005,
        "{}",
        session.match_share
    );
    assert!(
        (model.fields[0][0].m - 0.9).abs() < 0.01,
        "{:?}",
        model.fields[0]
    );
    assert!((model.fields[0][1].m - 0.1).abs() < 0.01);
    assert!(
        (model.fields[2][1].m - 0.2).abs() < 0.01,
        "{:?}",
        model.fields[2]
    );
    assert!(model.fields[3][0].m > 0.99);
    // About 1,000 matches among the 499,500 pairs of 1,000 people.
    assert!(
        (model.match_share * 499_500.0 - 1000.0).abs() < 50.0,
        "{}",
        model.match_share
    );
}

#[test]
fn a_rules_own_fields_are_left_out_of_its_session() {
    let settings = Settings::embedded().unwrap();
    let mut vectors = HashMap::new();
    // Every pair agrees on birth date (the rule chose them for it) and nothing else.
    let mut levels = [None; 8];
    levels[0] = Some(7);
    levels[2] = Some(0);
    vectors.insert(Vector::from_levels(levels), 1000);
    let mut u: Vec<Vec<f64>> = FIELDS
        .iter()
        .map(|f| vec![1.0 / f.levels().len() as f64; f.levels().len()])
        .collect();
    u[0] = vec![0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.993];
    u[2] = vec![0.001, 0.001, 0.001, 0.001, 0.001, 0.995];
    let mut sessions = vec![Session {
        rule: BlockingRule::BirthDate,
        found: vectors.clone(),
        vectors,
        match_share: 0.0,
        rounds: 0,
    }];
    let model = train(&mut sessions, u, &settings, 1000);
    assert!(
        sessions[0].match_share < 0.01,
        "{}",
        sessions[0].match_share
    );
    // Birth date's m stays where it started: no session could see it.
    assert_eq!(model.fields[2][0].m, 0.9);
}

#[test]
fn u_comes_from_random_pairs_and_is_never_zero() {
    let mut settings = Settings::embedded().unwrap();
    settings.training.random_pairs = 200_000;
    let population = crate::planted::planted(2000, 0.0, 5);
    let persons = population.persons(&crate::Nicknames::embedded().unwrap());
    let u = estimate_u(&persons, &settings);
    for levels in &u {
        assert!((levels.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(levels.iter().all(|&share| share > 0.0));
    }
    // Two random people almost never share a birth date and split evenly on sex.
    assert!(u[2][0] < 0.001, "{:?}", u[2]);
    assert!((u[3][0] - 0.5).abs() < 0.01, "{:?}", u[3]);
    assert_eq!(
        u,
        estimate_u(&persons, &settings),
        "the same seed draws the same pairs"
    );
}
