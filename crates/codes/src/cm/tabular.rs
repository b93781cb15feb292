//! Reading the CDC/CMS ICD-10-CM source files: the tabular XML, the order file and the
//! flat code list, and reconciling them into one node list.
//!
//! Why reconcile: the tabular XML lists only codes up to six characters and says, through
//! `sevenChrDef`, that codes below need a 7th character; the CMS order file and the code list
//! are authoritative for which 7-character codes exist and which codes are billable.
//! We expand from the XML, then keep exactly the codes the authoritative list has.

use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap, FxHashSet};

use super::{Node, NodeKind, Note, NoteKind, with_seventh};
use crate::code;
use crate::error::{Error, Result};

/// Source files for one ICD-10-CM release.
#[derive(Debug, Clone, Default)]
pub struct ImportInputs {
    /// The tabular XML (`icd10cm_tabular_20xx.xml`, optionally gzip).
    pub tabular: PathBuf,
    /// The CMS order file (fixed width), authoritative for billable codes and titles.
    pub order: Option<PathBuf>,
    /// A flat code list (one code per line, no dots), authoritative for which codes exist.
    pub code_list: Option<PathBuf>,
}

/// What reconciliation changed, for the prep tool's log and the import report.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReconcileReport {
    /// 7th-character codes generated from `sevenChrDef`.
    pub generated_seventh: usize,
    /// Generated codes that the authoritative list does not have (dropped).
    pub dropped: Vec<String>,
    /// Codes in the authoritative list that the XML lacks (added under their parent).
    pub added: Vec<String>,
    /// Codes whose XML title differs from the order file's long title (XML kept).
    pub title_differs: Vec<String>,
    /// Codes whose billable flag differs from the order file after reconciliation.
    pub billable_differs: Vec<String>,
    /// Codes of the authoritative list that could not be placed: no code of the tabular
    /// is a prefix of them.
    pub unplaced: Vec<String>,
}

