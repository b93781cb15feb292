//! ICD-10-PCS: the CMS tables, validation of a 7-character code against a table row, and
//! the full description built from the seven axes.
//!
//! Invariants: a table is keyed by its first three characters (section, body system, root
//! operation); a code is valid exactly when some row of its table allows each of characters
//! 4-7 (the CMS rule: "the valid codes are the combinations within one row"); `valid` holds
//! every such combination packed, so `is_valid_packed` agrees with `validate`.

use std::path::Path;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::code;
use crate::error::{Error, Result};
use crate::packfile::{self, PackWriter};
use crate::release::{Origin, ReleaseInfo, System, parse_date};

/// One axis value: its character and label.
pub type Value = (char, String);

/// One axis of a table or row: its title (`Body Part`, `Approach`…) and allowed values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Axis {
    /// Axis title as published (differs by section: `Body Part`, `Body Region`, `Substance`…).
    pub title: String,
    /// Allowed values.
    pub values: Vec<Value>,
}

/// One PCS table: positions 1-3 fixed, rows listing positions 4-7.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    /// Axes 1-3, one value each.
    pub head: Vec<Axis>,
    /// Root operation definition, when published.
    pub definition: Option<String>,
    /// Rows, each with axes 4-7.
    pub rows: Vec<Vec<Axis>>,
}

/// A validated PCS code with each axis explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PcsCode {
    /// The code, normalised.
    pub code: String,
    /// `(axis title, character, label)` for positions 1-7.
    pub axes: Vec<(String, char, String)>,
    /// The labels of the seven axes joined into one description.
    pub description: String,
}

/// One ICD-10-PCS release.
#[derive(Debug)]
pub struct PcsRelease {
    /// Release metadata.
    pub info: ReleaseInfo,
    tables: Vec<Table>,
    by_prefix: FxHashMap<[u8; 3], u32>,
    valid: FxHashSet<u64>,
    pub(crate) search: std::sync::OnceLock<crate::search::SearchIndex>,
}

impl PcsRelease {
    fn new(mut info: ReleaseInfo, tables: Vec<Table>) -> Self {
        let mut by_prefix = FxHashMap::default();
        let mut valid = FxHashSet::default();
        for (i, t) in tables.iter().enumerate() {
            let mut prefix = [0u8; 3];
            for (slot, axis) in prefix.iter_mut().zip(&t.head) {
                *slot = axis.values.first().map_or(0, |v| v.0 as u8);
            }
            by_prefix.insert(prefix, i as u32);
            let head: String = prefix.iter().map(|&b| char::from(b)).collect();
            for row in &t.rows {
                expand(&head, row, &mut valid);
            }
        }
        info.codes = valid.len();
        PcsRelease {
            info,
            tables,
            by_prefix,
            valid,
            search: std::sync::OnceLock::new(),
        }
    }

    /// All tables.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// Hot path: is the packed 7-character code valid? One hash probe.
    #[inline]
    pub fn is_valid_packed(&self, packed: u64) -> bool {
        self.valid.contains(&packed)
    }

    /// Every valid code, packed (unordered).
    pub fn valid_codes(&self) -> impl Iterator<Item = u64> + '_ {
        self.valid.iter().copied()
    }

    /// Validates a code against its table and explains each axis, or says which axis fails.
    pub fn validate(&self, code_text: &str) -> std::result::Result<PcsCode, String> {
        let c = code::normalize(code_text);
        let b = c.as_bytes();
        if b.len() != 7 || !c.chars().all(|ch| ch.is_ascii_alphanumeric()) {
            return Err(format!("{code_text:?} is not 7 letters or digits"));
        }
        let prefix = [b[0], b[1], b[2]];
        let t = self
            .by_prefix
            .get(&prefix)
            .and_then(|&i| self.tables.get(i as usize))
            .ok_or_else(|| format!("no table {}", &c[..3]))?;
        let chars: Vec<char> = c.chars().collect();
        let mut best_fail = String::new();
        let mut best_depth = 0usize;
        for row in &t.rows {
            let mut axes: Vec<(String, char, String)> = t
                .head
                .iter()
                .zip(&chars)
                .filter_map(|(a, &ch)| a.values.first().map(|v| (a.title.clone(), ch, v.1.clone())))
                .collect();
            let mut ok = true;
            for (axis, &ch) in row.iter().zip(chars.iter().skip(3)) {
                match axis.values.iter().find(|v| v.0 == ch) {
                    Some(v) => axes.push((axis.title.clone(), ch, v.1.clone())),
                    None => {
                        // Report the row that matched the most leading axes: that is the
                        // character the coder most likely got wrong.
                        if axes.len() >= best_depth {
                            best_depth = axes.len() + 1;
                            best_fail = format!(
                                "{} {ch:?} is not allowed with the preceding characters in table {}",
                                axis.title.to_lowercase(),
                                &c[..3]
                            );
                        }
                        ok = false;
                        break;
                    }
                }
            }
            if ok && axes.len() == 7 {
                let description = axes
                    .iter()
                    .map(|a| a.2.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Ok(PcsCode {
                    code: c,
                    axes,
                    description,
                });
            }
        }
        Err(best_fail)
    }
}

