//! Where the records live: the data directory (embedded SQLite, the default) or a
//! PostgreSQL URL from `--database` / `CHARTROOM_DATABASE_URL`.

use anyhow::{Context, Result};
use std::path::PathBuf;
use std::sync::Arc;
use store::{Durability, Location, Store, SystemClock};

/// Storage settings shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct StorageArgs {
    /// Data directory for the embedded database (created if missing).
    #[arg(
        long,
        global = true,
        env = "CHARTROOM_DATA_DIR",
        default_value = "chartroom-data",
        value_name = "DIR"
    )]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (postgres://user@host/db); when set, the data directory holds only
    /// local files such as code-set updates.
    #[arg(
        long = "database",
        global = true,
        env = "CHARTROOM_DATABASE_URL",
        value_name = "URL"
    )]
    pub database_url: Option<String>,
    /// When a commit to the embedded database returns: `full` (synced to disk, so an
    /// acknowledged write survives a power loss) or `normal` (survives a killed process
    /// only; faster writes). PostgreSQL follows its server's `synchronous_commit`.
    #[arg(
        long,
        global = true,
        env = "CHARTROOM_DURABILITY",
        default_value = "full",
        value_name = "full|normal",
        value_parser = parse_durability
    )]
    pub durability: Durability,
}

fn parse_durability(text: &str) -> Result<Durability, String> {
    match text {
        "full" => Ok(Durability::Full),
        "normal" => Ok(Durability::Normal),
        other => Err(format!(
            "{other:?} is not a durability; use full (every commit synced to disk) or normal"
        )),
    }
}

impl StorageArgs {
    /// The store location these settings name.
    pub fn location(&self) -> Location {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => Location::parse(url.trim()),
            _ => Location::DataDir(self.data_dir.clone()),
        }
    }

    /// Opens (and migrates) the store.
    pub fn open(&self) -> Result<Store> {
        let location = self.location();
        Store::open_with(&location, Arc::new(SystemClock), self.durability)
            .with_context(|| format!("opening the records store at {}", location.label()))
    }
}