/// Parses a tabular XML document into nodes in pre-order and returns them with the
/// `<version>` text. 7th-character codes are expanded with composed titles.
pub fn parse_tabular(path: &Path, text: &str) -> Result<(String, Vec<Node>, usize)> {
    let doc = roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .map_err(|e| Error::parse(path, e.pos().row as usize, format!("tabular XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "ICD10CM.tabular" {
        return Err(Error::parse(
            path,
            line_of(&doc, root),
            format!(
                "expected <ICD10CM.tabular>, found <{}>",
                root.tag_name().name()
            ),
        ));
    }
    let version = child_text(root, "version").unwrap_or_default();
    let mut nodes = Vec::with_capacity(100_000);
    let mut generated = 0usize;
    for ch in root.children().filter(|n| n.has_tag_name("chapter")) {
        let name = child_text(ch, "name")
            .ok_or_else(|| Error::parse(path, line_of(&doc, ch), "chapter without <name>"))?;
        let idx = push(
            &mut nodes,
            name,
            NodeKind::Chapter,
            child_text(ch, "desc"),
            None,
            ch,
        );
        for sec in ch.children().filter(|n| n.has_tag_name("section")) {
            let id = sec.attribute("id").map(str::to_string).ok_or_else(|| {
                Error::parse(path, line_of(&doc, sec), "section without id attribute")
            })?;
            let sidx = push(
                &mut nodes,
                id,
                NodeKind::Block,
                child_text(sec, "desc"),
                Some(idx),
                sec,
            );
            for diag in sec.children().filter(|n| n.has_tag_name("diag")) {
                walk_diag(path, &doc, diag, sidx, &[], &mut nodes, &mut generated)?;
            }
        }
    }
    if nodes.is_empty() {
        return Err(Error::parse(path, 0, "tabular XML has no chapters"));
    }
    Ok((version, nodes, generated))
}

fn line_of(doc: &roxmltree::Document<'_>, n: roxmltree::Node<'_, '_>) -> usize {
    doc.text_pos_at(n.range().start).row as usize
}

fn child_text(n: roxmltree::Node<'_, '_>, tag: &str) -> Option<String> {
    n.children().find(|c| c.has_tag_name(tag)).map(|c| {
        clean(
            &c.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect::<String>(),
        )
    })
}

/// Collapses runs of whitespace: the XML wraps some titles over several lines.
fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn notes_of(n: roxmltree::Node<'_, '_>) -> Vec<Note> {
    let mut out = Vec::new();
    for c in n.children().filter(roxmltree::Node::is_element) {
        if let Some(kind) = NoteKind::from_xml(c.tag_name().name()) {
            for note in c.children().filter(|x| x.has_tag_name("note")) {
                out.push(Note {
                    kind,
                    text: clean(
                        &note
                            .descendants()
                            .filter(|d| d.is_text())
                            .filter_map(|d| d.text())
                            .collect::<String>(),
                    ),
                });
            }
        }
    }
    out
}

fn push(
    nodes: &mut Vec<Node>,
    code_text: String,
    kind: NodeKind,
    title: Option<String>,
    parent: Option<u32>,
    xml: roxmltree::Node<'_, '_>,
) -> u32 {
    let idx = nodes.len() as u32;
    let seventh = xml
        .children()
        .filter(|c| c.has_tag_name("sevenChrDef"))
        .flat_map(|d| d.children().filter(|e| e.has_tag_name("extension")))
        .filter_map(|e| {
            let ch = e.attribute("char")?.chars().next()?;
            Some((ch, clean(e.text().unwrap_or_default())))
        })
        .collect();
    nodes.push(Node {
        code: code_text,
        kind,
        title: title.unwrap_or_default(),
        billable: false,
        parent,
        children: Vec::new(),
        notes: notes_of(xml),
        seventh,
    });
    idx
}

fn walk_diag(
    path: &Path,
    doc: &roxmltree::Document<'_>,
    diag: roxmltree::Node<'_, '_>,
    parent: u32,
    inherited: &[(char, String)],
    nodes: &mut Vec<Node>,
    generated: &mut usize,
) -> Result<()> {
    let name = child_text(diag, "name")
        .ok_or_else(|| Error::parse(path, line_of(doc, diag), "diag without <name>"))?;
    let norm = code::normalize(&name);
    if code::pack(&norm).is_none() {
        return Err(Error::parse(
            path,
            line_of(doc, diag),
            format!("{name:?} is not an ICD-10-CM code"),
        ));
    }
    let kind = if norm.len() == 3 {
        NodeKind::Category
    } else {
        NodeKind::Code
    };
    let idx = push(
        nodes,
        norm.clone(),
        kind,
        child_text(diag, "desc"),
        Some(parent),
        diag,
    );
    let own: Vec<(char, String)> = nodes
        .get(idx as usize)
        .map(|n| n.seventh.clone())
        .unwrap_or_default();
    let seventh: &[(char, String)] = if own.is_empty() { inherited } else { &own };
    let kids: Vec<_> = diag.children().filter(|n| n.has_tag_name("diag")).collect();
    if kids.is_empty() {
        if !seventh.is_empty() && norm.len() < 7 {
            let title = nodes
                .get(idx as usize)
                .map(|n| n.title.clone())
                .unwrap_or_default();
            for (ch, text) in seventh {
                if let Some(full) = with_seventh(&norm, *ch) {
                    nodes.push(Node {
                        code: full,
                        kind: NodeKind::Code,
                        title: format!("{title}, {text}"),
                        billable: true,
                        parent: Some(idx),
                        children: Vec::new(),
                        notes: Vec::new(),
                        seventh: Vec::new(),
                    });
                    *generated += 1;
                }
            }
        }
    } else {
        for k in kids {
            walk_diag(path, doc, k, idx, seventh, nodes, generated)?;
        }
    }
    Ok(())
}

/// Parses a flat code list: one code per line, blank lines ignored.
pub fn parse_code_list(path: &Path, text: &str) -> Result<FxHashSet<String>> {
    let mut out = FxHashSet::default();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(Error::parse(path, i + 1, format!("{t:?} is not a code")));
        }
        out.insert(t.to_ascii_uppercase().replace('.', ""));
    }
    if out.is_empty() {
        return Err(Error::parse(path, 0, "code list is empty"));
    }
    Ok(out)
}

