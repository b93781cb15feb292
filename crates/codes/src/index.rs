//! The ICD-10-CM Alphabetic Index, Table of Drugs and Chemicals, Neoplasm Table and External
//! Cause Index, as term trees.
//!
//! Invariants: terms are kept in document order with `parent` pointing to an earlier term,
//! so a main term is followed by its subterms (the flattened CSV's `Level` column is the
//! depth; a row deeper than its predecessor by more than one level is an error).
//! Codes are stored as published (`E11.9`, `C79.8-`, or `--` for "no code").

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::packfile::{self, PackWriter};

/// Which index a term belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum IndexKind {
    /// Alphabetic Index to Diseases and Injuries.
    Diseases,
    /// Table of Drugs and Chemicals.
    Drugs,
    /// Neoplasm Table.
    Neoplasm,
    /// External Cause of Injuries Index.
    ExternalCause,
}

impl IndexKind {
    /// All kinds.
    pub const ALL: [IndexKind; 4] = [
        IndexKind::Diseases,
        IndexKind::Drugs,
        IndexKind::Neoplasm,
        IndexKind::ExternalCause,
    ];
    fn tag(self) -> &'static str {
        match self {
            IndexKind::Diseases => "diseases",
            IndexKind::Drugs => "drugs",
            IndexKind::Neoplasm => "neoplasm",
            IndexKind::ExternalCause => "eindex",
        }
    }
}

/// One index term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term {
    /// Depth: 0 for a main term.
    pub level: u8,
    /// The term.
    pub title: String,
    /// Nonessential modifiers, e.g. `(mellitus) (sugar)`.
    pub nemod: String,
    /// `see` cross-reference.
    pub see: String,
    /// `see also` cross-reference.
    pub see_also: String,
    /// The code, when the term has one.
    pub code: String,
    /// Table cells `(column, code)` for the drug and neoplasm tables.
    pub cells: Vec<(u8, String)>,
    /// Parent term.
    #[serde(skip)]
    pub parent: Option<u32>,
}

/// One index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Index {
    /// Which index.
    pub kind: IndexKind,
    /// Column headings of a table index (column 1 is the term).
    pub headings: Vec<String>,
    /// The terms in document order.
    pub terms: Vec<Term>,
}

impl Index {
    /// The full path of a term, main term first, joined with ", " as coders read it
    /// ("Diabetes, diabetic, with, nephropathy").
    pub fn path(&self, idx: u32) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(idx);
        while let Some(i) = cur {
            match self.terms.get(i as usize) {
                Some(t) => {
                    parts.push(if t.nemod.is_empty() {
                        t.title.clone()
                    } else {
                        format!("{} {}", t.title, t.nemod)
                    });
                    cur = t.parent;
                }
                None => break,
            }
        }
        parts.reverse();
        parts.join(", ")
    }

    /// Heading of a table column.
    pub fn heading(&self, col: u8) -> &str {
        self.headings
            .get(usize::from(col).saturating_sub(1))
            .map_or("", String::as_str)
    }

    fn link_parents(&mut self, path: &Path, lines: &[usize]) -> Result<()> {
        let mut stack: Vec<u32> = Vec::new();
        for (i, t) in self.terms.iter_mut().enumerate() {
            let level = usize::from(t.level);
            if level > stack.len() {
                let line = lines.get(i).copied().unwrap_or(0);
                return Err(Error::parse(
                    path,
                    line,
                    format!(
                        "term {:?} at level {level} follows a term at level {}",
                        t.title,
                        stack.len().saturating_sub(1)
                    ),
                ));
            }
            // A "Note:" row is a remark on its parent, never a parent itself: the flattened
            // CSV gives "Failure, heart"'s stage note level 1, and the level-2 subterms after
            // it (stage A-D, systolic, thyrotoxic, valvular) belong to "heart", not to the note.
            if is_note(&t.title) {
                t.parent = level.checked_sub(1).and_then(|l| stack.get(l)).copied();
                continue;
            }
            stack.truncate(level);
            t.parent = stack.last().copied();
            stack.push(i as u32);
        }
        Ok(())
    }
}

