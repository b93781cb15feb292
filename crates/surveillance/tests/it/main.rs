//! Surveillance against a real store on every backend: counts kept in step with encounters
//! as they are written, changed and deleted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod alerts;
mod cases;
mod counts;
mod oracle;
