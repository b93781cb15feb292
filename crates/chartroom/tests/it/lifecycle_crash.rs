//! Killing `retention archive` and `backup` with SIGKILL at random points, 20 trials each:
//! no record lost, none both live and archived, the store's integrity check and the audit
//! chain pass, and running the command again completes.

use super::cli::{chartroom, stdout};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{AuditTrail, ChartRows, Location, Store, SystemClock};

const TRIALS: u64 = 20;
const AS_OF: &str = "2070-01-01";

/// A small deterministic generator (xorshift), so a failing trial can be replayed.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn open(dir: &Path) -> Store {
    Store::open(&Location::DataDir(dir.to_owned()), Arc::new(SystemClock)).unwrap()
}

/// Runs chartroom with `args` and kills it (SIGKILL) after `after`, unless it ended first.
fn kill_after(data: &Path, args: &[&str], after: Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("CHARTROOM_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn timed(data: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    stdout(&chartroom(data, args));
    started.elapsed()
}

fn integrity_ok(store: &Store) {
    let rows = store
        .read(|tx| tx.query("PRAGMA integrity_check", &[]))
        .unwrap();
    assert_eq!(rows[0].text(0), Some("ok"));
    let problems = store
        .read(|tx| tx.query("PRAGMA foreign_key_check", &[]))
        .unwrap();
    assert!(
        problems.is_empty(),
        "{} foreign-key problems",
        problems.len()
    );
}

fn chain_ok(dir: &Path, store: &Store) {
    let verified = AuditTrail::open(dir).unwrap().verify(store).unwrap();
    assert!(verified.is_ok(), "{verified:?}");
}

/// Every chart of the pristine store, by patient.
fn charts_of(store: &Store) -> BTreeMap<i64, ChartRows> {
    let ids: Vec<i64> = store
        .read(|tx| tx.query("SELECT id FROM patients", &[]))
        .unwrap()
        .iter()
        .map(|r| r.int(0))
        .collect();
    ids.into_iter()
        .map(|id| (id, store.read(|tx| tx.chart_rows(id)).unwrap()))
        .collect()
}

/// Each chart is exactly as it was, either live or in its (checksummed) archive file.
/// Returns how many are archived.
fn each_chart_in_one_place(
    dir: &Path,
    store: &Store,
    pristine: &BTreeMap<i64, ChartRows>,
) -> usize {
    let mut archived = 0;
    for (&id, rows) in pristine {
        let live = store
            .read(|tx| {
                tx.query(
                    "SELECT 1 FROM patients WHERE id = ?",
                    &[store::Value::Int(id)],
                )
            })
            .unwrap()
            .len()
            == 1;
        let indexed = store
            .read(|tx| tx.archived_chart(id))
            .unwrap()
            .is_some_and(|e| e.status == "archived");
        assert!(
            live != indexed,
            "patient {id}: live {live}, archived {indexed}"
        );
        if live {
            assert_eq!(
                &store.read(|tx| tx.chart_rows(id)).unwrap(),
                rows,
                "patient {id}"
            );
        } else {
            let read = store
                .read(|tx| {
                    archive::read_archived(tx, dir, id)
                        .map_err(|e| store::Error::Conflict(e.to_string()))
                })
                .unwrap();
            assert_eq!(&read.rows, rows, "patient {id}");
            archived += 1;
        }
    }
    archived
}

#[test]
fn archival_killed_at_random_points_loses_nothing_and_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let pristine_dir = tmp.path().join("pristine");
    stdout(&chartroom(&pristine_dir, &["init", "--demo", "30"]));
    let pristine = charts_of(&open(&pristine_dir));
    // How long an uninterrupted run takes, so kills fall all along it.
    let whole = tmp.path().join("whole");
    copy_dir(&pristine_dir, &whole);
    let span = timed(&whole, &["retention", "archive", "--as-of", AS_OF]);
    let expected = each_chart_in_one_place(&whole, &open(&whole), &pristine);
    assert!(expected > 10, "{expected} charts archived");

    let mut random = Xorshift(0x5eed_1234);
    let mut interrupted = 0;
    for trial in 0..TRIALS {
        let dir = tmp.path().join(format!("trial-{trial}"));
        copy_dir(&pristine_dir, &dir);
        let after = Duration::from_micros(random.below(span.as_micros() as u64 + 1));
        kill_after(&dir, &["retention", "archive", "--as-of", AS_OF], after);
        let store = open(&dir);
        integrity_ok(&store);
        chain_ok(&dir, &store);
        let done = each_chart_in_one_place(&dir, &store, &pristine);
        if done < expected {
            interrupted += 1;
        }
        drop(store);
        stdout(&chartroom(
            &dir,
            &["retention", "archive", "--as-of", AS_OF],
        ));
        let store = open(&dir);
        integrity_ok(&store);
        chain_ok(&dir, &store);
        assert_eq!(
            each_chart_in_one_place(&dir, &store, &pristine),
            expected,
            "trial {trial}"
        );
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }
    eprintln!(
        "archival: {interrupted} of {TRIALS} trials killed mid-way ({span:?} a whole run of {expected} charts)"
    );
    assert!(
        interrupted > 0,
        "no trial was killed mid-way ({span:?} a run)"
    );
}

#[test]
fn backup_killed_at_random_points_leaves_no_partial_file_and_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "30"]));
    let key = tmp.path().join("backup.key");
    let first = tmp.path().join("first.backup");
    let args = |out: &Path| {
        vec![
            "backup".to_owned(),
            "--out".into(),
            out.display().to_string(),
            "--key".into(),
            key.display().to_string(),
        ]
    };
    let mut with_key = args(&first);
    with_key.push("--new-key".into());
    let with_key: Vec<&str> = with_key.iter().map(String::as_str).collect();
    let span = timed(&data, &with_key);
    let stats = stdout(&chartroom(&data, &["stats"]));

    // The file restores into a new data directory with every check passing.
    let restores = |file: &Path, name: &str| {
        let restored = tmp.path().join(name);
        let key = key.display().to_string();
        stdout(&chartroom(
            &restored,
            &["restore", &file.display().to_string(), "--key", &key],
        ));
        std::fs::remove_dir_all(&restored).unwrap();
    };
    let mut random = Xorshift(0xbac_c0de);
    let mut cut = 0;
    for trial in 0..TRIALS {
        let out = tmp.path().join(format!("trial-{trial}.backup"));
        let owned = args(&out);
        let argv: Vec<&str> = owned.iter().map(String::as_str).collect();
        let after = Duration::from_micros(random.below(span.as_micros() as u64 + 1));
        kill_after(&data, &argv, after);
        // The live store is whole and its chain verifies.
        let store = open(&data);
        integrity_ok(&store);
        chain_ok(&data, &store);
        drop(store);
        // A backup file that exists is whole; one that does not is made by running again.
        if out.exists() {
            restores(&out, &format!("restored-{trial}"));
        } else {
            cut += 1;
            stdout(&chartroom(&data, &argv));
            restores(&out, &format!("rerun-{trial}"));
        }
        std::fs::remove_file(&out).unwrap();
    }
    eprintln!(
        "backup: {cut} of {TRIALS} trials killed before the file was in place ({span:?} a whole backup)"
    );
    assert!(cut > 0, "no trial was killed mid-way ({span:?} a backup)");
    // The backups' audit entries are the only change to the store.
    let body = |s: &str| s.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&stdout(&chartroom(&data, &["stats"]))), body(&stats));
}
