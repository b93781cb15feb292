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
