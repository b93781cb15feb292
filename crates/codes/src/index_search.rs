//! Search over the Alphabetic Index, Drugs, Neoplasm and External Cause index terms
//! themselves (not the codes they lead to), for the encoder that walks the index.
//!
//! Invariant: a hit's `term` numbers the terms of all four indexes in order (diseases first),
//! the same numbering the search index was built with.

use serde::Serialize;

use crate::engine::CodeSets;
use crate::error::Result;
use crate::index::IndexKind;
use crate::search::{Doc, SearchIndex, Source};

/// One index term found by [`CodeSets::search_index`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexHit {
    /// Which index.
    pub kind: IndexKind,
    /// The term's path from its main term ("Diabetes, diabetic (mellitus) (sugar), with,
    /// nephropathy").
    pub path: String,
    /// Its code, when it has one (as published, possibly ending in `-`).
    pub code: String,
    /// `see` cross-reference.
    pub see: String,
    /// `see also` cross-reference.
    pub see_also: String,
    /// Table cells as `(column heading, code)`.
    pub cells: Vec<(String, String)>,
}

impl CodeSets {
    /// Searches the index terms (prefix, multi-word, typo-tolerant), main terms and shallow
    /// terms first.
    pub fn search_index(&self, query: &str, limit: usize) -> Result<Vec<IndexHit>> {
        let (_, indexes) = self.indexes()?;
        let ix = self.index_search.get_or_init(|| {
            let mut docs = Vec::new();
            let mut n = 0u32;
            for ix in indexes {
                for (i, t) in ix.terms.iter().enumerate() {
                    let path = ix.path(i as u32);
                    // Shallow terms first: the main term is where a coder starts.
                    let rank = (u64::from(t.level) << 32) | path.len() as u64;
                    docs.push(Doc {
                        target: n,
                        text: path,
                        source: Source::Index,
                        rank,
                    });
                    n += 1;
                }
            }
            SearchIndex::build(docs, Vec::new())
        });
        let mut offsets = Vec::with_capacity(indexes.len());
        let mut total = 0u32;
        for ix in indexes {
            offsets.push(total);
            total += ix.terms.len() as u32;
        }
        Ok(ix
            .search(query, limit)
            .into_iter()
            .filter_map(|h| {
                let k = offsets.partition_point(|&o| o <= h.target).checked_sub(1)?;
                let index = indexes.get(k)?;
                let local = h.target - offsets.get(k)?;
                let t = index.terms.get(local as usize)?;
                Some(IndexHit {
                    kind: index.kind,
                    path: index.path(local),
                    code: t.code.clone(),
                    see: t.see.clone(),
                    see_also: t.see_also.clone(),
                    cells: t
                        .cells
                        .iter()
                        .map(|(c, code)| (index.heading(*c).to_string(), code.clone()))
                        .collect(),
                })
            })
            .collect())
    }
}
