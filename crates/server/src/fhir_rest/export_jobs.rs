//! FHIR Bulk Data `$export` jobs: each runs on its own thread, writing NDJSON through
//! `fhir::export_ndjson_filtered` into a job directory, while the status and download
//! routes look it up here.
//!
//! Invariants:
//! - A job belongs to the user who started it; lookups by anyone else find nothing, so
//!   they answer 404 exactly as an unknown id does.
//! - Job ids are 128 random bits; a job directory is `<root>/<id>`, readable only by the
//!   server's user, and a download names a file only through the job's own output list,
//!   never as a path taken from the request.
//! - Jobs live as long as the process. Directories under a configured root that no job of
//!   this process owns are removed when the root is first used (their files hold patient
//!   data and nobody can reach them any more); a temporary root is removed with the state.
//! - A cancelled job's directory is removed by whichever side sees it last: the DELETE
//!   when the job has finished, the job's thread when it is still running.
//! - Finished jobs and their files are removed `KEPT_FOR` after they finish.

use super::outcome::{FhirError, OutcomeIssue};
use axum::http::StatusCode;
use fhir::{ExportCounts, ExportFilter};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use store::Store;
use time::OffsetDateTime;

/// How long a finished job's files stay for download.
const KEPT_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// Jobs one user may have running at once: an export reads the whole store.
const RUNNING_PER_USER: usize = 2;

/// Where a job is.
#[derive(Debug, Clone)]
pub(crate) enum Status {
    /// Writing `resource_type`, the `file`th of `files`, `written` resources so far.
    Running {
        resource_type: String,
        file: usize,
        written: u64,
    },
    /// Every file written.
    Done(ExportCounts),
    /// Stopped by an error (details went to the log).
    Failed,
}

/// One export job.
pub(crate) struct Job {
    pub id: String,
    pub owner: i64,
    /// The kick-off URL, for the manifest's `request`.
    pub request: String,
    /// When the snapshot was asked for (the manifest's `transactionTime`).
    pub transaction_time: OffsetDateTime,
    /// How many files the job writes.
    pub files: usize,
    dir: PathBuf,
    status: Mutex<(Status, Option<Instant>)>,
    cancelled: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking holder leaves plain data behind, still good to read.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Job {
    /// Where the job is now.
    pub(crate) fn status(&self) -> Status {
        lock(&self.status).0.clone()
    }

    /// The path of an output file, if `name` is one the job wrote (its SHA-256 manifest,
    /// `manifest.sha256`, included: 0 resources).
    pub(crate) fn file(&self, name: &str) -> Option<(PathBuf, u64)> {
        match &lock(&self.status).0 {
            Status::Done(_) if name == manifest::MANIFEST_FILE => Some((self.dir.join(name), 0)),
            Status::Done(counts) => counts
                .iter()
                .find(|(file, _)| file == name)
                .map(|(file, n)| (self.dir.join(file), *n)),
            _ => None,
        }
    }

    /// The SHA-256 manifest the finished export wrote beside its files.
    pub(crate) fn digests(&self) -> Option<manifest::Manifest> {
        manifest::Manifest::read(&self.dir).ok().flatten()
    }

    fn progress(&self, resource_type: &str, written: u64) -> ControlFlow<()> {
        if self.cancelled.load(Ordering::SeqCst) {
            return ControlFlow::Break(());
        }
        let mut guard = lock(&self.status);
        let file = match &guard.0 {
            Status::Running {
                resource_type: current,
                file,
                ..
            } if current == resource_type => *file,
            Status::Running { file, .. } => file + 1,
            _ => 1,
        };
        guard.0 = Status::Running {
            resource_type: resource_type.to_owned(),
            file,
            written,
        };
        ControlFlow::Continue(())
    }

    fn run(&self, store: &Store, filter: &ExportFilter) {
        let result =
            fhir::export_ndjson_filtered(store, &self.dir, filter, &mut |t, n| self.progress(t, n));
        let mut guard = lock(&self.status);
        if self.cancelled.load(Ordering::SeqCst) {
            remove_dir(&self.dir);
            return;
        }
        guard.0 = match result {
            Ok(counts) => Status::Done(counts),
            Err(error) => {
                eprintln!("FHIR export job {} failed: {error}", self.id);
                Status::Failed
            }
        };
        guard.1 = Some(Instant::now());
    }

    fn expired(&self, now: Instant) -> bool {
        lock(&self.status)
            .1
            .is_some_and(|finished| now.duration_since(finished) >= KEPT_FOR)
    }

    fn running(&self) -> bool {
        matches!(lock(&self.status).0, Status::Running { .. })
    }

    /// Marks the job cancelled and removes its files unless its thread still runs (it
    /// removes them itself when it notices).
    fn cancel(&self) {
        let guard = lock(&self.status);
        self.cancelled.store(true, Ordering::SeqCst);
        if !matches!(guard.0, Status::Running { .. }) {
            remove_dir(&self.dir);
        }
    }
}

fn remove_dir(dir: &Path) {
    if let Err(error) = std::fs::remove_dir_all(dir)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        eprintln!("removing the export directory {}: {error}", dir.display());
    }
}

