//! The chain: an intact log verifies, and every kind of tampering is named at the first
//! entry it touches.

use super::*;
use crate::audit::{Action, Channel, Outcome};
use crate::category::DataCategory;
use crate::roles::{Role, RoleSet};
use records::PatientId;
use time::Duration;
use time::macros::datetime;

fn key() -> AuditKey {
    AuditKey::from_bytes(&[7; 32]).unwrap()
}

fn event(n: i64) -> AuditEvent {
    AuditEvent::new(
        datetime!(2026-11-25 10:00 UTC) + Duration::seconds(n),
        "ann",
        Action::Read,
        Channel::Cli,
    )
    .roles(&RoleSet::of(&[Role::Physician]))
    .patient(PatientId(n))
    .record("patient", n)
    .categories(&[DataCategory::Demographics])
}

/// A correctly written log of `n` entries and its head.
fn log(n: i64) -> (Vec<AuditEntry>, Head) {
    let mut entries = Vec::new();
    let mut prev = GENESIS;
    for seq in 1..=n {
        let event = event(seq);
        let mac = seal(&key(), seq, &event, &prev);
        entries.push(AuditEntry { seq, event, mac });
        prev = mac;
    }
    (entries, Head { seq: n, mac: prev })
}

fn check(entries: &[AuditEntry], head: &Head) -> Result<Verified, Tamper> {
    verify(entries, &key(), Some(head))
}

#[test]
fn an_intact_log_verifies() {
    let (entries, head) = log(6);
    let ok = check(&entries, &head).unwrap();
    assert_eq!((ok.entries, ok.head, ok.beyond_head), (6, head, 0));
    assert_eq!(check(&[], &Head::EMPTY).unwrap().entries, 0);
    assert_eq!(verify(&[], &key(), None).unwrap().entries, 0);
}

#[test]
fn a_head_that_lags_is_accepted_and_counted() {
    let (entries, _) = log(6);
    let lagging = Head {
        seq: 4,
        mac: entries[3].mac,
    };
    assert_eq!(check(&entries, &lagging).unwrap().beyond_head, 2);
}

#[test]
fn altered_entries_are_named() {
    let (mut entries, head) = log(6);
    entries[2].event.user = "mallory".into();
    assert_eq!(check(&entries, &head), Err(Tamper::Altered { seq: 3 }));

    let (mut entries, head) = log(6);
    entries[5].event.outcome = Outcome::Denied;
    assert_eq!(check(&entries, &head), Err(Tamper::Altered { seq: 6 }));

    let (mut entries, head) = log(6);
    entries[0].event.reason = Some(String::new());
    assert_eq!(check(&entries, &head), Err(Tamper::Altered { seq: 1 }));
}

#[test]
fn a_different_key_fails_at_the_first_entry() {
    let (entries, head) = log(3);
    let other = AuditKey::from_bytes(&[8; 32]).unwrap();
    assert_eq!(
        verify(&entries, &other, Some(&head)),
        Err(Tamper::Altered { seq: 1 })
    );
}

#[test]
fn deleted_entries_are_named() {
    let (mut entries, head) = log(6);
    entries.remove(2);
    assert_eq!(
        check(&entries, &head),
        Err(Tamper::Deleted { seq: 3, next: 4 })
    );

    let (mut entries, head) = log(6);
    entries.remove(0);
    assert_eq!(
        check(&entries, &head),
        Err(Tamper::Deleted { seq: 1, next: 2 })
    );

    let (mut entries, head) = log(6);
    entries.drain(1..4);
    let error = check(&entries, &head).unwrap_err();
    assert_eq!(error, Tamper::Deleted { seq: 2, next: 5 });
    assert_eq!(
        error.to_string(),
        "entry 2 was deleted: the log goes from entry 1 to entry 5"
    );
}

