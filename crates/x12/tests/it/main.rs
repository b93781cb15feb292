//! The X12 layer from the outside: the public samples, damaged interchanges, the writer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod malformed;
mod samples;
mod writing;

use std::path::PathBuf;

/// The repository's copy of the public X12 samples.
pub fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/x12/samples")
}

/// Reads `text`, which must have no problem.
pub fn read_clean(text: &str) -> x12::Interchange<'_> {
    let interchange = x12::read(text).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        interchange.problems.is_empty(),
        "{:?}",
        interchange.problems
    );
    interchange
}