/// Whether an index row is an instructional note rather than a term.
pub fn is_note(title: &str) -> bool {
    title.starts_with("Note:")
}

/// Parses the flattened Alphabetic Index CSV (`RowID,Letter,Level,Term,See,SeeAlso,
/// NonEssModif,Code`) and rebuilds the tree from the Level column.
pub fn parse_index_csv(path: &Path, text: &str) -> Result<Index> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let mut terms = Vec::new();
    let mut lines = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            Error::parse(path, line, format!("index CSV: {e}"))
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        if rec.len() < 8 {
            return Err(Error::parse(
                path,
                line,
                format!("expected 8 columns, found {}", rec.len()),
            ));
        }
        let f = |i: usize| rec.get(i).unwrap_or_default().trim().to_string();
        let level: u8 = f(2)
            .parse()
            .map_err(|_| Error::parse(path, line, format!("Level {:?} is not a number", f(2))))?;
        terms.push(Term {
            level,
            title: f(3),
            nemod: f(6),
            see: f(4),
            see_also: f(5),
            code: f(7),
            cells: Vec::new(),
            parent: None,
        });
        lines.push(line);
    }
    if terms.is_empty() {
        return Err(Error::parse(path, 0, "index CSV has no rows"));
    }
    let mut index = Index {
        kind: IndexKind::Diseases,
        headings: Vec::new(),
        terms,
    };
    index.link_parents(path, &lines)?;
    Ok(index)
}

