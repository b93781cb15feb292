//! Population reports: the in-memory query engine (`query`) derived from the records store.
//!
//! `load` builds an engine from every current record; `Sync::refresh` brings it up to date
//! with rows written since, so the engine answers in milliseconds and still reflects every
//! committed write. `list` names the patients a `list patients` query chooses.
//!
//! Invariants:
//! - The engine holds only what population questions need (dates, codes, amounts, sex, ZIP)
//!   keyed by store ids; no names or identifiers.
//! - A record soft-deleted in the store is removed from the engine on the next refresh.
//! - Refresh is idempotent: re-reading a row that was already applied changes nothing, so the
//!   watermark may overlap (rows written in the same clock tick are read twice, never missed).

pub mod coverage;
mod facts;
pub mod list;
pub mod saved;
mod sync;

pub use sync::{Sync, load};

/// What can go wrong deriving the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// The engine refused a fact.
    #[error(transparent)]
    Query(#[from] query::Error),
    /// No saved query has that name.
    #[error("no saved query is called \"{0}\" (chartroom query list shows them)")]
    NoSuchQuery(String),
}

/// Result of a report operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
