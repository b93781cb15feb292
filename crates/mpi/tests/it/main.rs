//! The patient index against a real store on every backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod on_file;
mod queue;
