//! Parsers for the publishers' flat files: the CMS HCPCS fixed-width annual file, the CDC
//! CVX table (JSON export or the CDC pipe-delimited download) and a licensed CPT
//! tab-separated file.
//!
//! Each parser names the file and line of the first thing it cannot use and returns nothing
//! partial, so a bad import never replaces a good release.

use std::path::Path;

use time::Date;

use crate::error::{Error, Result};
use crate::release::parse_date;
use crate::simple::{Entry, EntryKind};

/// Parses the HCPCS Level II record layout (`HCPC20xx_recordlayout.txt`): code 1-5, modifier
/// 4-5, record id 11 (3 code, 4 code continuation, 7 modifier, 8 modifier continuation),
/// long description 12-91, short 92-119, added 269-276, action effective 277-284,
/// termination 285-292, action code 293.
pub fn parse_hcpcs(path: &Path, text: &str) -> Result<Vec<Entry>> {
    let mut out: Vec<Entry> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if !line.is_ascii() {
            return Err(Error::parse(path, line_no, "record is not ASCII"));
        }
        let col = |a: usize, b: usize| line.get(a - 1..b.min(line.len())).unwrap_or("").trim();
        let ric = col(11, 11);
        match ric {
            "3" | "7" => {
                if line.len() < 293 {
                    return Err(Error::parse(
                        path,
                        line_no,
                        format!(
                            "record is {} characters, expected 320 (truncated?)",
                            line.len()
                        ),
                    ));
                }
                let date = |a: usize, b: usize| -> Result<Option<Date>> {
                    let s = col(a, b);
                    if s.is_empty() {
                        return Ok(None);
                    }
                    parse_date(s).map(Some).ok_or_else(|| {
                        Error::parse(
                            path,
                            line_no,
                            format!("columns {a}-{b}: {s:?} is not a date"),
                        )
                    })
                };
                let (kind, code) = if ric == "3" {
                    (EntryKind::Code, col(1, 5))
                } else {
                    (EntryKind::Modifier, col(4, 5))
                };
                if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(Error::parse(
                        path,
                        line_no,
                        format!("{code:?} is not a HCPCS code"),
                    ));
                }
                out.push(Entry {
                    code: code.to_string(),
                    kind,
                    short: col(92, 119).to_string(),
                    long: col(12, 91).to_string(),
                    added: date(269, 276)?,
                    action_effective: date(277, 284)?,
                    terminated: date(285, 292)?,
                    status: col(293, 293).to_string(),
                    is_influenza: false,
                    non_vaccine: false,
                });
            }
            "4" | "8" => {
                let more = col(12, 91);
                let last = out.last_mut().ok_or_else(|| {
                    Error::parse(path, line_no, "continuation record before any code")
                })?;
                if !more.is_empty() {
                    last.long.push(' ');
                    last.long.push_str(more);
                }
            }
            other => {
                return Err(Error::parse(
                    path,
                    line_no,
                    format!("record identification {other:?} in column 11, expected 3, 4, 7 or 8"),
                ));
            }
        }
    }
    if out.is_empty() {
        return Err(Error::parse(path, 0, "no HCPCS records"));
    }
    Ok(out)
}

/// CVX codes that are influenza vaccines whatever their description says (CDC's influenza
/// value set); others are found by the word "influenza" in the description.
const FLU_CVX: [&str; 9] = [
    "140", "141", "150", "155", "158", "185", "186", "197", "205",
];

/// Is this CVX an influenza vaccine? The word must be "influenza" itself: "Haemophilus
/// influenzae" (Hib) is a bacterium, not the flu.
pub fn cvx_is_influenza(code: &str, description: &str, non_vaccine: bool) -> bool {
    if FLU_CVX.contains(&code) {
        return true;
    }
    if non_vaccine {
        return false;
    }
    let d = description.to_ascii_lowercase();
    d.match_indices("influenza")
        .any(|(i, _)| !d[i + "influenza".len()..].starts_with('e'))
}

