//! Unit tests of `PatientSet`: set algebra, ranges cut inside words, chunk merging.

use super::*;

#[test]
fn iter_range_cuts_inside_words() {
    let mut set = PatientSet::empty(300);
    for ordinal in [0, 5, 63, 64, 70, 127, 128, 200, 299] {
        set.insert(ordinal);
    }
    assert_eq!(
        set.iter_range(5, 128).collect::<Vec<_>>(),
        [5, 63, 64, 70, 127]
    );
    assert_eq!(set.iter_range(0, u32::MAX).count(), 9);
    assert_eq!(set.iter_range(64, 64).count(), 0);
    assert_eq!(set.iter_range(201, 299).count(), 0);
}

#[test]
fn algebra_and_word_merge() {
    let mut a = PatientSet::empty(130);
    let mut b = PatientSet::empty(130);
    a.insert(1);
    a.insert(129);
    b.insert(129);
    b.insert(64);
    let mut both = a.clone();
    both.and_with(&b);
    assert_eq!(both.iter().collect::<Vec<_>>(), [129]);
    let mut either = a.clone();
    either.or_with(&b);
    assert_eq!(either.count(), 3);
    let mut only_a = a.clone();
    only_a.and_not_with(&b);
    assert_eq!(only_a.iter().collect::<Vec<_>>(), [1]);
    let mut merged = PatientSet::empty(130);
    merged.or_words_at(1, &[1, 2]);
    assert_eq!(merged.iter().collect::<Vec<_>>(), [64, 129]);
}