fn expand(head: &str, row: &[Axis], out: &mut FxHashSet<u64>) {
    let mut codes = vec![head.to_string()];
    for axis in row {
        let mut next = Vec::with_capacity(codes.len() * axis.values.len());
        for c in &codes {
            for v in &axis.values {
                let mut s = c.clone();
                s.push(v.0);
                next.push(s);
            }
        }
        codes = next;
    }
    out.extend(
        codes
            .iter()
            .filter(|c| c.len() == 7)
            .filter_map(|c| code::pack(c)),
    );
}

/// Parses the CMS PCS tables XML (`icd10pcs_tables_20xx.xml`).
pub fn parse_tables_xml(path: &Path, text: &str) -> Result<(String, Vec<Table>)> {
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| Error::parse(path, e.pos().row as usize, format!("PCS tables XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "ICD10PCS.tabular" {
        return Err(Error::parse(
            path,
            1,
            format!(
                "expected <ICD10PCS.tabular>, found <{}>",
                root.tag_name().name()
            ),
        ));
    }
    let line = |n: roxmltree::Node<'_, '_>| doc.text_pos_at(n.range().start).row as usize;
    let version = root
        .children()
        .find(|c| c.has_tag_name("version"))
        .and_then(|v| v.text())
        .unwrap_or_default()
        .trim()
        .to_string();
    let mut tables = Vec::new();
    for t in root.children().filter(|c| c.has_tag_name("pcsTable")) {
        let mut head = Vec::new();
        let mut definition = None;
        for a in t.children().filter(|c| c.has_tag_name("axis")) {
            let ax = parse_axis(a).map_err(|m| Error::parse(path, line(a), m))?;
            if ax.values.len() != 1 {
                return Err(Error::parse(
                    path,
                    line(a),
                    "table axes 1-3 must have exactly one value",
                ));
            }
            if let Some(d) = a
                .children()
                .find(|c| c.has_tag_name("definition"))
                .and_then(|d| d.text())
            {
                definition = Some(d.trim().to_string());
            }
            head.push(ax);
        }
        if head.len() != 3 {
            return Err(Error::parse(
                path,
                line(t),
                format!("table has {} head axes, expected 3", head.len()),
            ));
        }
        let mut rows = Vec::new();
        for r in t.children().filter(|c| c.has_tag_name("pcsRow")) {
            let axes = r
                .children()
                .filter(|c| c.has_tag_name("axis"))
                .map(|a| parse_axis(a).map_err(|m| Error::parse(path, line(a), m)))
                .collect::<Result<Vec<_>>>()?;
            if axes.len() != 4 {
                return Err(Error::parse(
                    path,
                    line(r),
                    format!("row has {} axes, expected 4", axes.len()),
                ));
            }
            rows.push(axes);
        }
        tables.push(Table {
            head,
            definition,
            rows,
        });
    }
    if tables.is_empty() {
        return Err(Error::parse(path, 0, "no <pcsTable> found"));
    }
    Ok((version, tables))
}

fn parse_axis(a: roxmltree::Node<'_, '_>) -> std::result::Result<Axis, String> {
    let title = a
        .children()
        .find(|c| c.has_tag_name("title"))
        .and_then(|t| t.text())
        .unwrap_or_default()
        .trim()
        .to_string();
    let mut values = Vec::new();
    for l in a.children().filter(|c| c.has_tag_name("label")) {
        let ch = l
            .attribute("code")
            .and_then(|c| c.chars().next())
            .ok_or("label without a code attribute")?;
        values.push((ch, l.text().unwrap_or_default().trim().to_string()));
    }
    if values.is_empty() {
        return Err(format!("axis {title:?} has no labels"));
    }
    Ok(Axis { title, values })
}

const KIND: &str = "icd10pcs";

/// Joins axis values for the processed file: `c=label` items separated by U+001F.
fn join_values(values: &[Value]) -> String {
    values
        .iter()
        .map(|(c, l)| format!("{c}={l}"))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

fn split_values(s: &str) -> Option<Vec<Value>> {
    s.split('\u{1f}')
        .map(|item| {
            let mut it = item.splitn(2, '=');
            let c = it.next()?.chars().next()?;
            Some((c, it.next()?.to_string()))
        })
        .collect()
}

/// Serialises tables: `T` records (three `title`, `values` pairs plus definition) each
/// followed by its `W` rows (four `title`, `values` pairs).
pub(crate) fn write(info: &ReleaseInfo, tables: &[Table]) -> Result<Vec<u8>> {
    let mut w = PackWriter::new(KIND);
    let mut valid = FxHashSet::default();
    for t in tables {
        let head: String = t
            .head
            .iter()
            .filter_map(|a| a.values.first().map(|v| v.0))
            .collect();
        for row in &t.rows {
            expand(&head, row, &mut valid);
        }
    }
    w.record(&[
        "REL",
        &info.name,
        &info.effective_from.to_string(),
        &info.source,
        &valid.len().to_string(),
    ]);
    for t in tables {
        let mut f: Vec<String> = vec!["T".into()];
        for a in &t.head {
            f.push(a.title.clone());
            f.push(join_values(&a.values));
        }
        f.push(t.definition.clone().unwrap_or_default());
        w.record(&f.iter().map(String::as_str).collect::<Vec<_>>());
        for r in &t.rows {
            let mut f: Vec<String> = vec!["W".into()];
            for a in r {
                f.push(a.title.clone());
                f.push(join_values(&a.values));
            }
            w.record(&f.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
    w.finish()
}

/// Loads processed PCS tables.
pub(crate) fn read(path: &Path, text: &str, origin: Origin) -> Result<PcsRelease> {
    let recs = packfile::parse(path, text, KIND)?;
    let mut info = None;
    let mut tables: Vec<Table> = Vec::new();
    for r in recs {
        let r = r?;
        let axes = |n: usize| -> Result<Vec<Axis>> {
            (0..n)
                .map(|i| {
                    let title = r.get(1 + 2 * i, path)?.to_string();
                    let values = split_values(r.get(2 + 2 * i, path)?)
                        .ok_or_else(|| Error::parse(path, r.line, "malformed axis values"))?;
                    Ok(Axis { title, values })
                })
                .collect()
        };
        match r.get(0, path)? {
            "REL" => {
                info = Some(ReleaseInfo {
                    system: System::Icd10Pcs,
                    name: r.get(1, path)?.to_string(),
                    effective_from: parse_date(r.get(2, path)?)
                        .ok_or_else(|| Error::parse(path, r.line, "REL: bad date"))?,
                    effective_to: None,
                    source: r.get(3, path)?.to_string(),
                    origin: origin.clone(),
                    codes: 0,
                });
            }
            "T" => {
                let head = axes(3)?;
                let def = r.get(7, path)?;
                tables.push(Table {
                    head,
                    definition: (!def.is_empty()).then(|| def.to_string()),
                    rows: Vec::new(),
                });
            }
            "W" => {
                let row = axes(4)?;
                tables
                    .last_mut()
                    .ok_or_else(|| Error::parse(path, r.line, "row before any table"))?
                    .rows
                    .push(row);
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
    Ok(PcsRelease::new(info, tables))
}

/// Builds a release from parsed tables (used by import).
pub(crate) fn from_tables(info: ReleaseInfo, tables: Vec<Table>) -> PcsRelease {
    PcsRelease::new(info, tables)
}

/// Serialises tables built elsewhere (the prep tool's releases derived from order files).
pub fn write_tables(info: &ReleaseInfo, tables: &[Table]) -> Result<Vec<u8>> {
    write(info, tables)
}

/// Labels the nearest tables could not give, by `(code prefix, position)`.
pub type Unlabelled = Vec<(String, usize)>;

/// Tables whose rows allow exactly `codes` (7-character codes, e.g. a CMS order file's
/// billable entries), labelled from `nearest` (a later release's tables).
///
/// Rows: codes are grouped by characters 4-6 with their set of qualifiers, then by 4, 5
/// and the qualifier set with their devices, then by 4 and the device and qualifier sets
/// with their approaches, then by the approach, device and qualifier sets with their body
/// parts; each group is a product, together they cover each code once.
/// Labels: the same table's row value, else the same section and body system's, else the
/// same section's; a value none of them has is labelled `value X` and listed.
pub fn tables_from_codes(codes: &[String], nearest: &[Table]) -> (Vec<Table>, Unlabelled) {
    use std::collections::{BTreeMap, BTreeSet};
    type Set = BTreeSet<u8>;
    let mut by_table: BTreeMap<[u8; 3], BTreeSet<[u8; 4]>> = BTreeMap::new();
    for c in codes {
        let b = c.as_bytes();
        if let [s, y, o, p, a, d, q] = *b {
            by_table.entry([s, y, o]).or_default().insert([p, a, d, q]);
        }
    }
    let head_of = |t: &Table| -> Vec<u8> {
        t.head
            .iter()
            .filter_map(|a| a.values.first().map(|v| v.0 as u8))
            .collect()
    };
    // (prefix length, prefix, axis position) → (axis title, char → label).
    type Labels = (String, FxHashMap<char, String>);
    let mut labels: FxHashMap<(Vec<u8>, usize), Labels> = FxHashMap::default();
    for t in nearest {
        let head = head_of(t);
        for (pos, axis) in t.head.iter().enumerate() {
            let e = labels
                .entry((head.get(..pos).unwrap_or_default().to_vec(), pos))
                .or_insert_with(|| (axis.title.clone(), FxHashMap::default()));
            for (c, l) in &axis.values {
                e.1.entry(*c).or_insert_with(|| l.clone());
            }
        }
        for row in &t.rows {
            for (i, axis) in row.iter().enumerate() {
                for len in [3usize, 2, 1] {
                    let e = labels
                        .entry((head.get(..len).unwrap_or_default().to_vec(), 3 + i))
                        .or_insert_with(|| (axis.title.clone(), FxHashMap::default()));
                    for (c, l) in &axis.values {
                        e.1.entry(*c).or_insert_with(|| l.clone());
                    }
                }
            }
        }
    }
    let definitions: FxHashMap<Vec<u8>, String> = nearest
        .iter()
        .filter_map(|t| Some((head_of(t), t.definition.clone()?)))
        .collect();
    let mut unlabelled = Vec::new();
    let mut axis = |code: &[u8], pos: usize, values: &Set| -> Axis {
        // Axes 1-3 are labelled by the characters before them; 4-7 by the table's, then
        // its section and body system's, then its section's.
        let keys: Vec<Vec<u8>> = if pos < 3 {
            vec![code.get(..pos).unwrap_or_default().to_vec()]
        } else {
            (1..=3)
                .rev()
                .map(|l| code.get(..l).unwrap_or_default().to_vec())
                .collect()
        };
        let found: Vec<&Labels> = keys
            .iter()
            .filter_map(|k| labels.get(&(k.clone(), pos)))
            .collect();
        let title = found
            .first()
            .map_or_else(|| format!("Axis {}", pos + 1), |f| f.0.clone());
        let values = values
            .iter()
            .map(|&b| {
                let c = char::from(b);
                let label = found.iter().find_map(|f| f.1.get(&c).cloned());
                let label = label.unwrap_or_else(|| {
                    let prefix: String = code
                        .get(..pos.min(3))
                        .unwrap_or_default()
                        .iter()
                        .map(|&b| char::from(b))
                        .collect();
                    unlabelled.push((format!("{prefix}:{c}"), pos + 1));
                    format!("value {c}")
                });
                (c, label)
            })
            .collect();
        Axis { title, values }
    };
    let mut tables = Vec::new();
    for (prefix, suffixes) in by_table {
        // Step by step from the qualifier outwards, as described above.
        let mut quals: BTreeMap<[u8; 3], Set> = BTreeMap::new();
        for s in &suffixes {
            quals.entry([s[0], s[1], s[2]]).or_default().insert(s[3]);
        }
        let mut devs: BTreeMap<([u8; 2], Set), Set> = BTreeMap::new();
        for (k, q) in quals {
            devs.entry(([k[0], k[1]], q)).or_default().insert(k[2]);
        }
        let mut apps: BTreeMap<(u8, Set, Set), Set> = BTreeMap::new();
        for ((k, q), d) in devs {
            apps.entry((k[0], d, q)).or_default().insert(k[1]);
        }
        let mut parts: BTreeMap<(Set, Set, Set), Set> = BTreeMap::new();
        for ((p, d, q), a) in apps {
            parts.entry((a, d, q)).or_default().insert(p);
        }
        let mut rows: Vec<(Set, Set, Set, Set)> = parts
            .into_iter()
            .map(|((a, d, q), p)| (p, a, d, q))
            .collect();
        rows.sort();
        let head = (0..3)
            .map(|pos| axis(&prefix, pos, &std::iter::once(prefix[pos]).collect()))
            .collect();
        let rows = rows
            .iter()
            .map(|(p, a, d, q)| {
                [p, a, d, q]
                    .iter()
                    .enumerate()
                    .map(|(i, set)| axis(&prefix, 3 + i, set))
                    .collect()
            })
            .collect();
        tables.push(Table {
            head,
            definition: definitions.get(prefix.as_slice()).cloned(),
            rows,
        });
    }
    (tables, unlabelled)
}