/// Parses CVX, either the CDC pipe-delimited table (`cvx|short|full|notes|status|nonvaccine|
/// updated`) or the OBO-graph JSON export we were given.
pub fn parse_cvx(path: &Path, text: &str) -> Result<Vec<Entry>> {
    if text.trim_start().starts_with('{') {
        return parse_cvx_json(path, text);
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split('|').map(str::trim).collect();
        if line.trim().is_empty() {
            continue;
        }
        if f.len() < 6 {
            return Err(Error::parse(
                path,
                i + 1,
                format!("expected 7 '|'-separated fields, found {}", f.len()),
            ));
        }
        let code = f.first().copied().unwrap_or_default();
        if !code.chars().all(|c| c.is_ascii_digit()) || code.is_empty() {
            return Err(Error::parse(
                path,
                i + 1,
                format!("{code:?} is not a CVX code"),
            ));
        }
        let non_vaccine = f.get(5).is_some_and(|s| s.eq_ignore_ascii_case("true"));
        let long = f.get(2).copied().unwrap_or_default().to_string();
        out.push(Entry {
            is_influenza: cvx_is_influenza(code, &long, non_vaccine),
            code: code.to_string(),
            kind: EntryKind::Code,
            short: f.get(1).copied().unwrap_or_default().to_string(),
            long,
            added: None,
            action_effective: None,
            terminated: None,
            status: f.get(4).copied().unwrap_or_default().to_string(),
            non_vaccine,
        });
    }
    if out.is_empty() {
        return Err(Error::parse(path, 0, "no CVX codes"));
    }
    Ok(out)
}

fn parse_cvx_json(path: &Path, text: &str) -> Result<Vec<Entry>> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::parse(path, e.line(), format!("CVX JSON: {e}")))?;
    let nodes = v
        .pointer("/graphs/0/nodes")
        .and_then(|n| n.as_array())
        .ok_or_else(|| Error::parse(path, 0, "CVX JSON: no graphs[0].nodes"))?;
    let mut out = Vec::new();
    for n in nodes {
        let Some(code) = n
            .get("id")
            .and_then(|i| i.as_str())
            .and_then(|i| i.rsplit('/').next())
            .filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit()))
        else {
            continue;
        };
        let prop = |name: &str| -> Option<String> {
            n.pointer("/meta/basicPropertyValues")?
                .as_array()?
                .iter()
                .find(|p| {
                    p.get("pred")
                        .and_then(|x| x.as_str())
                        .is_some_and(|s| s.ends_with(name))
                })
                .and_then(|p| p.get("val")?.as_str().map(str::to_string))
        };
        let long = n
            .get("lbl")
            .and_then(|l| l.as_str())
            .unwrap_or_default()
            .to_string();
        let short = n
            .pointer("/meta/synonyms/0/val")
            .and_then(|s| s.as_str())
            .unwrap_or_default()
            .to_string();
        let non_vaccine = prop("#nonvaccine").as_deref() == Some("true");
        out.push(Entry {
            is_influenza: cvx_is_influenza(code, &long, non_vaccine),
            code: code.to_string(),
            kind: EntryKind::Code,
            short,
            long,
            added: None,
            action_effective: None,
            terminated: None,
            status: prop("#status").unwrap_or_default(),
            non_vaccine,
        });
    }
    if out.is_empty() {
        return Err(Error::parse(path, 0, "no CVX codes"));
    }
    Ok(out)
}

/// Parses a licensed CPT file: `code<TAB>description[<TAB>…]` per line; a first line whose
/// code is not five characters is taken as a header.
pub fn parse_cpt(path: &Path, text: &str) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut f = line.split('\t');
        let code = f.next().unwrap_or_default().trim();
        let desc = f.next().unwrap_or_default().trim();
        let well_formed = code.len() == 5 && code.chars().all(|c| c.is_ascii_alphanumeric());
        if !well_formed {
            if i == 0 {
                continue;
            }
            return Err(Error::parse(
                path,
                i + 1,
                format!("{code:?} is not a 5-character CPT code"),
            ));
        }
        if desc.is_empty() {
            return Err(Error::parse(
                path,
                i + 1,
                format!("code {code} has no description (expected code<TAB>description)"),
            ));
        }
        out.push(Entry::new(
            &code.to_ascii_uppercase(),
            EntryKind::Code,
            desc,
        ));
    }
    if out.is_empty() {
        return Err(Error::parse(path, 0, "no CPT codes"));
    }
    Ok(out)
}
