//! A backup file that carries a damaged content file (written here by hand, since
//! `backup` refuses to write one) is refused by a restore naming the file; a file store's
//! copy is streamed from its snapshot.

use super::*;

/// A new embedded store in `dir/live`.
fn live_store(dir: &Path) -> Store {
    Store::open(
        &Location::DataDir(dir.join("live")),
        std::sync::Arc::new(store::SystemClock),
    )
    .unwrap()
}

#[test]
fn a_content_file_that_does_not_hash_to_its_name_is_refused_by_restore() {
    let tmp = tempfile::tempdir().unwrap();
    let store = live_store(tmp.path());
    let copy = tmp.path().join("copy.db");
    let facts = store.snapshot_to(&copy).unwrap();
    let named = content_store::sha256_hex(b"page one");
    let damaged = tmp.path().join("damaged");
    std::fs::write(&damaged, b"page two").unwrap();
    let content_path = format!("documents/{}/{named}", &named[..2]);
    let sources = [
        (SQLITE_COPY.to_owned(), copy.clone()),
        (content_path.clone(), damaged.clone()),
    ];
    let layout = Layout {
        format: FORMAT.into(),
        backend: BackendKind::Sqlite,
        files: sources
            .iter()
            .map(|(name, path)| FileSize {
                name: name.clone(),
                bytes: std::fs::metadata(path).unwrap().len(),
            })
            .collect(),
    };
    let key = BackupKey::generate().unwrap();
    let file = tmp.path().join("crafted.backup");
    let mut writer = BackupWriter::start(private_file(&file).unwrap(), &key, &layout).unwrap();
    for ((_, path), size) in sources.iter().zip(&layout.files) {
        writer
            .add(size, &mut File::open(path).unwrap(), path)
            .unwrap();
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        created_at: test_support::test_epoch(),
        chartroom_version: "test".into(),
        backend: BackendKind::Sqlite,
        schema_version: facts.schema_version,
        counts: facts.counts,
        audit_head: facts.audit_tail,
        files: writer.files.clone(),
        content: Vec::new(),
    };
    writer.finish(&manifest).unwrap();
    assert_eq!(inspect(&file, &key).unwrap(), manifest);
    let target = tmp.path().join("restored");
    let error = restore(&file, &key, &target).unwrap_err().to_string();
    assert!(
        error.contains(&content_path) && error.contains("content file in the backup is damaged"),
        "{error}"
    );
    assert!(!target.exists());
}

/// The copy of a file store is streamed from its snapshot (this workspace's SQLite has
/// `sqlite_dbpage`), not written to the scratch path first, and is a sound database with
/// the store's rows.
#[test]
fn a_file_store_is_streamed_without_a_scratch_copy_and_the_stream_is_the_database() {
    let tmp = tempfile::tempdir().unwrap();
    let store = live_store(tmp.path());
    let scratch = tmp.path().join("scratch.db");
    let mut stream = store.stream_snapshot(&scratch).unwrap();
    let size = stream.size();
    let mut image = Vec::new();
    stream.read_to_end(&mut image).unwrap();
    let (facts, problems) = stream.finish().unwrap();
    assert!(!scratch.exists(), "a scratch copy was written");
    assert_eq!(image.len() as u64, size);
    assert!(problems.0.is_empty(), "{problems:?}");
    assert_eq!(&image[18..20], &[1, 1], "page 1 still says WAL");
    let copy = tmp.path().join("copy.db");
    std::fs::write(&copy, &image).unwrap();
    let (copied, problems) = store::sqlite_file_facts(&copy).unwrap();
    assert!(problems.0.is_empty(), "{problems:?}");
    assert_eq!(copied, facts);
    assert_eq!(facts, store.facts().unwrap());
}
