//! The records lifecycle end to end: backups and restores on real data directories.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod archival;
mod backup;
mod content;
mod destruction;
mod paper;
mod retention;