/// Parses one of the CDC index XML files (drug, neoplasm or external-cause index).
pub fn parse_index_xml(path: &Path, text: &str, kind: IndexKind) -> Result<Index> {
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| Error::parse(path, e.pos().row as usize, format!("index XML: {e}")))?;
    let root = doc.root_element();
    let headings = root
        .descendants()
        .find(|n| n.has_tag_name("indexHeading"))
        .map(|h| {
            h.children()
                .filter(|c| c.has_tag_name("head"))
                .map(|c| {
                    c.descendants()
                        .filter(|d| d.is_text())
                        .filter_map(|d| d.text())
                        .collect::<String>()
                        .trim()
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default();
    let mut index = Index {
        kind,
        headings,
        terms: Vec::new(),
    };
    for letter in root.children().filter(|c| c.has_tag_name("letter")) {
        for mt in letter.children().filter(|c| c.has_tag_name("mainTerm")) {
            walk(mt, 0, None, &mut index.terms);
        }
    }
    if index.terms.is_empty() {
        return Err(Error::parse(path, 0, "index XML has no <mainTerm>"));
    }
    Ok(index)
}

fn walk(n: roxmltree::Node<'_, '_>, level: u8, parent: Option<u32>, out: &mut Vec<Term>) {
    let text_of = |tag: &str| {
        n.children()
            .find(|c| c.has_tag_name(tag))
            .map(|c| {
                c.descendants()
                    .filter(|d| d.is_text())
                    .filter_map(|d| d.text())
                    .collect::<Vec<_>>()
                    .join(" ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    };
    let title_node = n.children().find(|c| c.has_tag_name("title"));
    let title = title_node
        .map(|t| {
            t.children()
                .filter(|c| c.is_text())
                .filter_map(|c| c.text())
                .collect::<String>()
                .trim()
                .to_string()
        })
        .unwrap_or_default();
    let nemod = title_node
        .and_then(|t| t.children().find(|c| c.has_tag_name("nemod")))
        .and_then(|m| m.text())
        .unwrap_or_default()
        .trim()
        .to_string();
    let cells = n
        .children()
        .filter(|c| c.has_tag_name("cell"))
        .filter_map(|c| {
            let col: u8 = c.attribute("col")?.parse().ok()?;
            let code = c.text()?.trim().to_string();
            (code != "--" && !code.is_empty()).then_some((col, code))
        })
        .collect();
    let idx = out.len() as u32;
    out.push(Term {
        level,
        title,
        nemod,
        see: text_of("see"),
        see_also: text_of("seeAlso"),
        code: text_of("code"),
        cells,
        parent,
    });
    for t in n.children().filter(|c| c.has_tag_name("term")) {
        walk(t, level.saturating_add(1), Some(idx), out);
    }
}

const KIND: &str = "icd10cm-index";

/// Serialises the indexes: `I kind headings…` then `Q level title nemod see see_also code
/// cells` records (cells as `col=code` joined with U+001F).
pub fn write(name: &str, indexes: &[Index]) -> Result<Vec<u8>> {
    let mut w = PackWriter::new(KIND);
    w.record(&["REL", name]);
    for ix in indexes {
        let mut f = vec!["I", ix.kind.tag()];
        f.extend(ix.headings.iter().map(String::as_str));
        w.record(&f);
        for t in &ix.terms {
            let cells = t
                .cells
                .iter()
                .map(|(c, code)| format!("{c}={code}"))
                .collect::<Vec<_>>()
                .join("\u{1f}");
            w.record(&[
                "Q",
                &t.level.to_string(),
                &t.title,
                &t.nemod,
                &t.see,
                &t.see_also,
                &t.code,
                &cells,
            ]);
        }
    }
    w.finish()
}

/// Loads processed indexes; returns the release name (e.g. `FY2025`) and the indexes.
pub(crate) fn read(path: &Path, text: &str) -> Result<(String, Vec<Index>)> {
    let recs = packfile::parse(path, text, KIND)?;
    let mut name = String::new();
    let mut out: Vec<Index> = Vec::new();
    let mut lines: Vec<Vec<usize>> = Vec::new();
    for r in recs {
        let r = r?;
        match r.get(0, path)? {
            "REL" => name = r.get(1, path)?.to_string(),
            "I" => {
                let tag = r.get(1, path)?;
                let kind = IndexKind::ALL
                    .into_iter()
                    .find(|k| k.tag() == tag)
                    .ok_or_else(|| Error::parse(path, r.line, format!("unknown index {tag:?}")))?;
                out.push(Index {
                    kind,
                    headings: r.fields().skip(2).map(|s| s.to_string()).collect(),
                    terms: Vec::new(),
                });
                lines.push(Vec::new());
            }
            "Q" => {
                let level: u8 = r
                    .get(1, path)?
                    .parse()
                    .map_err(|_| Error::parse(path, r.line, "Q: level is not a number"))?;
                let cells = r
                    .get(7, path)?
                    .split('\u{1f}')
                    .filter(|s| !s.is_empty())
                    .filter_map(|s| {
                        let (c, code) = s.split_once('=')?;
                        Some((c.parse().ok()?, code.to_string()))
                    })
                    .collect();
                let ix = out
                    .last_mut()
                    .ok_or_else(|| Error::parse(path, r.line, "term before any index"))?;
                ix.terms.push(Term {
                    level,
                    title: r.get(2, path)?.to_string(),
                    nemod: r.get(3, path)?.to_string(),
                    see: r.get(4, path)?.to_string(),
                    see_also: r.get(5, path)?.to_string(),
                    code: r.get(6, path)?.to_string(),
                    cells,
                    parent: None,
                });
                if let Some(l) = lines.last_mut() {
                    l.push(r.line);
                }
            }
            other => {
                return Err(Error::parse(
                    path,
                    r.line,
                    format!("unknown record {other:?}"),
                ));
            }
        }
    }
    for (ix, l) in out.iter_mut().zip(&lines) {
        ix.link_parents(path, l)?;
    }
    Ok((name, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_row_is_a_leaf_so_the_subterms_after_it_keep_their_parent() {
        let csv = "RowID,Letter,Level,Term,See,SeeAlso,NonEssModif,Code\n\
                   1,F,0,Failure,,,,\n\
                   2,F,1,heart,,,,I50.9\n\
                   3,F,2,specified NEC,,,,I50.89\n\
                   4,F,1,\"Note: heart failure stages A, B, C, and D\",,,,\n\
                   5,F,2,systolic,,,,I50.20\n\
                   6,F,3,chronic,,,,I50.22\n\
                   7,F,1,hepatic,,,,K72.90\n";
        let ix = parse_index_csv(Path::new("index.csv"), csv).unwrap();
        assert_eq!(ix.path(5), "Failure, heart, systolic, chronic");
        assert_eq!(ix.terms[3].parent, Some(0));
        assert_eq!(ix.path(6), "Failure, hepatic");
    }
}