struct Root {
    path: PathBuf,
    temporary: bool,
}

/// The jobs of this process.
pub(crate) struct ExportJobs {
    configured: Option<PathBuf>,
    root: Mutex<Option<Root>>,
    jobs: Mutex<HashMap<String, Arc<Job>>>,
}

/// What a new job exports and for whom.
pub(crate) struct NewJob {
    pub id: String,
    pub owner: i64,
    pub request: String,
    pub transaction_time: OffsetDateTime,
    pub filter: ExportFilter,
    pub files: usize,
}

fn is_job_id(name: &str) -> bool {
    name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A fresh job id: 16 random bytes as hex.
pub(crate) fn new_job_id() -> Result<String, FhirError> {
    let bytes = store::random_bytes::<16>()?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

impl ExportJobs {
    /// Jobs writing under `root`, or under a temporary directory when `None`. Nothing is
    /// created until the first job.
    pub(crate) fn new(root: Option<PathBuf>) -> Self {
        Self {
            configured: root,
            root: Mutex::new(None),
            jobs: Mutex::new(HashMap::new()),
        }
    }

    fn root(&self) -> Result<PathBuf, FhirError> {
        let mut root = lock(&self.root);
        if let Some(root) = root.as_ref() {
            return Ok(root.path.clone());
        }
        let (path, temporary) = match &self.configured {
            Some(path) => (path.clone(), false),
            None => (
                std::env::temp_dir().join(format!("chartroom-exports-{}", new_job_id()?)),
                true,
            ),
        };
        private_dir(&path).map_err(|e| {
            FhirError::internal(format!(
                "creating the export directory {}: {e}",
                path.display()
            ))
        })?;
        if !temporary {
            remove_unowned(&path);
        }
        *root = Some(Root {
            path: path.clone(),
            temporary,
        });
        Ok(path)
    }

    /// Starts `new` on its own thread over `store`.
    pub(crate) fn start(&self, store: Arc<Store>, new: NewJob) -> Result<Arc<Job>, FhirError> {
        self.sweep();
        let running = lock(&self.jobs)
            .values()
            .filter(|job| job.owner == new.owner && job.running())
            .count();
        if running >= RUNNING_PER_USER {
            return Err(FhirError::new(
                StatusCode::TOO_MANY_REQUESTS,
                OutcomeIssue::error(
                    "throttled",
                    format!(
                        "you already have {running} exports running; wait for one to finish or cancel it (DELETE its status URL)"
                    ),
                ),
            ));
        }
        let dir = self.root()?.join(&new.id);
        private_dir(&dir).map_err(|e| {
            FhirError::internal(format!(
                "creating the export directory {}: {e}",
                dir.display()
            ))
        })?;
        let job = Arc::new(Job {
            id: new.id.clone(),
            owner: new.owner,
            request: new.request,
            transaction_time: new.transaction_time,
            files: new.files,
            dir,
            status: Mutex::new((
                Status::Running {
                    resource_type: String::new(),
                    file: 0,
                    written: 0,
                },
                None,
            )),
            cancelled: AtomicBool::new(false),
        });
        lock(&self.jobs).insert(new.id.clone(), job.clone());
        let worker = job.clone();
        let filter = new.filter;
        let spawned = std::thread::Builder::new()
            .name(format!("fhir-export-{}", &new.id[..8.min(new.id.len())]))
            .spawn(move || worker.run(&store, &filter));
        if let Err(error) = spawned {
            lock(&self.jobs).remove(&new.id);
            remove_dir(&job.dir);
            return Err(FhirError::internal(format!(
                "starting the export thread: {error}"
            )));
        }
        Ok(job)
    }

    /// The job `id` if `owner` started it.
    pub(crate) fn find(&self, id: &str, owner: i64) -> Option<Arc<Job>> {
        self.sweep();
        lock(&self.jobs)
            .get(id)
            .filter(|job| job.owner == owner)
            .cloned()
    }

    /// Cancels and forgets the job `id` if `owner` started it.
    pub(crate) fn cancel(&self, id: &str, owner: i64) -> bool {
        let mut jobs = lock(&self.jobs);
        match jobs.get(id) {
            Some(job) if job.owner == owner => {
                job.cancel();
                jobs.remove(id);
                true
            }
            _ => false,
        }
    }

    /// Forgets jobs finished longer than `KEPT_FOR` ago, with their files.
    fn sweep(&self) {
        let now = Instant::now();
        lock(&self.jobs).retain(|_, job| {
            let keep = !job.expired(now);
            if !keep {
                job.cancel();
            }
            keep
        });
    }
}

/// Removes job directories left by an earlier process.
fn remove_unowned(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_str().is_some_and(is_job_id) && entry.path().is_dir() {
            remove_dir(&entry.path());
        }
    }
}

impl Drop for ExportJobs {
    fn drop(&mut self) {
        for job in lock(&self.jobs).values() {
            job.cancelled.store(true, Ordering::SeqCst);
        }
        if let Some(root) = lock(&self.root).as_ref()
            && root.temporary
        {
            remove_dir(&root.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_are_32_hex_digits_and_only_those_directories_are_swept() {
        let id = new_job_id().unwrap_or_default();
        assert!(is_job_id(&id), "{id}");
        assert!(!is_job_id("Patient.ndjson"));
        assert!(!is_job_id(&"g".repeat(32)));
    }

    #[test]
    fn a_configured_root_loses_stale_jobs_and_keeps_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("exports");
        let stale = root.join("0123456789abcdef0123456789abcdef");
        let other = root.join("notes");
        std::fs::create_dir_all(&stale).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        let clock = Arc::new(store::FixedClock::new(OffsetDateTime::UNIX_EPOCH));
        let store = Arc::new(Store::open(&store::Location::Memory, clock).unwrap());
        let jobs = ExportJobs::new(Some(root.clone()));
        let id = new_job_id().unwrap();
        let job = jobs
            .start(
                store,
                NewJob {
                    id: id.clone(),
                    owner: 7,
                    request: String::new(),
                    transaction_time: OffsetDateTime::UNIX_EPOCH,
                    filter: ExportFilter::default(),
                    files: fhir::EXPORT_TYPES.len(),
                },
            )
            .unwrap();
        assert!(!stale.exists() && other.exists());
        while matches!(job.status(), Status::Running { .. }) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            matches!(job.status(), Status::Done(ref counts) if counts.len() == fhir::EXPORT_TYPES.len())
        );
        assert!(job.file("Patient.ndjson").is_some());
        assert!(job.file("../chartroom.db").is_none());
        assert!(jobs.find(&id, 8).is_none(), "another owner");
        assert!(jobs.cancel(&id, 7));
        assert!(!root.join(&id).exists());
        assert!(jobs.find(&id, 7).is_none());
    }
}
