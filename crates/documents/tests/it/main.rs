//! Scanned documents: file checks, then the workflow on both stores.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod files;
mod inspect;
mod workflow;