/// One line of a CMS order file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEntry {
    /// Normalised code.
    pub code: String,
    /// `1` in the header/billable column.
    pub billable: bool,
    /// Short (abbreviated) title, at most 60 characters.
    pub short_title: String,
    /// Full title.
    pub long_title: String,
}

/// Parses a CMS order file (ICD-10-CM or ICD-10-PCS): order number in columns 1-5, code in
/// 7-13, billable flag in 15, short title in 17-76, long title from 78.
pub fn parse_order_file(path: &Path, text: &str) -> Result<Vec<OrderEntry>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            continue;
        }
        let bad = |what: &str| Error::parse(path, i + 1, format!("order file line: {what}"));
        if !line.is_ascii() {
            return Err(bad("not ASCII"));
        }
        if line.len() < 17
            || !line
                .get(0..5)
                .is_some_and(|s| s.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad(
                "expected a 5-digit order number and at least 17 columns",
            ));
        }
        let code_text = line.get(6..13).unwrap_or_default().trim().to_string();
        if code::pack(&code_text).is_none() {
            return Err(bad(&format!("{code_text:?} is not a code")));
        }
        let billable = match line.get(14..15) {
            Some("1") => true,
            Some("0") => false,
            other => return Err(bad(&format!("billable flag {other:?}, expected 0 or 1"))),
        };
        let short_title = line
            .get(16..76.min(line.len()))
            .unwrap_or_default()
            .trim()
            .to_string();
        let long_title = line.get(77..).unwrap_or(&short_title).trim().to_string();
        out.push(OrderEntry {
            code: code_text,
            billable,
            short_title,
            long_title,
        });
    }
    if out.is_empty() {
        return Err(Error::parse(path, 0, "order file is empty"));
    }
    Ok(out)
}

