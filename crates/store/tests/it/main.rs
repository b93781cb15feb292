//! The storage suite: written once against the `Store` API, run on SQLite and PostgreSQL.

mod fixtures;
mod records_roundtrip;
mod changes;
mod search;
