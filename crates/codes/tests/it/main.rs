//! Integration tests for the `codes` crate: one binary (STYLE.md §6), one module per topic.

// Helpers outside #[test] functions are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod coding_edits;
mod dates;
mod devset;
mod embedded;
mod encoder;
mod import;
mod pcs;
mod pcs_builder;
mod procedure_edits;
mod props;
mod reconcile;
mod search;
mod search_cache;
mod validate;

use std::path::PathBuf;
use std::sync::OnceLock;

use codes::CodeSets;

/// The embedded code sets, loaded once per test binary.
pub fn sets() -> &'static CodeSets {
    static SETS: OnceLock<CodeSets> = OnceLock::new();
    SETS.get_or_init(|| CodeSets::embedded().unwrap())
}

/// The shared reference data, when present (`CHARTROOM_SHARED_DATA` or `../shared/data`
/// beside the checkout).
pub fn shared_data() -> Option<PathBuf> {
    let p = std::env::var_os("CHARTROOM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    p.join("icd10cm").is_dir().then_some(p)
}

/// A date literal.
pub fn d(s: &str) -> time::Date {
    codes::parse_date(s).unwrap()
}
