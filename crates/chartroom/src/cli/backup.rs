//! `chartroom backup` and `chartroom restore`: whole-store backups sealed under a key the
//! user keeps, and restores that check themselves before anything is put in place.
//!
//! Invariants:
//! - A backup is audited (an export of every chart) before it is taken, so a backup
//!   whose audit entry failed never exists.
//! - A restore is audited in the restored store's own trail, after its chain verified.

use crate::cli::audited::CliAuditor;
use crate::config::StorageArgs;
use anyhow::{Context, Result, bail};
use archive::BackupKey;
use privacy::{Action, AuditEvent, Channel};
use std::path::{Path, PathBuf};

/// `chartroom backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The backup file to write (it must not exist).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The backup key file (made by --new-key); keep it apart from the backups.
    #[arg(long, env = "CHARTROOM_BACKUP_KEY", value_name = "KEYFILE")]
    key: PathBuf,
    /// Make a new key in KEYFILE (which must not exist) and back up under it.
    #[arg(long)]
    new_key: bool,
}

/// `chartroom restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file.
    file: PathBuf,
    /// The backup key file it was taken under.
    #[arg(long, env = "CHARTROOM_BACKUP_KEY", value_name = "KEYFILE")]
    key: PathBuf,
    /// Only read and print the manifest (checks the key, restores nothing).
    #[arg(long)]
    manifest_only: bool,
}

fn read_key(path: &Path) -> Result<BackupKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the backup key {}", path.display()))?;
    BackupKey::from_text(&text).map_err(|e| anyhow::anyhow!("backup key {}: {e}", path.display()))
}

fn make_key(path: &Path) -> Result<BackupKey> {
    use std::io::Write;
    let key = BackupKey::generate()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| {
        format!(
            "creating the backup key {} (it must not exist)",
            path.display()
        )
    })?;
    file.write_all(key.to_text().as_bytes())?;
    file.sync_all()?;
    Ok(key)
}

/// A backup schedule for `serve`.
pub struct Scheduled {
    /// Where the backups go.
    pub dir: PathBuf,
    /// The key file.
    pub key: PathBuf,
    /// How often.
    pub every: std::time::Duration,
    /// How many to keep.
    pub keep: usize,
}

/// Starts a thread that backs the store up into `plan.dir` every `plan.every`
/// (`chartroom-<time>.backup`, each audited as an export first), then removes all but the
/// newest `plan.keep`. The key is read now, so a bad key stops the server at start.
pub fn schedule(
    store: &std::sync::Arc<store::Store>,
    trail: &std::sync::Arc<store::AuditTrail>,
    data_dir: &Path,
    plan: Scheduled,
) -> Result<()> {
    let key = read_key(&plan.key)?;
    std::fs::create_dir_all(&plan.dir)
        .with_context(|| format!("creating the backup directory {}", plan.dir.display()))?;
    crate::say!(
        "Backing up into {} every {} s, keeping the newest {}.",
        plan.dir.display(),
        plan.every.as_secs(),
        plan.keep
    );
    let (store, trail, data_dir) = (store.clone(), trail.clone(), data_dir.to_owned());
    std::thread::Builder::new()
        .name("scheduled-backup".into())
        .spawn(move || {
            loop {
                std::thread::sleep(plan.every);
                if let Err(e) = backup_once(&store, &trail, &data_dir, &plan, &key) {
                    eprintln!("scheduled backup failed: {e:#}");
                }
            }
        })
        .context("starting the scheduled backup")?;
    Ok(())
}

