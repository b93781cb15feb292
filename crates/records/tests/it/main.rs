//! The records model's rules, case by case.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod clinical_entry;
mod coverage_entry;
mod encounters;
mod identifiers;
mod ledger;
mod registration;
mod signing;
mod validation;
mod write_off;
