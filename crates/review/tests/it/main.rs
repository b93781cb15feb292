//! Chart review against a real store on every backend: each default rule on a chart that
//! triggers it, one that does not, and the boundary of its due time; deficiencies kept in
//! step as charts change.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod charts;
mod demo_mix;
mod queries;
mod reconcile;
mod rules;
mod tasks;
mod trend;
