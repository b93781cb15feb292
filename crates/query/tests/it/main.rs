//! Integration tests of the query crate: the benchmark answers on a generated population
//! (checked against a naive row-by-row oracle), the text round trip and its errors, and
//! incremental maintenance against a bulk build, and patient lists against the oracle.

// Fixture and oracle helpers are test code too; clippy.toml's allow-in-tests covers only
// `#[test]` functions, so say it for the whole test binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod answers;
mod balances;
mod fixture;
mod incremental;
mod language;
mod lists;
mod naive;
mod notes;
mod providers;
mod series;
