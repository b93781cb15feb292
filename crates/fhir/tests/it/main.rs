//! The FHIR suite: export, import and mapping written once against the `Store` API and run
//! on SQLite and on PostgreSQL (when `CHARTROOM_TEST_POSTGRES_URL` is set).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod claims;
mod eicr;
mod export;
mod fixtures;
mod import;
mod roundtrip;
