//! The storage suite: written once against the `Store` API, run on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod amendments;
mod audit;
mod audit_lookup;
mod audit_writes;
mod balances;
mod batch_reads;
mod changes;
mod chart_volumes;
mod durability;
mod filters;
mod fixtures;
mod group_commit;
mod groups;
mod legal_holds;
mod long_reads;
mod patient_index;
mod private_files;
mod records_roundtrip;
mod registration;
mod release_of_information;
mod search;
mod security;
mod signing;
mod unavailable;
mod x12_control;
