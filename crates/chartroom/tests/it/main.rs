//! End-to-end tests of the `chartroom` binary: what a user types and sees.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod audit_trail;
mod backup;
mod claims;
mod cli;
mod codes;
mod crash;
mod dictation;
mod documents;
mod lifecycle;
mod lifecycle_crash;
mod manifests;
mod mllp_tls;
mod mpi;
mod registry;
mod report;
mod review;
mod roi;
mod serve;
mod surveillance;
