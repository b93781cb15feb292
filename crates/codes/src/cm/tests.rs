//! Unit tests for the ICD-10-CM model: placeholder X and 7th-character inheritance.

use super::*;
use crate::release::{Origin, System};

#[test]
fn placeholder_x() {
    assert_eq!(with_seventh("S00.00", 'A').as_deref(), Some("S0000XA"));
    assert_eq!(with_seventh("T36.0X1", 'D').as_deref(), Some("T360X1D"));
    assert_eq!(with_seventh("S0000XA", 'D'), None);
    assert_eq!(with_seventh("S32.1", 'a').as_deref(), Some("S321XXA"));
}

#[test]
fn seventh_inherited_from_ancestor() {
    let node = |code: &str, kind, parent: Option<u32>| Node {
        code: code.into(),
        kind,
        title: code.into(),
        billable: false,
        parent,
        children: Vec::new(),
        notes: Vec::new(),
        seventh: Vec::new(),
    };
    let mut nodes = vec![
        node("19", NodeKind::Chapter, None),
        node("S00-S09", NodeKind::Block, Some(0)),
        node("S00", NodeKind::Category, Some(1)),
        node("S000", NodeKind::Code, Some(2)),
        node("S000XXA", NodeKind::Code, Some(3)),
    ];
    nodes[2].seventh = vec![('A', "initial encounter".into())];
    let info = crate::release::ReleaseInfo {
        system: System::Icd10Cm,
        name: "T".into(),
        effective_from: time::macros::date!(2025 - 10 - 01),
        effective_to: None,
        source: String::new(),
        origin: Origin::Embedded,
        codes: 0,
    };
    let r = CmRelease::from_nodes(info, nodes);
    let i = r.find("S00.0").unwrap();
    assert_eq!(r.seventh_characters(i).len(), 1);
    assert!(!r.is_billable("S00.0"));
    assert!(r.is_billable("S00.0XXA"));
    assert_eq!(r.billable_descendants(r.find("S00").unwrap()).len(), 1);
    assert_eq!(r.chapter_of(i), Some("19"));
}
