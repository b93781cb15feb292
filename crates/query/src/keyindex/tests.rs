//! Unit tests of the key index: dense, sparse and negative keys, and keys that move from sparse to dense.

use super::*;

#[test]
fn dense_sparse_and_negative_keys_behave_alike() {
    let mut index = KeyIndex::default();
    for (key, value) in [(1, 10), (-5, 11), (1 << 40, 12), (7, 13), (3, 14)] {
        assert_eq!(index.insert(key, value), None);
    }
    assert_eq!(index.get(1), Some(10));
    assert_eq!(index.get(-5), Some(11));
    assert_eq!(index.get(1 << 40), Some(12));
    assert_eq!(index.get(2), None);
    assert_eq!(index.insert(7, 20), Some(13));
    assert_eq!(index.remove(1 << 40), Some(12));
    assert_eq!(index.get(1 << 40), None);
    assert_eq!(index.remove(3), Some(14));
    assert_eq!(index.remove(3), None);
    assert_eq!(index.len, 3);
}

#[test]
fn a_key_first_stored_sparse_stays_findable_when_the_array_grows_past_it() {
    let mut index = KeyIndex::default();
    index.insert(10_000, 1);
    for key in 0..12_000 {
        if key != 10_000 {
            index.insert(key, 2);
        }
    }
    assert_eq!(index.get(10_000), Some(1));
    assert_eq!(index.insert(10_000, 3), Some(1));
    assert_eq!(index.get(10_000), Some(3));
}
