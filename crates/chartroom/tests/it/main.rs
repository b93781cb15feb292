//! End-to-end tests of the `chartroom` binary: what a user types and sees.

mod cli;
mod crash;
