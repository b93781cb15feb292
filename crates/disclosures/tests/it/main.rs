//! The release-of-information desk: golden validator cases, then the desk on both stores.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod deid;
mod desk;
mod validate;