#[test]
fn a_deletion_hidden_by_renumbering_is_named() {
    let (mut entries, head) = log(6);
    entries.remove(2);
    for (i, e) in entries.iter_mut().enumerate() {
        e.seq = i as i64 + 1;
    }
    assert_eq!(
        check(&entries, &head),
        Err(Tamper::DeletedRenumbered { seq: 3 })
    );
}

#[test]
fn missing_newest_entries_are_caught_by_the_head() {
    let (mut entries, head) = log(6);
    entries.truncate(4);
    assert_eq!(
        check(&entries, &head),
        Err(Tamper::MissingAtEnd { last: 4, head: 6 })
    );
    let (_, head) = log(6);
    assert_eq!(
        check(&[], &head),
        Err(Tamper::MissingAtEnd { last: 0, head: 6 })
    );
}

#[test]
fn reordered_entries_are_named() {
    // Whole rows swapped (contents and MACs move together).
    let (mut entries, head) = log(6);
    let (a, b) = (entries[1].clone(), entries[4].clone());
    entries[1] = AuditEntry { seq: 2, ..b };
    entries[4] = AuditEntry { seq: 5, ..a };
    assert_eq!(
        check(&entries, &head),
        Err(Tamper::Reordered {
            seq: 2,
            written_as: 5
        })
    );

    // Neighbours swapped.
    let (mut entries, head) = log(6);
    let (a, b) = (entries[2].clone(), entries[3].clone());
    entries[2] = AuditEntry { seq: 3, ..b };
    entries[3] = AuditEntry { seq: 4, ..a };
    assert_eq!(
        check(&entries, &head),
        Err(Tamper::Reordered {
            seq: 3,
            written_as: 4
        })
    );

    // Contents swapped, MACs left in place.
    let (mut entries, head) = log(6);
    let (a, b) = (entries[0].event.clone(), entries[3].event.clone());
    entries[0].event = b;
    entries[3].event = a;
    assert_eq!(
        check(&entries, &head),
        Err(Tamper::Reordered {
            seq: 1,
            written_as: 4
        })
    );
}

#[test]
fn inserted_entries_are_named() {
    // In the middle, with the later entries renumbered to make room.
    let (mut entries, head) = log(6);
    let forged = AuditEntry {
        seq: 3,
        event: event(99),
        mac: Mac([1; 32]),
    };
    entries.insert(2, forged);
    for (i, e) in entries.iter_mut().enumerate() {
        e.seq = i as i64 + 1;
    }
    assert_eq!(check(&entries, &head), Err(Tamper::Inserted { seq: 3 }));

    // At the end, after the recorded head.
    let (mut entries, head) = log(6);
    entries.push(AuditEntry {
        seq: 7,
        event: event(7),
        mac: Mac([2; 32]),
    });
    assert_eq!(check(&entries, &head), Err(Tamper::Inserted { seq: 7 }));
}

#[test]
fn head_problems() {
    let (entries, head) = log(3);
    assert_eq!(
        verify(&entries, &key(), None),
        Err(Tamper::NoHead { entries: 3 })
    );
    let wrong = Head {
        seq: 3,
        mac: Mac([9; 32]),
    };
    assert_eq!(
        check(&entries, &wrong),
        Err(Tamper::HeadMismatch { seq: 3 })
    );
    assert_eq!(Head::read(&head.to_text(&key()), &key()), Ok(head));
}

#[test]
fn canonical_encoding_tells_absent_from_empty_and_splits_unambiguously() {
    let base = event(1);
    let mut empty_reason = base.clone();
    empty_reason.reason = Some(String::new());
    assert_ne!(canonical(1, &base), canonical(1, &empty_reason));

    let mut a = base.clone();
    a.source = Some("ab".into());
    a.client = Some("c".into());
    let mut b = base.clone();
    b.source = Some("a".into());
    b.client = Some("bc".into());
    assert_ne!(canonical(1, &a), canonical(1, &b));
    assert_ne!(canonical(1, &base), canonical(2, &base));
}

