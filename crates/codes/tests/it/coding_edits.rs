//! Every Excludes1 pair, `code first` note and 7th-character rule of the FY2026 Tabular
//! List is enforced by the coding edits: counted against the release.

use super::{d, sets};
use codes::cm::{NodeKind, NoteKind};
use codes::{CmRelease, Patient};

/// The first billable code at or below `idx`.
fn billable_at(r: &CmRelease, idx: u32) -> Option<String> {
    let n = r.node(idx)?;
    if n.billable {
        return Some(n.display_code());
    }
    r.billable_descendants(idx)
        .first()
        .and_then(|&b| r.node(b))
        .map(|b| b.display_code())
}

fn rules(codes: &[&str]) -> Vec<&'static str> {
    sets()
        .coding_edits(codes, d("2026-01-15"), &Patient::default())
        .unwrap()
        .into_iter()
        .map(|e| e.rule)
        .collect()
}

#[test]
fn every_excludes1_pair_code_first_note_and_seventh_character_is_enforced() {
    let r = sets().icd10cm(d("2026-01-15")).unwrap();
    let (mut ex_pairs, mut ex_enforced) = (0usize, 0usize);
    let (mut cf_notes, mut cf_enforced) = (0usize, 0usize);
    let (mut seventh, mut seventh_enforced) = (0usize, 0usize);
    for (i, n) in r.nodes().iter().enumerate() {
        let i = i as u32;
        if !matches!(n.kind, NodeKind::Category | NodeKind::Code) {
            continue;
        }
        let Some(a) = billable_at(r, i) else { continue };
        let mut seen_code_first = false;
        for note in &n.notes {
            match note.kind {
                NoteKind::Excludes1 => {
                    for piece in note.text.split([',', ';', '(', ')', ' ']) {
                        let piece = piece
                            .trim_end_matches(['.', '-'])
                            .trim_end_matches(['.', '-']);
                        let lo = piece.split('-').next().unwrap_or("");
                        let Some(bi) = r.find(lo) else { continue };
                        if !matches!(
                            r.node(bi).unwrap().kind,
                            NodeKind::Category | NodeKind::Code
                        ) {
                            continue;
                        }
                        // "(S92.- with 7th character B)": a code with that 7th character.
                        let seventh = note
                            .text
                            .split("7th character ")
                            .nth(1)
                            .and_then(|t| t.chars().next());
                        // "(E08-E13 with .42)": a code with those characters after the dot.
                        let after_dot: Option<String> =
                            note.text.split("with .").nth(1).map(|t| {
                                t.chars().take_while(char::is_ascii_alphanumeric).collect()
                            });
                        let b = match (seventh, after_dot) {
                            (_, Some(dot)) => r
                                .billable_descendants(bi)
                                .into_iter()
                                .filter_map(|x| r.node(x))
                                .find(|x| x.code.get(3..).is_some_and(|t| t.starts_with(&dot)))
                                .map(|x| x.display_code()),
                            (seventh, None) => match seventh {
                                Some(ch) => r
                                    .billable_descendants(bi)
                                    .into_iter()
                                    .filter_map(|x| r.node(x))
                                    .find(|x| x.code.len() == 7 && x.code.ends_with(ch))
                                    .map(|x| x.display_code()),
                                None => billable_at(r, bi),
                            },
                        };
                        let Some(b) = b else { continue };
                        if codes::normalize(&b).starts_with(&n.code) || b == a {
                            continue;
                        }
                        ex_pairs += 1;
                        if rules(&[&a, &b]).contains(&"excludes1-pair") {
                            ex_enforced += 1;
                        } else {
                            println!(
                                "not enforced: {a} + {b} (Excludes1 at {}: {:?})",
                                n.display_code(),
                                note.text
                            );
                        }
                    }
                }
                NoteKind::CodeFirst if n.billable && !seen_code_first => {
                    seen_code_first = true;
                    cf_notes += 1;
                    if rules(&[&a]).contains(&"code-first-missing") {
                        cf_enforced += 1;
                    } else {
                        println!("not enforced: code first at {a}: {}", note.text);
                    }
                }
                _ => {}
            }
        }
        // A code that takes a 7th character, reported without it.
        if !n.billable
            && n.code.len() >= 3
            && !r.seventh_characters(i).is_empty()
            && n.children
                .iter()
                .all(|&c| r.node(c).is_some_and(|c| c.code.len() == 7))
        {
            seventh += 1;
            let e = sets()
                .coding_edits(&[&n.display_code()], d("2026-01-15"), &Patient::default())
                .unwrap();
            if e.iter()
                .any(|e| e.rule == "not-billable" && e.message.contains("7th character"))
            {
                seventh_enforced += 1;
            }
        }
    }
    println!(
        "Excludes1 pairs {ex_enforced}/{ex_pairs}, code first notes {cf_enforced}/{cf_notes}, 7th-character stems {seventh_enforced}/{seventh}"
    );
    assert!(ex_pairs > 1000 && cf_notes > 100 && seventh > 1000);
    assert_eq!(ex_enforced, ex_pairs);
    assert_eq!(seventh_enforced, seventh);
    assert_eq!(cf_enforced, cf_notes);
}

