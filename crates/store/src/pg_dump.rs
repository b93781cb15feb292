//! `pg_dump` and `pg_restore`, the PostgreSQL tools for whole-database copies, run as
//! child processes (Debian's `postgresql-client`).
//!
//! The dump reads a snapshot exported by a transaction the caller keeps open, so what it
//! writes is exactly what that transaction sees.

use crate::error::{Error, Result};
use std::path::Path;
use std::process::Command;

fn run(mut command: Command, tool: &str) -> Result<()> {
    let output = command.output().map_err(|e| {
        Error::Database(format!(
            "cannot run {tool} ({e}); install the PostgreSQL client tools (Debian: postgresql-client)"
        ))
    })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(Error::Database(format!(
        "{tool} failed ({}): {}",
        output.status,
        crate::redact_url(stderr.trim())
    )))
}

/// Writes a custom-format dump of the database at `url`, as of the exported snapshot
/// `snapshot`, to `dest`.
pub fn dump(url: &str, snapshot: &str, dest: &Path) -> Result<()> {
    let mut command = Command::new("pg_dump");
    command
        .arg("--format=custom")
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg(format!("--snapshot={snapshot}"))
        .arg("--file")
        .arg(dest)
        .arg("--dbname")
        .arg(url);
    run(command, "pg_dump")
}

/// Restores a custom-format dump into the (empty) database at `url`, in one transaction:
/// an error leaves the database as it was.
fn restore(url: &str, dump: &Path) -> Result<()> {
    let mut command = Command::new("pg_restore");
    command
        .arg("--single-transaction")
        .arg("--exit-on-error")
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--dbname")
        .arg(url)
        .arg(dump);
    run(command, "pg_restore")
}

/// Restores a dump into a new database, the one `url` names (created here; it must not
/// exist), then runs `check` on it; when the restore or the check fails, the database is
/// dropped again, so nothing is left half restored.
pub fn restore_into_new_database(
    url: &str,
    dump: &Path,
    check: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let location = crate::redact_url(url);
    let config: postgres::Config = url.parse().map_err(|e: postgres::Error| Error::Open {
        location: location.clone(),
        message: e.to_string(),
    })?;
    let name = config
        .get_dbname()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::Open {
            location: location.clone(),
            message: "the URL names no database to restore into".into(),
        })?
        .to_owned();
    let mut admin_config = config.clone();
    admin_config.dbname("postgres");
    let mut admin = admin_config
        .connect(postgres::NoTls)
        .map_err(|e| Error::Open {
            location: location.clone(),
            message: e.to_string(),
        })?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])?
        .is_some();
    if exists {
        return Err(Error::Conflict(format!(
            "database {name} already exists; a backup is restored into a new database"
        )));
    }
    admin.batch_execute(&format!("CREATE DATABASE {quoted}"))?;
    let outcome = restore(url, dump).and_then(|()| check());
    if outcome.is_err() {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"));
    }
    outcome
}