fn backup_once(
    store: &store::Store,
    trail: &store::AuditTrail,
    data_dir: &Path,
    plan: &Scheduled,
    key: &BackupKey,
) -> Result<()> {
    let now = store.clock().now();
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}{:03}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    );
    let out = plan.dir.join(format!("chartroom-{stamp}.backup"));
    let event = AuditEvent::new(now, "system:scheduled-backup", Action::Export, Channel::Cli)
        .categories(privacy::DataCategory::ALL)
        .reason(&format!(
            "scheduled backup of the whole store to {}",
            out.display()
        ));
    trail.record(store, &event)?;
    archive::backup(store, data_dir, &out, key, now)
        .with_context(|| format!("backing up to {}", out.display()))?;
    // Names sort by time: keep the newest.
    let mut taken: Vec<PathBuf> = std::fs::read_dir(&plan.dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("chartroom-") && n.ends_with(".backup"))
        })
        .collect();
    taken.sort();
    let excess = taken.len().saturating_sub(plan.keep);
    for old in taken.iter().take(excess) {
        std::fs::remove_file(old).with_context(|| format!("removing {}", old.display()))?;
    }
    Ok(())
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// Takes a backup.
pub fn backup(storage: &StorageArgs, args: &BackupArgs, json: bool) -> Result<()> {
    let store = storage.open()?;
    let auditor = CliAuditor::open(storage)?;
    let key = if args.new_key {
        make_key(&args.key)?
    } else {
        read_key(&args.key)?
    };
    if args.out.exists() {
        bail!(
            "{} already exists; a backup never replaces a file",
            args.out.display()
        );
    }
    auditor.exporting(
        &store,
        &format!("backup of the whole store to {}", args.out.display()),
    )?;
    // The wall clock times the run for the person waiting; it decides nothing.
    let started = std::time::Instant::now();
    // Written under a hidden name and listed in the manifest beside it before it takes its
    // own: the receiving side checks the file as it arrived (`verify-manifest`, and every
    // restore) before the key is even needed, so a backup file must never be unlisted.
    let partial = args.out.with_file_name(format!(
        ".{}.unlisted",
        args.out
            .file_name()
            .map_or_else(|| "backup".into(), |n| n.to_string_lossy())
    ));
    // A killed run's leftover; never a finished backup (those have their own name).
    let _ = std::fs::remove_file(&partial);
    let report = archive::backup(
        &store,
        &storage.data_dir,
        &partial,
        &key,
        store.clock().now(),
    )
    .with_context(|| format!("backing up to {}", args.out.display()))?;
    super::manifest::place_listed(&partial, &args.out)?;
    let seconds = started.elapsed().as_secs_f64();
    let manifest = &report.manifest;
    if json {
        return crate::output::json(&serde_json::json!({
            "file": args.out,
            "seconds": seconds,
            "plain_bytes": report.plain_bytes,
            "file_bytes": report.file_bytes,
            "manifest": manifest,
        }));
    }
    crate::say!(
        "Backup written to {} in {seconds:.1} s: {} of data in {}.",
        args.out.display(),
        megabytes(report.plain_bytes),
        megabytes(report.file_bytes)
    );
    crate::say!(
        "Its SHA-256 is listed in {} beside it.",
        manifest::MANIFEST_FILE
    );
    describe(manifest);
    if args.new_key {
        crate::say!(
            "New backup key in {}: keep it apart from the backups; without it they cannot be read.",
            args.key.display()
        );
    }
    Ok(())
}

fn describe(manifest: &archive::Manifest) {
    crate::say!(
        "Taken {} from {:?} at schema version {}: {} tables, {} rows ({} patients); {}.",
        manifest.created_at,
        manifest.backend,
        manifest.schema_version,
        manifest.counts.len(),
        manifest.total_rows(),
        manifest.rows_of("patients").unwrap_or(0),
        manifest.audit_head.as_ref().map_or_else(
            || "no audit entries".into(),
            |h| format!(
                "audit chain head at entry {} ({} entries)",
                h.seq, h.entries
            )
        ),
    );
    if !manifest.content.is_empty() {
        let folders: Vec<String> = manifest
            .content
            .iter()
            .map(|c| format!("{} {} files ({})", c.folder, c.files, megabytes(c.bytes)))
            .collect();
        crate::say!(
            "Content files, each checked against its SHA-256: {}.",
            folders.join(", ")
        );
    }
}

/// Restores a backup into a new data directory (`--data-dir`), or a PostgreSQL backup into
/// a new database (`--database`, created here) with its keys in the new data directory.
pub fn restore(storage: &StorageArgs, args: &RestoreArgs, json: bool) -> Result<()> {
    let key = read_key(&args.key)?;
    // A backup whose SHA-256 no longer matches the manifest it was delivered with is
    // refused, naming the file, before anything is unpacked.
    super::manifest::checked_file(&args.file, "nothing was restored")?;
    if args.manifest_only {
        let manifest = archive::inspect(&args.file, &key)
            .with_context(|| format!("reading {}", args.file.display()))?;
        if json {
            return crate::output::json(&manifest);
        }
        describe(&manifest);
        return Ok(());
    }
    let target = &storage.data_dir;
    let started = std::time::Instant::now();
    let report = match storage
        .database_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        Some(url) => {
            archive::restore_postgres(&args.file, &key, url, target).with_context(|| {
                format!(
                    "restoring {} into the new database {} (keys into {})",
                    args.file.display(),
                    store::redact_url(url),
                    target.display()
                )
            })?
        }
        None => archive::restore(&args.file, &key, target).with_context(|| {
            format!(
                "restoring {} into {}",
                args.file.display(),
                target.display()
            )
        })?,
    };
    let seconds = started.elapsed().as_secs_f64();
    // The restore itself goes on the restored store's record.
    let store = storage.open()?;
    let auditor = CliAuditor::open(storage)?;
    let event = AuditEvent::new(
        store.clock().now(),
        auditor.user(),
        Action::Create,
        Channel::Cli,
    )
    .categories(privacy::DataCategory::ALL)
    .reason(&format!(
        "restored from backup {} taken {}; checks passed",
        args.file.display(),
        report.manifest.created_at
    ));
    auditor
        .trail()
        .record(&store, &event)
        .context("writing the restored store's audit trail")?;
    if json {
        return crate::output::json(&serde_json::json!({
            "data_dir": target,
            "seconds": seconds,
            "tables_checked": report.tables_checked,
            "audit_entries_verified": report.audit_entries,
            "manifest": report.manifest,
        }));
    }
    crate::say!(
        "Restored into {} in {seconds:.1} s and checked: integrity and foreign keys, {} tables' rows as the manifest lists, audit chain verified ({} entries).",
        storage.location().label(),
        report.tables_checked,
        report.audit_entries
    );
    describe(&report.manifest);
    Ok(())
}
