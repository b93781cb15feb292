//! The ICD-10-PCS Definitions (CMS `icd10pcs_definitions_20xx.xml`): per section, the
//! definition, explanation and examples of each root operation and approach, and the Body
//! Part and Device keys ("Hallux" is coded to the body part "1st Toe").
//!
//! Invariants: a term is keyed by its section character, its axis position (1-7) and its
//! title exactly as the tables label the value, so a definition is found by the label the
//! builder offers; the processed file (`icd10pcs-definitions-2026.gz`) holds only what the
//! XML says, one `D` record per term.

use std::path::Path;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::packfile::{self, PackWriter};

/// One defined term of an axis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Term {
    /// The value's label as the tables write it ("Resection", "1st Toe, Left").
    pub title: String,
    /// The definition, when the term has one.
    pub definition: String,
    /// The explanation, when given.
    pub explanation: String,
    /// Examples or what the value includes ("Total nephrectomy, total lobectomy of lung",
    /// "Hallux").
    pub includes: Vec<String>,
}

/// Every defined term, by `(section, axis position, folded title)`.
#[derive(Debug, Default)]
pub struct Definitions {
    /// The release year named in the file.
    pub version: String,
    terms: FxHashMap<(char, u8, String), Term>,
}

fn fold(title: &str) -> String {
    title.trim().to_lowercase()
}

impl Definitions {
    /// The term defining `label` at axis `position` (1-7) of `section`.
    pub fn term(&self, section: char, position: u8, label: &str) -> Option<&Term> {
        self.terms.get(&(section, position, fold(label)))
    }

    /// Every term (unordered): section, position, term.
    pub fn terms(&self) -> impl Iterator<Item = (char, u8, &Term)> + '_ {
        self.terms.iter().map(|((s, p, _), t)| (*s, *p, t))
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when no term is defined.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// Parses the CMS definitions XML.
pub fn parse_xml(path: &Path, text: &str) -> Result<Definitions> {
    let doc = roxmltree::Document::parse(text).map_err(|e| {
        Error::parse(
            path,
            e.pos().row as usize,
            format!("PCS definitions XML: {e}"),
        )
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "ICD10PCS.definitions" {
        return Err(Error::parse(
            path,
            1,
            format!(
                "expected <ICD10PCS.definitions>, found <{}>",
                root.tag_name().name()
            ),
        ));
    }
    let text_of = |n: roxmltree::Node<'_, '_>, tag: &str| -> Vec<String> {
        n.children()
            .filter(|c| c.has_tag_name(tag))
            .filter_map(|c| c.text())
            .map(|t| t.trim().to_string())
            .collect()
    };
    let mut out = Definitions {
        version: text_of(root, "version").concat(),
        terms: FxHashMap::default(),
    };
    for section in root.children().filter(|c| c.has_tag_name("section")) {
        let Some(code) = section.attribute("code").and_then(|c| c.chars().next()) else {
            let row = doc.text_pos_at(section.range().start).row as usize;
            return Err(Error::parse(path, row, "<section> without a code"));
        };
        for axis in section.children().filter(|c| c.has_tag_name("axis")) {
            let Some(pos) = axis.attribute("pos").and_then(|p| p.parse::<u8>().ok()) else {
                let row = doc.text_pos_at(axis.range().start).row as usize;
                return Err(Error::parse(path, row, "<axis> without a numeric pos"));
            };
            for terms in axis.children().filter(|c| c.has_tag_name("terms")) {
                let definition = text_of(terms, "definition").join(" ");
                let explanation = text_of(terms, "explanation").join(" ");
                let includes = text_of(terms, "includes");
                // A Body Part key entry lists both sides under one set of includes.
                for title in text_of(terms, "title") {
                    out.terms.insert(
                        (code, pos, fold(&title)),
                        Term {
                            title,
                            definition: definition.clone(),
                            explanation: explanation.clone(),
                            includes: includes.clone(),
                        },
                    );
                }
            }
        }
    }
    if out.terms.is_empty() {
        return Err(Error::parse(path, 1, "no <terms> found"));
    }
    Ok(out)
}

const KIND: &str = "pcs-definitions";

/// Serialises the definitions: `D section position title definition explanation includes`
/// (includes separated by U+001F), sorted so the file diffs well.
pub fn write(d: &Definitions) -> Result<Vec<u8>> {
    let mut w = PackWriter::new(KIND);
    w.record(&["REL", &d.version]);
    let mut terms: Vec<_> = d.terms.iter().collect();
    terms.sort_by(|a, b| a.0.cmp(b.0));
    for ((section, pos, _), t) in terms {
        w.record(&[
            "D",
            &section.to_string(),
            &pos.to_string(),
            &t.title,
            &t.definition,
            &t.explanation,
            &t.includes.join("\u{1f}"),
        ]);
    }
    w.finish()
}

/// Loads processed definitions.
pub(crate) fn read(path: &Path, text: &str) -> Result<Definitions> {
    let mut out = Definitions::default();
    for r in packfile::parse(path, text, KIND)? {
        let r = r?;
        match r.get(0, path)? {
            "REL" => out.version = r.get(1, path)?.to_string(),
            "D" => {
                let section = r
                    .get(1, path)?
                    .chars()
                    .next()
                    .ok_or_else(|| Error::parse(path, r.line, "D: empty section"))?;
                let pos: u8 = r
                    .get(2, path)?
                    .parse()
                    .map_err(|_| Error::parse(path, r.line, "D: bad axis position"))?;
                let title = r.get(3, path)?.to_string();
                let includes = r.get(6, path)?;
                out.terms.insert(
                    (section, pos, fold(&title)),
                    Term {
                        title,
                        definition: r.get(4, path)?.to_string(),
                        explanation: r.get(5, path)?.to_string(),
                        includes: includes
                            .split('\u{1f}')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect(),
                    },
                );
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
    Ok(out)
}