#[test]
fn instants_are_cut_to_microseconds() {
    let e = AuditEvent::new(
        datetime!(2026-11-25 10:00:00.123456789 +02:00),
        "ann",
        Action::Login,
        Channel::Web,
    );
    assert_eq!(e.at, datetime!(2026-11-25 08:00:00.123456 UTC));
    assert_eq!(e.at.offset(), time::UtcOffset::UTC);
}

#[test]
fn a_sealed_head_reads_back_only_under_its_key() {
    let (_, head) = log(4);
    let text = head.to_text(&key());
    assert_eq!(Head::read(&text, &key()), Ok(head));
    let other = AuditKey::from_bytes(&[8; 32]).unwrap();
    assert!(matches!(
        Head::read(&text, &other),
        Err(Tamper::HeadForged { .. })
    ));
}

/// The attack the seal stops: delete the newest rows, then write a head naming the new
/// last row with its MAC copied from the table, in either format.
#[test]
fn a_head_built_from_a_row_mac_is_not_authentic() {
    let (entries, _) = log(4);
    let row = &entries[2];
    let unsigned = format!("chartroom-audit-head 1\nseq {}\nmac {}\n", row.seq, row.mac);
    assert_eq!(
        Head::read(&unsigned, &key()),
        Err(Tamper::HeadUnsigned { seq: 3 })
    );
    let copied_seal = format!(
        "chartroom-audit-head 2\nseq {}\nmac {}\nseal {}\n",
        row.seq, row.mac, row.mac
    );
    let forged = Head::read(&copied_seal, &key()).unwrap_err();
    assert_eq!(
        forged.to_string(),
        "the head recorded outside the database is not authentic (its seal does not match the audit key), so deleted newest entries cannot be ruled out"
    );
    // Changing the number of a sealed head breaks the seal too.
    let (_, head) = log(3);
    let moved = head.to_text(&key()).replace("seq 3", "seq 2");
    assert!(matches!(
        Head::read(&moved, &key()),
        Err(Tamper::HeadForged { .. })
    ));
}

#[test]
fn a_garbled_head_names_the_line() {
    for (text, expected) in [
        ("", "the first line is not"),
        ("chartroom-audit-head 2\nseq x\n", "line 2"),
        ("chartroom-audit-head 2\nseq 1\nmac 12\n", "line 3"),
        (
            "chartroom-audit-head 2\nseq 1\nmac 0000000000000000000000000000000000000000000000000000000000000000\n",
            "line 4",
        ),
    ] {
        let error = Head::read(text, &key()).unwrap_err().to_string();
        assert!(error.contains(expected), "{text:?}: {error}");
    }
}

fn anchor(head: Head) -> Anchor {
    Anchor {
        head,
        at: datetime!(2026-12-04 18:00 UTC),
    }
}

fn walk_with_anchors(
    entries: &[AuditEntry],
    head: Option<&Head>,
    anchors: &[Anchor],
) -> Result<Verified, Tamper> {
    let key = key();
    let mut walk = ChainWalk::new(&key, head).with_anchors(anchors);
    walk.feed(entries, entries.len())?;
    walk.finish()
}

