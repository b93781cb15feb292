//! Lay and common names of conditions (`data/codes/lay-terms.tsv`), each pointing at the
//! Alphabetic Index term a coder would look up, so "bed wetting" reaches "Enuresis,
//! nocturnal" and from there the Index's code.
//!
//! Invariant: a lay name never names a code itself; it names an index path, and the code
//! comes from the Index (so a new Index release moves lay names with it).

/// The embedded table.
const TABLE: &str = include_str!("../../../data/codes/lay-terms.tsv");

/// One lay name and the index path it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LayTerm {
    /// What a patient or clinician says ("stomach flu").
    pub lay: &'static str,
    /// The index path it leads to ("Flu, intestinal NEC").
    pub index_path: &'static str,
}

/// Every line of the table that has a lay name and a path; comments and blank lines are
/// skipped.
pub(crate) fn lay_terms() -> impl Iterator<Item = LayTerm> {
    TABLE
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (lay, path) = l.split_once('\t')?;
            let path = path.split('\t').next().unwrap_or(path);
            (!lay.trim().is_empty() && !path.trim().is_empty()).then(|| LayTerm {
                lay: lay.trim(),
                index_path: path.trim(),
            })
        })
}

#[cfg(test)]
mod tests;
