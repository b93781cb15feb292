//! Integration tests of the query crate.