#[test]
fn anchor_lines_read_back_only_under_their_key_and_unchanged() {
    let (_, head) = log(5);
    let line = anchor(head).to_line(&key());
    assert!(
        line.starts_with("chartroom-audit-anchor-1 seq=5 mac="),
        "{line}"
    );
    let text = format!("{line}\n\n{}\n", anchor(Head::EMPTY).to_line(&key()));
    assert_eq!(
        read_anchors(&text, &key()),
        Ok(vec![anchor(head), anchor(Head::EMPTY)])
    );
    let other = AuditKey::from_bytes(&[8; 32]).unwrap();
    assert_eq!(
        read_anchors(&text, &other).unwrap_err().to_string(),
        "line 1 of the audit anchor file is not authentic (its seal does not match the audit key)"
    );
    // The seal covers the number, the time and the MAC, and a head seal is no anchor seal.
    let moved = line.replace("seq=5", "seq=4");
    let later = line.replace("2026-12-04T18:00:00Z", "2026-12-04T19:00:00Z");
    for forged in [moved, later] {
        assert!(matches!(
            read_anchors(&forged, &key()),
            Err(Tamper::AnchorForged { line: 1, .. })
        ));
    }
    let head_text = head.to_text(&key());
    let head_seal = head_text
        .lines()
        .nth(3)
        .unwrap()
        .strip_prefix("seal ")
        .unwrap();
    let borrowed = format!(
        "chartroom-audit-anchor-1 seq=5 mac={} at=2026-12-04T18:00:00Z seal={head_seal}",
        head.mac
    );
    assert!(read_anchors(&borrowed, &key()).is_err());
    for (garbage, reason) in [
        (
            "hello",
            "it does not start with \"chartroom-audit-anchor-1\"",
        ),
        (
            "chartroom-audit-anchor-1 seq=x",
            "seq \"x\" is not an entry number",
        ),
        (
            "chartroom-audit-anchor-1 seq=1 mac=zz",
            "mac is not 64 hex digits",
        ),
        (
            "chartroom-audit-anchor-1 mac=1",
            "\"seq=\" is missing or out of place",
        ),
    ] {
        assert_eq!(
            read_anchors(&format!("{line}\n{garbage}"), &key()),
            Err(Tamper::AnchorForged {
                line: 2,
                reason: reason.into()
            })
        );
    }
}

/// The attack the anchor stops: cut the newest entries and put back the head file of
/// an earlier moment (authentic, so the head alone cannot tell).
#[test]
fn an_anchor_catches_a_cut_hidden_by_an_older_head() {
    let (entries, head) = log(8);
    let old_head = Head {
        seq: 5,
        mac: entries[4].mac,
    };
    let anchors = [anchor(old_head), anchor(head)];
    let ok = walk_with_anchors(&entries, Some(&head), &anchors).unwrap();
    assert_eq!((ok.entries, ok.anchored), (8, 2));
    let cut = &entries[..5];
    assert!(check(cut, &old_head).is_ok());
    assert_eq!(
        walk_with_anchors(cut, Some(&old_head), &anchors),
        Err(Tamper::AnchoredMissingAtEnd {
            last: 5,
            anchored: 8
        })
    );
    assert_eq!(
        walk_with_anchors(&[], None, &anchors)
            .unwrap_err()
            .to_string(),
        "entries are missing at the end: the log ends at entry 0, but entry 8 was anchored outside the host"
    );
}

/// Rewritten by someone holding the key: a different but authentic chain from entry 3.
#[test]
fn an_anchor_catches_a_chain_rewritten_with_the_key() {
    let (entries, _) = log(6);
    let anchors = [anchor(Head {
        seq: 4,
        mac: entries[3].mac,
    })];
    let mut rewritten = entries[..2].to_vec();
    let mut prev = rewritten[1].mac;
    for seq in 3..=7 {
        let event = event(seq + 100);
        let mac = seal(&key(), seq, &event, &prev);
        rewritten.push(AuditEntry { seq, event, mac });
        prev = mac;
    }
    let new_head = Head { seq: 7, mac: prev };
    assert!(check(&rewritten, &new_head).is_ok());
    assert_eq!(
        walk_with_anchors(&rewritten, Some(&new_head), &anchors),
        Err(Tamper::AnchorMismatch { seq: 4 })
    );
    // A walk resumed after a checkpoint leaves the anchors before it to the full check.
    let from = Head {
        seq: 5,
        mac: rewritten[4].mac,
    };
    let key = key();
    let mut walk = ChainWalk::resume(&key, Some(&new_head), &from).with_anchors(&anchors);
    walk.feed(&rewritten[5..], 2).unwrap();
    assert_eq!(walk.finish().unwrap().anchored, 0);
}

