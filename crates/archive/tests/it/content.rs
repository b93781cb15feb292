//! The content stores (scanned pages in `documents/`, dictation audio in `audio/`) travel
//! with a backup: listed in its manifest, checked against their names on the way in and
//! out, and readable after a restore into a wiped machine's new data directory.

use archive::{BackupKey, Error};
use privacy::{Action, AuditEvent, Channel};
use records::PatientId;
use std::path::Path;
use store::{AuditTrail, Location, Store};
use time::macros::date;

fn open(dir: &Path) -> Store {
    Store::open(
        &Location::DataDir(dir.to_owned()),
        std::sync::Arc::new(store::SystemClock),
    )
    .unwrap()
}

fn clerk(store: &Store) -> AuditEvent {
    AuditEvent::new(store.clock().now(), "him", Action::Create, Channel::Cli)
}

/// A one-page PDF saying `text` (synthetic scanned pages).
pub fn pdf(text: &str) -> Vec<u8> {
    textpdf::write(
        &[textpdf::Page {
            header: "Outside records".into(),
            lines: vec![textpdf::Line::plain(text.to_owned())],
            footer: String::new(),
        }],
        None,
        "Outside records",
    )
}

/// What `with_content` kept.
struct Kept {
    document_id: i64,
    pages: Vec<u8>,
    audio_sha: String,
    audio: Vec<u8>,
}

/// A scanned letter on patient 1 and a recording.
fn with_content(store: &Store, dir: &Path) -> Kept {
    demo::generate(
        store,
        &demo::DemoOptions {
            patients: 3,
            seed: 5,
            as_of: date!(2026 - 03 - 02),
            batch_size: 3,
        },
        &mut |_| {},
    )
    .unwrap();
    let trail = AuditTrail::open_or_create(dir).unwrap();
    let pages = pdf("Referral letter, synthetic");
    let document = documents::add(
        store,
        &trail,
        &clerk(store),
        &documents::content_store(dir),
        &documents::Filing {
            patient_id: Some(PatientId(1)),
            document_type: Some("referral".into()),
            ..documents::Filing::default()
        },
        &pages,
    )
    .unwrap();
    let audio = b"RIFF synthetic recording bytes".to_vec();
    let audio_sha = content_store::ContentStore::in_data_dir(dir, "audio", "audio")
        .put(&audio)
        .unwrap();
    // A put in flight leaves a hidden partial file; a backup never takes it.
    let shard = dir.join("documents").join(&audio_sha[..2]);
    std::fs::create_dir_all(&shard).unwrap();
    std::fs::write(shard.join(format!(".{audio_sha}.partial")), b"half").unwrap();
    Kept {
        document_id: document.meta.id,
        pages,
        audio_sha,
        audio,
    }
}

/// The letter reads back from the restored store and data directory, and so does the
/// recording, each checked against its SHA-256.
fn assert_readable(store: &Store, dir: &Path, kept: &Kept) {
    let trail = AuditTrail::open(dir).unwrap();
    let (_, read) = documents::content_of(
        store,
        &trail,
        &clerk(store),
        &documents::content_store(dir),
        kept.document_id,
        documents::Part::Content,
        None,
    )
    .unwrap();
    assert_eq!(read.unwrap(), kept.pages);
    let audio_store = content_store::ContentStore::in_data_dir(dir, "audio", "audio");
    assert_eq!(audio_store.get(&kept.audio_sha).unwrap(), kept.audio);
}

#[test]
fn scanned_pages_and_audio_come_back_from_a_backup_with_their_hashes() {
    let tmp = tempfile::tempdir().unwrap();
    let live = tmp.path().join("live");
    let store = open(&live);
    let kept = with_content(&store, &live);
    let (pages, audio_sha) = (&kept.pages, &kept.audio_sha);
    let key = BackupKey::generate().unwrap();
    let file = tmp.path().join("with-content.backup");
    let report = archive::backup(&store, &live, &file, &key, test_support::test_epoch()).unwrap();
    let manifest = &report.manifest;
    let pages_sha = content_store::sha256_hex(pages);
    let listed = |name: String| manifest.files.iter().find(|f| f.name == name).cloned();
    let entry = listed(format!("documents/{}/{pages_sha}", &pages_sha[..2])).unwrap();
    assert_eq!(
        (entry.bytes, entry.sha256),
        (pages.len() as u64, pages_sha.clone())
    );
    assert!(listed(format!("audio/{}/{audio_sha}", &audio_sha[..2])).is_some());
    assert!(!manifest.files.iter().any(|f| f.name.ends_with(".partial")));
    let counts: Vec<(&str, u64)> = manifest
        .content
        .iter()
        .map(|c| (c.folder.as_str(), c.files))
        .collect();
    // The PDF and its first page drawn as a thumbnail (.ci/run installs Poppler).
    assert_eq!(counts, [("documents", 2), ("audio", 1)]);

    // The machine is wiped; the backup alone brings everything back.
    drop(store);
    std::fs::remove_dir_all(&live).unwrap();
    let restored = tmp.path().join("restored");
    archive::restore(&file, &key, &restored).unwrap();
    let store = open(&restored);
    assert_readable(&store, &restored, &kept);

    // A page damaged on disk is refused by the next backup, named; so is a page gone.
    let page_file = restored
        .join("documents")
        .join(&pages_sha[..2])
        .join(&pages_sha);
    std::fs::write(&page_file, b"not the letter").unwrap();
    let next = tmp.path().join("next.backup");
    let error =
        archive::backup(&store, &restored, &next, &key, test_support::test_epoch()).unwrap_err();
    let said = error.to_string();
    assert!(matches!(error, Error::NotBackedUp(_)), "{said}");
    assert!(
        said.contains(&format!("documents/{}/{pages_sha}", &pages_sha[..2]))
            && said.contains("damaged"),
        "{said}"
    );
    std::fs::remove_file(&page_file).unwrap();
    let said = archive::backup(&store, &restored, &next, &key, test_support::test_epoch())
        .unwrap_err()
        .to_string();
    assert!(
        said.contains(&pages_sha) && said.contains("the records name this content file"),
        "{said}"
    );
    assert!(!next.exists());
}

#[test]
fn a_postgres_backup_carries_the_content_files_into_the_new_data_directory() {
    let Some(pg) = test_support::postgres_store() else {
        eprintln!(
            "{} not set: PostgreSQL half skipped",
            test_support::POSTGRES_URL_VAR
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let live = tmp.path().join("live");
    let kept = with_content(&pg, &live);
    let key = BackupKey::generate().unwrap();
    let file = tmp.path().join("pg.backup");
    let report = archive::backup(&pg, &live, &file, &key, test_support::test_epoch()).unwrap();
    // The PDF and its drawn first page.
    assert_eq!(report.manifest.content.first().map(|c| c.files), Some(2));

    let admin = std::env::var(test_support::POSTGRES_URL_VAR).unwrap();
    let name = format!("chartroom_content_{}", std::process::id());
    let url = test_support::database_url(&admin, &name);
    let keys = tmp.path().join("restored");
    let drop_database = || {
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
    };
    let restored = archive::restore_postgres(&file, &key, &url, &keys).and_then(|_| {
        Ok(Store::open(
            &Location::Postgres(url.clone()),
            std::sync::Arc::new(store::SystemClock),
        )?)
    });
    let restored = match restored {
        Ok(restored) => restored,
        Err(e) => {
            drop_database();
            panic!("{e}");
        }
    };
    assert_readable(&restored, &keys, &kept);
    drop(restored);
    drop_database();
}
