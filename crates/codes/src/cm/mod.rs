//! ICD-10-CM: one release's tabular list as an immutable tree, and lookups on it.
//!
//! Invariants: nodes are stored in tabular (pre-)order, so a parent's index is always lower
//! than its children's; `billable` is true exactly for nodes without children (leaves of the
//! expanded tree, 7th-character codes included), matching the CMS order file's flag;
//! `by_code` holds every category and code packed (chapters and blocks are in `by_label`).

mod pack;
mod tabular;

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::code;
use crate::release::ReleaseInfo;
use crate::search::SearchIndex;

pub(crate) use pack::{read as read_pack, write as write_pack};
pub(crate) use tabular::import;
pub use tabular::{
    ImportInputs, OrderEntry, ReconcileReport, parse_code_list, parse_order_file, parse_tabular,
};

/// Level of a node in the tabular list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// A chapter (`1` … `22`).
    Chapter,
    /// A block of categories (`A00-A09`).
    Block,
    /// A three-character category (`E11`).
    Category,
    /// A subcategory or code of four to seven characters.
    Code,
}

impl NodeKind {
    fn tag(self) -> &'static str {
        match self {
            NodeKind::Chapter => "C",
            NodeKind::Block => "B",
            NodeKind::Category => "K",
            NodeKind::Code => "D",
        }
    }
    fn from_tag(s: &str) -> Option<Self> {
        Some(match s {
            "C" => NodeKind::Chapter,
            "B" => NodeKind::Block,
            "K" => NodeKind::Category,
            "D" => NodeKind::Code,
            _ => return None,
        })
    }
}

/// Kind of an instructional note in the tabular list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NoteKind {
    /// `Includes:` — further defines the content of the category.
    Includes,
    /// Inclusion term: a synonym or condition coded here.
    InclusionTerm,
    /// `Excludes1:` — never code together.
    Excludes1,
    /// `Excludes2:` — not included here, may be coded together.
    Excludes2,
    /// `Code first` — sequence the underlying condition first.
    CodeFirst,
    /// `Code also` — a second code may be needed, sequencing discretionary.
    CodeAlso,
    /// `Use additional code`.
    UseAdditionalCode,
    /// A free note (`<notes>`).
    Note,
    /// The note that introduces 7th-character definitions.
    SeventhCharacterNote,
}

impl NoteKind {
    /// All kinds with their XML element names.
    pub(crate) const XML: [(NoteKind, &'static str); 9] = [
        (NoteKind::Includes, "includes"),
        (NoteKind::InclusionTerm, "inclusionTerm"),
        (NoteKind::Excludes1, "excludes1"),
        (NoteKind::Excludes2, "excludes2"),
        (NoteKind::CodeFirst, "codeFirst"),
        (NoteKind::CodeAlso, "codeAlso"),
        (NoteKind::UseAdditionalCode, "useAdditionalCode"),
        (NoteKind::Note, "notes"),
        (NoteKind::SeventhCharacterNote, "sevenChrNote"),
    ];

    /// The XML element name, also used as the tag in processed files.
    pub fn xml_name(self) -> &'static str {
        NoteKind::XML
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("notes", |(_, n)| *n)
    }

    pub(crate) fn from_xml(s: &str) -> Option<Self> {
        NoteKind::XML.iter().find(|(_, n)| *n == s).map(|(k, _)| *k)
    }
}

/// An instructional note attached to a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// What kind of instruction it is.
    pub kind: NoteKind,
    /// The note's text as published.
    pub text: String,
}

/// One chapter, block, category or code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    /// Normalised code (`E1121`), block range (`E08-E13`) or chapter number (`4`).
    pub code: String,
    /// Level in the hierarchy.
    pub kind: NodeKind,
    /// Title (tabular description).
    pub title: String,
    /// Valid for reporting (a leaf).
    pub billable: bool,
    /// Index of the parent node.
    #[serde(skip)]
    pub parent: Option<u32>,
    /// Indices of the child nodes.
    #[serde(skip)]
    pub children: Vec<u32>,
    /// Instructional notes given on this node itself.
    pub notes: Vec<Note>,
    /// 7th-character definitions given on this node itself.
    pub seventh: Vec<(char, String)>,
}

impl Node {
    /// The code as printed: dotted for codes (`E11.21`), as-is for the rest.
    pub fn display_code(&self) -> String {
        match self.kind {
            NodeKind::Code => code::dotted_cm(&self.code),
            _ => self.code.clone(),
        }
    }
}

/// One ICD-10-CM release, immutable once built.
#[derive(Debug)]
pub struct CmRelease {
    /// Release metadata.
    pub info: ReleaseInfo,
    nodes: Vec<Node>,
    by_code: FxHashMap<u64, u32>,
    by_label: FxHashMap<String, u32>,
    billable: FxHashSet<u64>,
    pub(crate) search: OnceLock<SearchIndex>,
    /// What the release was decoded from (a CRC-32 and the length of its processed text),
    /// keying its search cache; `None` for a release built in memory.
    pub(crate) fingerprint: Option<u64>,
}

