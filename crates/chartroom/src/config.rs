//! Where the records live: the data directory (embedded SQLite, the default) or a
//! PostgreSQL URL from `--database` / `CHARTROOM_DATABASE_URL`.

use anyhow::{Context, Result};
use std::path::PathBuf;
use std::sync::Arc;
use store::{Location, Store, SystemClock};

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
        Store::open(&location, Arc::new(SystemClock))
            .with_context(|| format!("opening the records store at {}", location.label()))
    }
}
