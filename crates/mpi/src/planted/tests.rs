use super::*;

#[test]
fn same_seed_same_population() {
    let a = planted(500, 0.1, 7);
    let b = planted(500, 0.1, 7);
    assert_eq!(a.patients, b.patients);
    assert_ne!(a.patients, planted(500, 0.1, 8).patients);
}

#[test]
fn duplicates_and_twins_are_planted_with_their_truth() {
    let population = planted(5000, 0.1, 1);
    assert_eq!(population.patients.len(), 5000);
    let n_duplicates = population
        .plant
        .iter()
        .filter(|p| matches!(p, Plant::Duplicate(_)))
        .count();
    assert!((350..650).contains(&n_duplicates), "{n_duplicates}");
    let twins = population.twin_pairs();
    assert!(twins.len() > 10, "{}", twins.len());
    for (a, b) in twins {
        let (a, b) = (
            &population.patients[a as usize],
            &population.patients[b as usize],
        );
        assert_eq!(
            (&a.family_name, a.birth_date),
            (&b.family_name, b.birth_date)
        );
        assert_ne!(a.given_name, b.given_name);
        let nicknames = crate::Nicknames::embedded().unwrap();
        assert!(!nicknames.same_name(&a.given_name.to_lowercase(), &b.given_name.to_lowercase()));
        assert_ne!(
            population.person[a.mrn.as_str()[1..].parse::<usize>().unwrap()],
            population.person[b.mrn.as_str()[1..].parse::<usize>().unwrap()]
        );
    }
    // Every duplicate's person has an earlier record.
    for (idx, plant) in population.plant.iter().enumerate() {
        if matches!(plant, Plant::Duplicate(_)) {
            assert!(population.person[..idx].contains(&population.person[idx]));
        }
    }
    for patient in &population.patients {
        records::Validate::validate(patient).unwrap();
    }
}

#[test]
fn changes_are_what_they_say() {
    let population = planted(3000, 0.2, 3);
    let mut seen = std::collections::HashSet::new();
    for (idx, plant) in population.plant.iter().enumerate() {
        let Plant::Duplicate(changes) = plant else {
            continue;
        };
        let original = population.person[..idx]
            .iter()
            .position(|p| *p == population.person[idx])
            .map(|i| &population.patients[i])
            .unwrap();
        let copy = &population.patients[idx];
        if changes == &[Change::Swapped] {
            assert_eq!(
                (&copy.given_name, &copy.family_name),
                (&original.family_name, &original.given_name)
            );
        }
        if changes == &[Change::TransposedDate] {
            assert_eq!(copy.birth_date.day(), u8::from(original.birth_date.month()));
        }
        if changes == &[Change::YearOff] {
            assert_eq!(
                (copy.birth_date.year() - original.birth_date.year()).abs(),
                1
            );
        }
        seen.extend(changes.iter().copied());
    }
    assert_eq!(seen.len(), 8, "every kind of change is planted: {seen:?}");
}

#[test]
fn duplicates_of_a_population_are_second_registrations_with_their_changes() {
    let originals = planted(200, 0.0, 4).patients;
    let dups = duplicates_of(&originals, 0.1, 7);
    assert_eq!(dups.len(), 20);
    assert_eq!(dups, duplicates_of(&originals, 0.1, 7), "the seed decides");
    let mut seen = std::collections::HashSet::new();
    for (idx, patient, changes) in &dups {
        assert!(seen.insert(*idx), "one duplicate per original");
        assert!(!changes.is_empty());
        assert_eq!(patient.mrn, originals[*idx].mrn, "numbered by the caller");
    }
    assert!(duplicates_of(&originals, 0.0, 7).is_empty());
}