impl CmRelease {
    /// Builds the lookup tables over nodes in pre-order whose `parent` fields are set.
    pub(crate) fn from_nodes(mut info: ReleaseInfo, mut nodes: Vec<Node>) -> Self {
        // Sized up front: growing them was rehashing about 100,000 codes several times.
        let mut by_code = FxHashMap::with_capacity_and_hasher(nodes.len(), Default::default());
        let mut by_label = FxHashMap::default();
        let mut billable = FxHashSet::with_capacity_and_hasher(nodes.len(), Default::default());
        for n in &mut nodes {
            n.children.clear();
        }
        for i in 0..nodes.len() {
            let parent = nodes.get(i).and_then(|n| n.parent);
            if let Some(p) = parent.and_then(|p| nodes.get_mut(p as usize)) {
                p.children.push(i as u32);
            }
        }
        for (i, n) in nodes.iter_mut().enumerate() {
            n.billable =
                n.children.is_empty() && matches!(n.kind, NodeKind::Category | NodeKind::Code);
            match n.kind {
                NodeKind::Chapter | NodeKind::Block => {
                    by_label.insert(n.code.clone(), i as u32);
                }
                NodeKind::Category | NodeKind::Code => {
                    if let Some(p) = code::pack(&n.code) {
                        by_code.insert(p, i as u32);
                        if n.billable {
                            billable.insert(p);
                        }
                    }
                }
            }
        }
        info.codes = by_code.len();
        CmRelease {
            info,
            nodes,
            by_code,
            by_label,
            billable,
            search: OnceLock::new(),
            fingerprint: None,
        }
    }

    /// All nodes in tabular order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The node at `idx`.
    pub fn node(&self, idx: u32) -> Option<&Node> {
        self.nodes.get(idx as usize)
    }

    /// Finds a category, code, block (`E08-E13`) or chapter (`4`) by any spelling.
    pub fn find(&self, code_text: &str) -> Option<u32> {
        let t = code_text.trim();
        if let Some(p) = code::pack(t)
            && let Some(&i) = self.by_code.get(&p)
        {
            return Some(i);
        }
        let upper = t.to_ascii_uppercase();
        self.by_label.get(&upper).copied()
    }

    /// Looks a code up by its normalised or dotted spelling.
    pub fn get(&self, code_text: &str) -> Option<&Node> {
        self.find(code_text).and_then(|i| self.node(i))
    }

    /// Hot path: is the packed code billable in this release? One hash probe.
    #[inline]
    pub fn is_billable_packed(&self, packed: u64) -> bool {
        self.billable.contains(&packed)
    }

    /// Is the code (any spelling) billable in this release?
    #[inline]
    pub fn is_billable(&self, code_text: &str) -> bool {
        code::pack(code_text).is_some_and(|p| self.billable.contains(&p))
    }

    /// Does the code (category or code) exist in this release?
    #[inline]
    pub fn contains_packed(&self, packed: u64) -> bool {
        self.by_code.contains_key(&packed)
    }

    /// Ancestors of a node, nearest first.
    pub fn ancestors(&self, idx: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut cur = self.node(idx).and_then(|n| n.parent);
        while let Some(p) = cur {
            out.push(p);
            cur = self.node(p).and_then(|n| n.parent);
        }
        out
    }

    /// Billable descendants of a node, in tabular order.
    pub fn billable_descendants(&self, idx: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut stack = vec![idx];
        while let Some(i) = stack.pop() {
            if let Some(n) = self.node(i) {
                if n.billable && i != idx {
                    out.push(i);
                }
                stack.extend(n.children.iter().rev());
            }
        }
        out
    }

    /// 7th-character definitions that apply to a node: its own, or the nearest ancestor's
    /// (tabular convention: a `sevenChrDef` applies to every code below it).
    pub fn seventh_characters(&self, idx: u32) -> &[(char, String)] {
        let mut cur = Some(idx);
        while let Some(i) = cur {
            match self.node(i) {
                Some(n) if !n.seventh.is_empty() => return &n.seventh,
                Some(n) => cur = n.parent,
                None => break,
            }
        }
        &[]
    }

    /// Notes of a node and its ancestors, nearest first, so callers can show inherited
    /// excludes (an Excludes1 at a category applies to every code in it).
    ///
    /// An iterator, not a list: coding edits walk these for every code of every encounter
    /// a full review reads.
    pub fn notes_with_inheritance(&self, idx: u32) -> impl Iterator<Item = (u32, &Note)> + '_ {
        std::iter::successors(Some(idx), |&i| self.node(i).and_then(|n| n.parent)).flat_map(
            move |i| {
                self.node(i)
                    .into_iter()
                    .flat_map(move |n| n.notes.iter().map(move |note| (i, note)))
            },
        )
    }

    /// The chapter number a node belongs to.
    pub fn chapter_of(&self, idx: u32) -> Option<&str> {
        std::iter::once(idx)
            .chain(self.ancestors(idx))
            .filter_map(|i| self.node(i))
            .find(|n| n.kind == NodeKind::Chapter)
            .map(|n| n.code.as_str())
    }

    /// Number of billable codes.
    pub fn billable_count(&self) -> usize {
        self.billable.len()
    }
}

/// The placeholder-X rule (ICD-10-CM convention, tabular introduction "7th characters and
/// placeholder X"): a code shorter than six characters that takes a 7th character is padded
/// with `X` to six characters first. Returns the 7-character code, or `None` when the base is
/// already longer than six characters.
pub fn with_seventh(base: &str, seventh: char) -> Option<String> {
    let mut c = code::normalize(base);
    if c.len() > 6 {
        return None;
    }
    while c.len() < 6 {
        c.push('X');
    }
    c.push(seventh.to_ascii_uppercase());
    Some(c)
}

#[cfg(test)]
mod tests;

/// Imports a release from CMS files and also returns the reconciliation report (used by the
/// prep tool to log what changed).
pub fn import_with_report(
    inputs: &ImportInputs,
    name: Option<String>,
    effective_from: Option<time::Date>,
) -> crate::Result<(CmRelease, ReconcileReport, Vec<u8>)> {
    tabular::import(
        inputs,
        name,
        effective_from,
        crate::release::Origin::Embedded,
    )
}
