//! The processed ICD-10-CM file: one `N` record per node in pre-order, followed by its `O`
//! (note) and `X` (7th-character definition) records.
//!
//! Record layout (tab-separated):
//! `REL name effective_from source code_count`, then
//! `N kind code parent_index title` (parent index refers to the N-record order, `-` for none),
//! `O note_kind text`, `X char text`.
//! Billable flags are not stored: they follow from the tree (a leaf is billable), which the
//! loader recomputes, so the file cannot contradict itself.

use std::path::Path;

use super::{CmRelease, Node, NodeKind, Note, NoteKind};
use crate::error::{Error, Result};
use crate::packfile::{self, PackWriter};
use crate::release::{Origin, ReleaseInfo, System, parse_date};

const KIND: &str = "icd10cm";

/// Serialises a release to processed, compressed bytes.
pub(crate) fn write(info: &ReleaseInfo, nodes: &[Node]) -> Result<Vec<u8>> {
    let mut w = PackWriter::new(KIND);
    let from = info.effective_from.to_string();
    // The code count lets `releases()` report it before the release is decoded.
    let codes = nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Category | NodeKind::Code))
        .count()
        .to_string();
    w.record(&["REL", &info.name, &from, &info.source, &codes]);
    for n in nodes {
        let parent = n.parent.map_or_else(|| "-".to_string(), |p| p.to_string());
        w.record(&["N", n.kind.tag(), &n.code, &parent, &n.title]);
        for note in &n.notes {
            w.record(&["O", note.kind.xml_name(), &note.text]);
        }
        for (c, text) in &n.seventh {
            let mut b = [0u8; 4];
            w.record(&["X", c.encode_utf8(&mut b), text]);
        }
    }
    w.finish()
}

/// Loads a processed file (already decompressed) into a release.
pub(crate) fn read(path: &Path, text: &str, origin: Origin) -> Result<CmRelease> {
    let recs = packfile::parse(path, text, KIND)?;
    let mut info: Option<ReleaseInfo> = None;
    // About one node per 100 bytes of processed text (FY2026: 98,505 nodes in 10.2 MB); a
    // hint only, generous so the nodes are not moved as they grow.
    let mut nodes: Vec<Node> = Vec::with_capacity(text.len() / 95);
    for r in recs {
        let r = r?;
        let tag = r.get(0, path)?;
        match tag {
            "REL" => {
                let from = parse_date(r.get(2, path)?).ok_or_else(|| {
                    Error::parse(path, r.line, "REL: effective date is not a date")
                })?;
                info = Some(ReleaseInfo {
                    system: System::Icd10Cm,
                    name: r.get(1, path)?.to_string(),
                    effective_from: from,
                    effective_to: None,
                    source: r.get(3, path)?.to_string(),
                    origin: origin.clone(),
                    codes: 0,
                });
            }
            "N" => {
                let kind = NodeKind::from_tag(r.get(1, path)?)
                    .ok_or_else(|| Error::parse(path, r.line, "N: unknown node kind"))?;
                let parent = match r.get(3, path)? {
                    "-" => None,
                    p => {
                        let p: u32 = p.parse().map_err(|_| {
                            Error::parse(path, r.line, "N: parent index is not a number")
                        })?;
                        if p as usize >= nodes.len() {
                            return Err(Error::parse(
                                path,
                                r.line,
                                "N: parent index points forward",
                            ));
                        }
                        Some(p)
                    }
                };
                nodes.push(Node {
                    code: r.get(2, path)?.to_string(),
                    kind,
                    title: r.get(4, path)?.to_string(),
                    billable: false,
                    parent,
                    children: Vec::new(),
                    notes: Vec::new(),
                    seventh: Vec::new(),
                });
            }
            "O" => {
                let kind = NoteKind::from_xml(r.get(1, path)?)
                    .ok_or_else(|| Error::parse(path, r.line, "O: unknown note kind"))?;
                let text = r.get(2, path)?.to_string();
                nodes
                    .last_mut()
                    .ok_or_else(|| Error::parse(path, r.line, "O: note before any node"))?
                    .notes
                    .push(Note { kind, text });
            }
            "X" => {
                let c = r
                    .get(1, path)?
                    .chars()
                    .next()
                    .ok_or_else(|| Error::parse(path, r.line, "X: empty 7th character"))?;
                let text = r.get(2, path)?.to_string();
                nodes
                    .last_mut()
                    .ok_or_else(|| Error::parse(path, r.line, "X: definition before any node"))?
                    .seventh
                    .push((c, text));
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
    let info = info.ok_or_else(|| Error::parse(path, 1, "no REL record"))?;
    if nodes.is_empty() {
        return Err(Error::parse(path, 0, "release has no codes"));
    }
    Ok(CmRelease::from_nodes(info, nodes))
}