fn inpatient(diagnoses: &[(&str, Option<&str>)]) -> Vec<(&'static str, Vec<String>)> {
    let diagnoses: Vec<codes::ClaimDiagnosis> = diagnoses
        .iter()
        .map(|(c, p)| codes::ClaimDiagnosis {
            code: c.to_string(),
            poa: p.map(str::to_string),
        })
        .collect();
    sets()
        .claim_coding_edits(
            &diagnoses,
            codes::Setting::Inpatient,
            d("2026-01-15"),
            &Patient::default(),
        )
        .unwrap()
        .into_iter()
        .map(|e| (e.rule, e.codes))
        .collect()
}

#[test]
fn poa_indicators_are_required_on_inpatient_claims_unless_exempt() {
    // Z99.89 is on CMS's exempt list; E11.9 is not.
    let found = inpatient(&[("J18.9", Some("Y")), ("E11.9", None), ("Z99.89", None)]);
    assert_eq!(found, [("poa-missing", vec!["E11.9".to_string()])]);
    let found = inpatient(&[("J18.9", Some("X")), ("E11.9", Some("1"))]);
    assert_eq!(
        found.iter().map(|f| f.0).collect::<Vec<_>>(),
        ["poa-invalid", "poa-invalid"]
    );
    // A professional claim carries no POA.
    assert!(
        !rules(&["J18.9", "E11.9"])
            .iter()
            .any(|r| r.starts_with("poa"))
    );
}

#[test]
fn unacceptable_principal_diagnoses_are_flagged_against_the_release_in_force() {
    // Z00.00 (general adult examination) is on MCE v37's list; an external cause never
    // leads; pneumonia may.
    for code in ["Z00.00", "W19.XXXA"] {
        let found = inpatient(&[(code, Some("Y"))]);
        assert!(
            found.iter().any(|f| f.0 == "mce-principal-unacceptable"),
            "{code}: {found:?}"
        );
    }
    assert!(inpatient(&[("J18.9", Some("Y"))]).is_empty());
    // Only the principal diagnosis is checked.
    assert!(
        !inpatient(&[("J18.9", Some("Y")), ("Z00.00", Some("1"))])
            .iter()
            .any(|f| f.0 == "mce-principal-unacceptable")
    );
}

#[test]
fn every_mce_unacceptable_principal_code_of_the_release_is_flagged() {
    // Counted against FY2026: the v37 list's codes still in the release, plus codes created
    // since under subcategories MCE lists whole.
    let r = sets().icd10cm(d("2026-01-15")).unwrap();
    let edits = sets().edits().unwrap();
    let (mut listed, mut flagged, mut by_siblings) = (0usize, 0usize, 0usize);
    // MCE edit 9 lists codes of chapters 18, 20 and 21 (and a few others, each listed):
    // those chapters are walked whole to find codes created since v37.
    for n in
        r.nodes().iter().filter(|n| n.billable).filter(|n| {
            n.code.starts_with(['R', 'Z']) || edits.principal_unacceptable_listed(&n.code)
        })
    {
        let is_listed = edits.principal_unacceptable_listed(&n.code);
        let found = inpatient(&[(&n.display_code(), Some("Y"))])
            .iter()
            .any(|f| f.0 == "mce-principal-unacceptable");
        listed += usize::from(is_listed);
        if found {
            flagged += 1;
            if !is_listed && !n.code.starts_with(['V', 'W', 'X', 'Y']) {
                by_siblings += 1;
            }
        }
        assert!(!is_listed || found, "{} is listed but not flagged", n.code);
    }
    println!(
        "MCE edit 9 on FY2026: {listed} listed codes in the release, {flagged} flagged, {by_siblings} by their subcategory"
    );
    assert!(listed > 2_000, "{listed}");
}