/// Reconciles expanded tabular nodes with the authoritative code list and order file.
/// Returns the new pre-order node list (parents remapped) and what changed.
pub(crate) fn reconcile(
    nodes: Vec<Node>,
    code_list: Option<&FxHashSet<String>>,
    order: Option<&[OrderEntry]>,
    generated_seventh: usize,
) -> (Vec<Node>, ReconcileReport) {
    let mut report = ReconcileReport {
        generated_seventh,
        ..Default::default()
    };
    let order_map: FxHashMap<&str, &OrderEntry> = order
        .unwrap_or_default()
        .iter()
        .map(|e| (e.code.as_str(), e))
        .collect();
    // The authoritative set: the code list if given, else the order file, else the XML.
    let authority: Option<FxHashSet<String>> = match (code_list, order) {
        (Some(cl), _) => Some(cl.clone()),
        (None, Some(o)) => Some(o.iter().map(|e| e.code.clone()).collect()),
        (None, None) => None,
    };
    let is_code = |n: &Node| matches!(n.kind, NodeKind::Category | NodeKind::Code);
    // Drop generated codes the authority lacks; keep XML nodes (they are the hierarchy).
    let mut keep = vec![true; nodes.len()];
    if let Some(auth) = &authority {
        let mut has_child = vec![false; nodes.len()];
        for n in &nodes {
            if let Some(h) = n.parent.and_then(|p| has_child.get_mut(p as usize)) {
                *h = true;
            }
        }
        for (i, n) in nodes.iter().enumerate() {
            let leaf = !has_child.get(i).copied().unwrap_or(false);
            if is_code(n) && leaf && !auth.contains(&n.code) {
                if let Some(k) = keep.get_mut(i) {
                    *k = false;
                }
                report.dropped.push(n.code.clone());
            }
        }
        // A heading the authority lacks whose codes are all dropped goes too (a release
        // read against a later year's tabular: the later year's new subdivisions), deepest
        // first, so it does not come back as a billable leaf.
        for i in (0..nodes.len()).rev() {
            let Some(n) = nodes.get(i) else { continue };
            if !is_code(n) || auth.contains(&n.code) || !keep.get(i).copied().unwrap_or(false) {
                continue;
            }
            let kept_child = nodes
                .iter()
                .enumerate()
                .any(|(j, c)| c.parent == Some(i as u32) && keep.get(j).copied().unwrap_or(false));
            if !kept_child {
                if let Some(k) = keep.get_mut(i) {
                    *k = false;
                }
                report.dropped.push(n.code.clone());
            }
        }
    }
    let mut remap = vec![u32::MAX; nodes.len()];
    let mut out: Vec<Node> = Vec::with_capacity(nodes.len());
    for (i, mut n) in nodes.into_iter().enumerate() {
        if !keep.get(i).copied().unwrap_or(false) {
            continue;
        }
        n.parent = n
            .parent
            .and_then(|p| remap.get(p as usize).copied())
            .filter(|&p| p != u32::MAX);
        if let Some(r) = remap.get_mut(i) {
            *r = out.len() as u32;
        }
        out.push(n);
    }
    // Add authoritative codes the XML lacks, under the longest existing prefix.
    if let Some(auth) = &authority {
        let present: FxHashSet<String> = out
            .iter()
            .filter(|n| is_code(n))
            .map(|n| n.code.clone())
            .collect();
        let mut missing: Vec<&String> = auth
            .iter()
            .filter(|c| {
                !c.contains('-')
                    && !c.chars().all(|ch| ch.is_ascii_digit())
                    && !present.contains(*c)
            })
            .collect();
        missing.sort();
        let mut index: FxHashMap<String, u32> = out
            .iter()
            .enumerate()
            .filter(|(_, n)| is_code(n))
            .map(|(i, n)| (n.code.clone(), i as u32))
            .collect();
        let mut appended: Vec<(u32, Node)> = Vec::new();
        // Sorted, so a heading the XML lacks comes before its codes and becomes their
        // parent (an appended node's index is its place after `out`, as `insert_children`
        // lays them).
        for c in missing {
            let parent = (3..c.len()).rev().filter_map(|l| c.get(..l)).find_map(|p| {
                index
                    .get(p)
                    .or_else(|| index.get(p.trim_end_matches('X')))
                    .copied()
            });
            let Some(p) = parent else {
                report.unplaced.push(c.clone());
                continue;
            };
            let entry = order_map.get(c.as_str());
            index.insert(c.clone(), (out.len() + appended.len()) as u32);
            appended.push((
                p,
                Node {
                    code: c.clone(),
                    kind: NodeKind::Code,
                    title: entry.map(|e| e.long_title.clone()).unwrap_or_default(),
                    billable: entry.is_none_or(|e| e.billable),
                    parent: Some(p),
                    children: Vec::new(),
                    notes: Vec::new(),
                    seventh: Vec::new(),
                },
            ));
            report.added.push(c.clone());
        }
        if !appended.is_empty() {
            out = insert_children(out, appended);
        }
    }
    // Titles of generated codes come from the order file when it has them.
    if !order_map.is_empty() {
        for n in out.iter_mut().filter(|n| is_code(n)) {
            if let Some(e) = order_map.get(n.code.as_str()) {
                if n.code.len() == 7 && n.notes.is_empty() && n.seventh.is_empty() {
                    n.title.clone_from(&e.long_title);
                } else if n.title != e.long_title {
                    report.title_differs.push(n.code.clone());
                }
            }
        }
    }
    (out, report)
}

