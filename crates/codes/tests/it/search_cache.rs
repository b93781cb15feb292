//! The ICD-10-CM search index kept in a cache file: written once, then read with the same
//! answers as an index built in memory; a damaged file (checksum, cut short, not a cache)
//! rebuilt with a message; another format, a changed release file or another release's
//! file replaced.

use std::io::{Read, Write};
use std::path::Path;

use super::{d, sets};
use codes::search_cache::{CACHE_DIR, CacheOutcome};
use codes::{CodeSets, System};

const QUERIES: &[&str] = &[
    "diabetes",
    "corns on feet",
    "E11",
    "pink eye",
    "displaced fracture of shaft of left humerus",
    "a",
    "pneu",
];

fn answers(sets: &CodeSets, day: &str) -> Vec<Vec<(String, i64, Option<String>)>> {
    QUERIES
        .iter()
        .map(|q| {
            sets.search(System::Icd10Cm, q, d(day), 10)
                .unwrap()
                .into_iter()
                .map(|h| (h.code, h.score, h.matched))
                .collect()
        })
        .collect()
}

fn cached(dir: &Path) -> CodeSets {
    CodeSets::embedded().unwrap().with_search_cache(dir)
}

fn damage(file: &Path, change: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = std::fs::read(file).unwrap();
    change(&mut bytes);
    std::fs::write(file, bytes).unwrap();
}

#[test]
fn the_cached_index_answers_as_the_built_one_and_a_damaged_file_is_rebuilt() {
    let day = "2026-01-15";
    let plain = answers(sets(), day);
    assert!(plain.iter().all(|a| !a.is_empty()), "{plain:?}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("search-icd10cm-FY2026.bin");

    let first = cached(dir.path());
    assert_eq!(answers(&first, day), plain);
    assert_eq!(first.cache_events(), [CacheOutcome::Written]);
    assert!(file.is_file());
    let written = std::fs::metadata(&file).unwrap().modified().unwrap();
    // Only the file itself is left (the temporary file was renamed over it).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let second = cached(dir.path());
    assert_eq!(answers(&second, day), plain);
    assert_eq!(second.cache_events(), [CacheOutcome::Read]);
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        written
    );

    for (how, says, change) in [
        (
            "one bit flipped in the middle",
            "checksum mismatch",
            Box::new(|b: &mut Vec<u8>| {
                let mid = b.len() / 2;
                b[mid] ^= 0x40;
            }) as Box<dyn FnOnce(&mut Vec<u8>)>,
        ),
        (
            "cut short",
            "its length is not the one written",
            Box::new(|b: &mut Vec<u8>| b.truncate(b.len() - 4096)),
        ),
        (
            "not a cache file",
            "not a search cache file",
            Box::new(|b: &mut Vec<u8>| *b = b"hello".to_vec()),
        ),
    ] {
        damage(&file, change);
        let rebuilt = cached(dir.path());
        assert_eq!(answers(&rebuilt, day), plain, "{how}");
        let events = rebuilt.cache_events();
        assert!(
            matches!(&events[..], [CacheOutcome::Rebuilt(m)] if m.contains(says) && m.contains("rebuilt")),
            "{how}: {events:?}"
        );
        // Rebuilt and written again: the next call reads it.
        let again = cached(dir.path());
        assert_eq!(answers(&again, day), plain, "{how}");
        assert_eq!(again.cache_events(), [CacheOutcome::Read], "{how}");
    }

    // Another cache format: replaced without a word.
    damage(&file, |b| b[8] ^= 0x01);
    let other = cached(dir.path());
    assert_eq!(answers(&other, day), plain);
    assert_eq!(other.cache_events(), [CacheOutcome::Replaced]);
}

/// Writes `text` as an imported ICD-10-CM release file of `data`.
fn write_release(data: &Path, text: &str) {
    let dir = data.join(codes::IMPORT_DIR);
    std::fs::create_dir_all(&dir).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    std::fs::write(dir.join("icd10cm-FY2099.gz"), gz.finish().unwrap()).unwrap();
}

#[test]
fn a_changed_release_file_or_another_release_s_cache_is_replaced() {
    let embedded = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/codes/icd10cm-FY2026.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(embedded).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let text = text.replacen("REL\tFY2026\t2025-10-01", "REL\tFY2099\t2098-10-01", 1);
    let data = tempfile::tempdir().unwrap();
    let cache = data.path().join(CACHE_DIR);
    let day = "2099-01-15";
    write_release(data.path(), &text);
    let open = || {
        CodeSets::open(data.path())
            .unwrap()
            .with_search_cache(&cache)
    };
    let first = open();
    let before = first
        .search(System::Icd10Cm, "xyzzyplasty", d(day), 5)
        .unwrap();
    assert!(before.iter().all(|h| h.code != "E11.9"), "{before:?}");
    assert_eq!(first.cache_events(), [CacheOutcome::Written]);
    assert_eq!(
        open()
            .search(System::Icd10Cm, "diabetes", d(day), 5)
            .unwrap()
            .len(),
        5
    );

    // The same release name, one title changed: the cache is not read.
    let title = "D\tE119\t";
    let at = text.find(title).unwrap();
    let end = at + text[at..].find('\n').unwrap();
    let changed = format!("{} xyzzyplasty{}", &text[..end], &text[end..]);
    write_release(data.path(), &changed);
    let second = open();
    let after = second
        .search(System::Icd10Cm, "xyzzyplasty", d(day), 5)
        .unwrap();
    assert_eq!(
        after.first().map(|h| h.code.as_str()),
        Some("E11.9"),
        "{after:?}"
    );
    assert_eq!(second.cache_events(), [CacheOutcome::Replaced]);

    // Another release's cache file under this release's name is not read either.
    std::fs::copy(
        cache.join("search-icd10cm-FY2099.bin"),
        cache.join("search-icd10cm-FY2026.bin"),
    )
    .unwrap();
    let third = open();
    assert_eq!(answers(&third, "2026-01-15"), answers(sets(), "2026-01-15"));
    assert_eq!(third.cache_events(), [CacheOutcome::Replaced]);
}
