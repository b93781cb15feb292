//! The storage suite: written once against the `Store` API, run on SQLite and PostgreSQL.

mod changes;
mod fixtures;
mod records_roundtrip;
mod search;