/// Re-lays nodes in pre-order with extra children appended after each parent's subtree.
fn insert_children(nodes: Vec<Node>, extra: Vec<(u32, Node)>) -> Vec<Node> {
    let n = nodes.len();
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); n + extra.len()];
    let mut all: Vec<Option<Node>> = nodes.into_iter().map(Some).collect();
    for (p, node) in extra {
        all.push(Some(Node {
            parent: Some(p),
            ..node
        }));
    }
    let mut roots = Vec::new();
    for (i, node) in all.iter().enumerate() {
        match node.as_ref().and_then(|x| x.parent) {
            Some(p) => {
                if let Some(k) = kids.get_mut(p as usize) {
                    k.push(i);
                }
            }
            None => roots.push(i),
        }
    }
    let mut out = Vec::with_capacity(all.len());
    let mut stack: Vec<(usize, Option<u32>)> = roots.into_iter().rev().map(|r| (r, None)).collect();
    while let Some((i, parent)) = stack.pop() {
        if let Some(mut node) = all.get_mut(i).and_then(Option::take) {
            node.parent = parent;
            let new_idx = out.len() as u32;
            out.push(node);
            if let Some(k) = kids.get(i) {
                for &c in k.iter().rev() {
                    stack.push((c, Some(new_idx)));
                }
            }
        }
    }
    out
}

/// Reads and reconciles the source files of one release; returns the release, what
/// reconciliation changed, and the processed bytes to store.
pub(crate) fn import(
    inputs: &ImportInputs,
    name: Option<String>,
    effective_from: Option<time::Date>,
    origin: crate::release::Origin,
) -> Result<(super::CmRelease, ReconcileReport, Vec<u8>)> {
    let text = crate::packfile::read_file(&inputs.tabular)?;
    let (version, nodes, generated) = parse_tabular(&inputs.tabular, &text)?;
    let code_list = match &inputs.code_list {
        Some(p) => Some(parse_code_list(p, &crate::packfile::read_file(p)?)?),
        None => None,
    };
    let order = match &inputs.order {
        Some(p) => Some(parse_order_file(p, &crate::packfile::read_file(p)?)?),
        None => None,
    };
    let (nodes, mut report) = reconcile(nodes, code_list.as_ref(), order.as_deref(), generated);
    let from = match effective_from {
        Some(d) => d,
        None => {
            let fy: i32 = version.trim().parse().map_err(|_| {
                Error::parse(
                    &inputs.tabular,
                    0,
                    format!("<version> {version:?} is not a year; give the effective date"),
                )
            })?;
            time::Date::from_calendar_date(fy - 1, time::Month::October, 1)
                .map_err(|e| Error::parse(&inputs.tabular, 0, e.to_string()))?
        }
    };
    let label = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string()
    };
    let mut source = format!("CDC/CMS ICD-10-CM tabular {}", label(&inputs.tabular));
    if let Some(o) = &inputs.order {
        source.push_str(&format!(" + order file {}", label(o)));
    }
    if let Some(c) = &inputs.code_list {
        source.push_str(&format!(" + code list {}", label(c)));
    }
    source.push_str(", public domain");
    let info = crate::release::ReleaseInfo {
        system: crate::release::System::Icd10Cm,
        name: name.unwrap_or_else(|| format!("FY{}", version.trim())),
        effective_from: from,
        effective_to: None,
        source,
        origin,
        codes: 0,
    };
    let bytes = super::write_pack(&info, &nodes)?;
    let release = super::CmRelease::from_nodes(info, nodes);
    if let Some(o) = &order {
        for e in o {
            if release
                .get(&e.code)
                .is_some_and(|n| n.billable != e.billable)
            {
                report.billable_differs.push(e.code.clone());
            }
        }
    }
    Ok((release, report, bytes))
}
