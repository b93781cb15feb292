#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The HL7 suite.
