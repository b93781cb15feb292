//! Population-query engine: in-memory analytic structures derived from the store, and the
//! query language that reads them.
//!
//! The store feeds plain fact rows (`facts`) into an [`Engine`], either in bulk through
//! [`EngineBuilder`] at start-up or one write at a time after each commit. Queries are text
//! ([`parse`] → [`ast::Query`], printed back by `Display`) run by [`Engine::run`] into a
//! [`Table`]. This crate knows nothing about SQL, HTTP, users or audit: permissions are the
//! caller's job, except that [`Table::suppress_small_cells`] implements the public-health
//! small-cell rule for it. See "Population queries" in ARCHITECTURE.md for the design and its invariants.

mod bitset;
mod day;
mod dictionary;
mod engine;
mod error;
mod events;
mod exec;
pub mod facts;
mod keyindex;
mod lang;
pub mod load;
mod patients;
mod table;

pub use bitset::PatientSet;
pub use engine::{Engine, EngineBuilder};
pub use error::{Error, Result};
pub use events::EventKind;
pub use exec::list::ListedPatient;
pub use facts::{
    ArItemFact, DiagnosisFact, EncounterClass, EncounterFact, FinancialClass, ImmunizationFact,
    ImmunizationStatus, NoteFact, NoteStatus, ObservationFact, PatientFacts, ProcedureFact, Sex,
};
pub use lang::ast;
pub use lang::sets;
pub use lang::{MAX_DIMENSIONS, parse};
pub use table::{Cell, ColumnKind, PUBLIC_HEALTH_MIN_CELL, Table};
