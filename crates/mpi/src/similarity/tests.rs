use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[test]
fn equals_strsim_bit_for_bit_on_names_and_streets() {
    let words = [
        "",
        "a",
        "martha",
        "marhta",
        "dixon",
        "dicksonx",
        "dwayne",
        "duane",
        "jones",
        "johnson",
        "christina",
        "christine",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl",
        "12 n elm st apt 4",
        "12 elm st",
        "crate",
        "trace",
        "ab",
        "ba",
        "aaaa",
        "aaab",
    ];
    for a in words {
        for b in words {
            assert_eq!(
                jaro_winkler(a, b).to_bits(),
                strsim::jaro_winkler(a, b).to_bits(),
                "{a:?} against {b:?}"
            );
        }
    }
    // Random strings over a small alphabet, so matches, transpositions and prefixes abound.
    let mut rng = StdRng::seed_from_u64(7);
    let word = |rng: &mut StdRng| -> String {
        let len = rng.random_range(0..70);
        (0..len)
            .map(|_| char::from(b'a' + rng.random_range(0..5u8)))
            .collect()
    };
    for _ in 0..20_000 {
        let (a, b) = (word(&mut rng), word(&mut rng));
        assert_eq!(
            jaro_winkler(&a, &b).to_bits(),
            strsim::jaro_winkler(&a, &b).to_bits(),
            "{a:?} against {b:?}"
        );
    }
}

#[test]
fn non_ascii_goes_to_strsim() {
    assert_eq!(
        jaro_winkler("zoë", "zoe"),
        strsim::jaro_winkler("zoë", "zoe")
    );
}

#[test]
fn the_letter_bound_never_turns_away_a_pair_that_reaches_the_floor() {
    let mut rng = StdRng::seed_from_u64(11);
    let mut turned_away = 0;
    for _ in 0..50_000 {
        let mut word = || -> String {
            let len = rng.random_range(1..12);
            (0..len)
                .map(|_| char::from(b'a' + rng.random_range(0..8u8)))
                .collect()
        };
        let (a, b) = (word(), word());
        let (a_letters, b_letters) = (Letters::of(&a), Letters::of(&b));
        for floor in [0.7, 0.8, 0.92] {
            let jw = jaro_winkler(&a, &b);
            match name_similarity((&a, &a_letters), (&b, &b_letters), floor) {
                Some(found) => assert_eq!(found.to_bits(), jw.to_bits()),
                None => {
                    assert!(jw < floor, "{a:?} against {b:?} reaches {jw}");
                    turned_away += 1;
                }
            }
        }
    }
    // The bound must also settle pairs, or it saves nothing.
    assert!(turned_away > 10_000, "{turned_away}");
}