/// Entries without a patient list encode as before the list existed (layout 1), so old
/// chains verify; a list changes the layout, and the MAC covers every id in it.
#[test]
fn a_patient_list_is_sealed_without_changing_old_entries() {
    assert_eq!(
        seal(&key(), 1, &event(1), &GENESIS).to_hex(),
        GOLDEN_LAYOUT_1,
        "layout 1 must never change: written logs would stop verifying"
    );
    let listed = event(2).patients(&[PatientId(9), PatientId(3), PatientId(9)]);
    assert_eq!(listed.patients, vec![PatientId(3), PatientId(9)]);
    let one = event(1).patients(&[PatientId(4), PatientId(4)]);
    assert_eq!(
        (one.patient_id, one.patients.len()),
        (Some(PatientId(4)), 0)
    );
    assert_ne!(canonical(2, &listed), canonical(2, &event(2)));

    let mut entries = Vec::new();
    let mut prev = GENESIS;
    for seq in 1..=3 {
        let event = if seq == 2 { listed.clone() } else { event(seq) };
        let mac = seal(&key(), seq, &event, &prev);
        entries.push(AuditEntry { seq, event, mac });
        prev = mac;
    }
    let head = Head { seq: 3, mac: prev };
    assert!(check(&entries, &head).is_ok());
    for change in [
        vec![PatientId(3)],
        vec![PatientId(3), PatientId(9), PatientId(10)],
        vec![],
    ] {
        let mut changed = entries.clone();
        changed[1].event.patients = change;
        assert_eq!(check(&changed, &head), Err(Tamper::Altered { seq: 2 }));
    }
}

/// The MAC of `event(1)` as entry 1 under `key()`, computed when layout 2 was added.
const GOLDEN_LAYOUT_1: &str = "f4bb675abe579ac7b160362f1fb682504164fd5102de76b1f3d2c427b7d9226f";

/// Entries with writes take layout 3; entries without keep layouts 1 and 2 byte for byte
/// (a log written before writes existed still verifies), and the MAC covers the writes'
/// text, so removing, adding or editing a write is an altered entry.
#[test]
fn writes_are_sealed_without_changing_earlier_layouts() {
    let listed = event(1).patients(&[PatientId(3), PatientId(9)]);
    assert_eq!(
        seal(&key(), 1, &listed, &GENESIS).to_hex(),
        GOLDEN_LAYOUT_2,
        "layout 2 must never change: written logs would stop verifying"
    );
    assert_eq!(
        seal(&key(), 1, &event(1), &GENESIS).to_hex(),
        GOLDEN_LAYOUT_1
    );
    let written = event(2).writes(Some(r#"[{"action":"update","history":7}]"#.into()));
    assert!(canonical(2, &written).starts_with(&canonical_magic(b"chartroom-audit-entry 3")));
    // Writes with an empty text still differ from no writes at all.
    assert_ne!(
        canonical(2, &event(2).writes(Some(String::new()))),
        canonical(2, &event(2))
    );
    let mut entries = Vec::new();
    let mut prev = GENESIS;
    for seq in 1..=3 {
        let event = if seq == 2 {
            written.clone()
        } else {
            event(seq)
        };
        let mac = seal(&key(), seq, &event, &prev);
        entries.push(AuditEntry { seq, event, mac });
        prev = mac;
    }
    let head = Head { seq: 3, mac: prev };
    assert!(check(&entries, &head).is_ok());
    for change in [
        None,
        Some(r#"[{"action":"update","history":8}]"#.to_owned()),
    ] {
        let mut changed = entries.clone();
        changed[1].event.writes = change;
        assert_eq!(check(&changed, &head), Err(Tamper::Altered { seq: 2 }));
    }
}

fn canonical_magic(magic: &[u8]) -> Vec<u8> {
    let mut out = (magic.len() as u64).to_be_bytes().to_vec();
    out.extend_from_slice(magic);
    out
}

/// The MAC of `event(1)` listing patients 3 and 9 as entry 1 under `key()`, computed when
/// layout 3 was added.
const GOLDEN_LAYOUT_2: &str = "5a7c48c9b6eb760e32b1ed09bf85667728db4b28a5f7ac925a00cc2f665bf146";
