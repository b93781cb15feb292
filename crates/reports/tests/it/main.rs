//! The engine derived from the store answers like SQL over the store, and follows writes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod balances;
mod coverage;
mod derived;
mod lists;
mod notes;
mod providers;
