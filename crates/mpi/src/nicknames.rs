//! The nickname table (`data/nicknames.tsv`): which given names are the same name
//! (Bill and William, Peggy and Margaret), as groups a name may belong to several of.

use crate::error::{Error, Result};
use std::collections::HashMap;

/// The table as it ships.
const EMBEDDED: &str = include_str!("../data/nicknames.tsv");

/// Given names by the groups they belong to.
#[derive(Debug, Clone, Default)]
pub struct Nicknames {
    groups: HashMap<String, Vec<u16>>,
    /// Names that head a group (William, Alexandra): two of them are never one name, even
    /// when they share a short form (Alexander and Alexandra are both Alex).
    formal: std::collections::HashSet<String>,
}

impl Nicknames {
    /// The table shipped with Chartroom.
    pub fn embedded() -> Result<Self> {
        Self::parse(EMBEDDED)
    }

    /// The shipped table, read once per process (a server scores every registration with
    /// it). The shipped table is checked by the tests, so it always reads.
    pub fn shared() -> &'static Self {
        static SHARED: std::sync::OnceLock<Nicknames> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| Self::embedded().unwrap_or_default())
    }

    /// Reads a table: one group per line, names tab-separated, folded to `a`-`z`; `#`
    /// starts a comment line.
    pub fn parse(text: &str) -> Result<Self> {
        let mut groups: HashMap<String, Vec<u16>> = HashMap::new();
        let mut formal = std::collections::HashSet::new();
        let mut n_groups: u16 = 0;
        for (idx, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let names: Vec<&str> = line.split('\t').map(str::trim).collect();
            if names.len() < 2 {
                return Err(Error::Nicknames {
                    line: idx + 1,
                    message: "a group needs a name and at least one nickname, tab-separated"
                        .to_owned(),
                });
            }
            if let Some(bad) = names
                .iter()
                .find(|name| name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase()))
            {
                return Err(Error::Nicknames {
                    line: idx + 1,
                    message: format!("\"{bad}\" is not a folded name (a-z only)"),
                });
            }
            if let Some(head) = names.first() {
                formal.insert((*head).to_owned());
            }
            for name in names {
                let entry = groups.entry(name.to_owned()).or_default();
                if !entry.contains(&n_groups) {
                    entry.push(n_groups);
                }
            }
            n_groups = n_groups.checked_add(1).ok_or_else(|| Error::Nicknames {
                line: idx + 1,
                message: "more than 65,535 groups".to_owned(),
            })?;
        }
        Ok(Self { groups, formal })
    }

    /// The groups a folded given name belongs to (empty when it is in none).
    pub fn groups(&self, folded: &str) -> &[u16] {
        self.groups.get(folded).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether a folded given name heads a group.
    pub fn is_formal(&self, folded: &str) -> bool {
        self.formal.contains(folded)
    }

    /// Whether two folded given names are one name by the table.
    pub fn same_name(&self, a: &str, b: &str) -> bool {
        shares_group(
            (self.groups(a), self.is_formal(a)),
            (self.groups(b), self.is_formal(b)),
        )
    }
}

/// Whether two names' groups meet, unless both are formal names.
pub(crate) fn shares_group(a: (&[u16], bool), b: (&[u16], bool)) -> bool {
    !(a.1 && b.1) && a.0.iter().any(|group| b.0.contains(group))
}

#[cfg(test)]
mod tests;
