//! The listener over loopback: many messages on one connection, ACK after commit, a
//! bad message answered AE, junk skipped, an oversized frame answered AR and closed.

use crate::samples::{self, cr};
use hl7::listener::{Config, serve};
use hl7::mllp::{Decoder, encode};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

struct Started {
    addr: std::net::SocketAddr,
    store: Arc<store::Store>,
    trail: Arc<store::AuditTrail>,
    _dir: tempfile::TempDir,
}

/// A listener whose store and audit directory live as long as the returned value.
fn started(config: Config) -> Started {
    let clock = Arc::new(store::FixedClock::new(test_support::test_epoch()));
    let store = Arc::new(store::Store::open(&store::Location::Memory, clock).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let trail = Arc::new(store::AuditTrail::open_or_create(dir.path()).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (served, served_trail) = (Arc::clone(&store), Arc::clone(&trail));
    std::thread::spawn(move || serve(&listener, served, served_trail, &config));
    Started {
        addr,
        store,
        trail,
        _dir: dir,
    }
}

fn read_ack(stream: &mut TcpStream, decoder: &mut Decoder, buf: &mut Vec<u8>) -> Option<String> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(frame) = decoder.decode(buf).unwrap() {
            return Some(String::from_utf8(frame).unwrap());
        }
        let n = stream.read(&mut chunk).unwrap();
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[test]
fn many_messages_on_one_connection() {
    let server = started(Config {
        log_messages: false,
        ..Config::default()
    });
    let addr = server.addr;
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut out = b"junk before any frame".to_vec();
    for text in [samples::A01, samples::ORU, samples::BAD_A01, samples::VXU] {
        encode(cr(text).as_bytes(), &mut out);
    }
    // Written in odd-sized pieces, so frames arrive split.
    for piece in out.chunks(7) {
        stream.write_all(piece).unwrap();
    }
    let mut decoder = Decoder::new(1 << 20);
    let mut buf = Vec::new();
    let codes: Vec<String> = (0..4)
        .map(|_| {
            let ack = read_ack(&mut stream, &mut decoder, &mut buf).unwrap();
            ack.split('\r').nth(1).unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        codes,
        [
            "MSA|AA|C-A01",
            "MSA|AA|C-ORU",
            "MSA|AE|C-BAD",
            "MSA|AA|45646ug"
        ]
    );
}

#[test]
fn oversized_frame_gets_ar_and_close() {
    let server = started(Config {
        max_frame: 64,
        log_messages: false,
        ..Config::default()
    });
    let addr = server.addr;
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut out = Vec::new();
    encode(cr(samples::A01).as_bytes(), &mut out);
    stream.write_all(&out).unwrap();
    let mut decoder = Decoder::new(1 << 20);
    let mut buf = Vec::new();
    let ack = read_ack(&mut stream, &mut decoder, &mut buf).unwrap();
    assert!(ack.contains("\rMSA|AR\r"), "{ack}");
    assert!(ack.contains("mllp: frame exceeds 64 bytes"), "{ack}");
    assert_eq!(read_ack(&mut stream, &mut decoder, &mut buf), None);
}

#[test]
fn every_stored_message_is_audited_on_the_hl7_channel() {
    let s = started(Config {
        log_messages: false,
        ..Config::default()
    });
    let mut stream = TcpStream::connect(s.addr).unwrap();
    let mut out = Vec::new();
    for text in [samples::A01, samples::BAD_A01, samples::VXU] {
        encode(cr(text).as_bytes(), &mut out);
    }
    stream.write_all(&out).unwrap();
    let (mut decoder, mut buf) = (Decoder::new(1 << 20), Vec::new());
    for _ in 0..3 {
        read_ack(&mut stream, &mut decoder, &mut buf).unwrap();
    }
    let entries = s
        .store
        .audit_entries(&store::AuditFilter::default())
        .unwrap();
    let hl7: Vec<_> = entries
        .iter()
        .filter(|e| e.event.channel == privacy::Channel::Hl7)
        .collect();
    // Issue 10: the refused message is audited too, as a failure naming its sender and
    // positions only; every entry's user is the sender (MSH-3^MSH-4), not the listener.
    assert_eq!(hl7.len(), 3, "{hl7:?}");
    let (stored, refused): (Vec<&&privacy::AuditEntry>, Vec<_>) = hl7
        .iter()
        .partition(|e| e.event.outcome == privacy::Outcome::Success);
    assert_eq!((stored.len(), refused.len()), (2, 1));
    assert!(stored.iter().all(|e| e.event.patient_id.is_some()));
    let users: Vec<&str> = hl7.iter().map(|e| e.event.user.as_str()).collect();
    assert_eq!(users, ["hl7:EHR^NORTH", "hl7:EHR^NORTH", "hl7:MYEHR^DCS"]);
    let refusal = &refused[0].event;
    assert_eq!(
        (refusal.outcome, refusal.action, refusal.patient_id),
        (privacy::Outcome::Failure, privacy::Action::Create, None)
    );
    let reason = refusal.reason.as_deref().unwrap();
    assert!(
        reason.starts_with("HL7 ADT^A01 C-BAD from EHR^NORTH answered AE, nothing stored: PID-7")
            && !reason.contains("20241345"),
        "{reason}"
    );
    assert!(
        stored[0]
            .event
            .reason
            .as_deref()
            .unwrap()
            .starts_with("HL7 ADT^A01 C-A01 from EHR^NORTH")
    );
    assert!(
        stored[1]
            .event
            .categories
            .contains(&privacy::DataCategory::Immunizations)
    );
    assert!(
        hl7.iter()
            .all(|e| e.event.source.as_deref().unwrap().starts_with("127.0.0.1"))
    );
    // What each stored message wrote is sealed in its entry: the A01's patient and
    // encounter with their values and the encounter's admission time, the VXU's
    // immunization with when it was given; the refusal wrote nothing.
    let writes = |e: &privacy::AuditEntry| e.event.writes.clone().unwrap_or_default();
    let admitted = writes(stored[0]);
    for expected in [
        r#""action":"create","kind":"patient""#,
        r#""action":"create","kind":"encounter""#,
        r#""clinical_at":"#,
        r#""sha256":"#,
    ] {
        assert!(admitted.contains(expected), "{expected} in {admitted}");
    }
    assert!(writes(stored[1]).contains(r#""kind":"immunization""#));
    assert_eq!(refusal.writes, None);
    assert!(s.trail.verify(&s.store).unwrap().is_ok());
}

/// `Config::senders`: a message from a sender not on the list is answered AR at MSH-3,
/// stores nothing and is audited as denied; listed senders go through (case ignored).
#[test]
fn an_unknown_sender_is_answered_ar_and_audited() {
    let s = started(Config {
        log_messages: false,
        senders: hl7::Senders::only(&["lab^north"]).unwrap(),
        ..Config::default()
    });
    let mut stream = TcpStream::connect(s.addr).unwrap();
    let mut out = Vec::new();
    for text in [samples::A01, samples::ORU] {
        encode(cr(text).as_bytes(), &mut out);
    }
    stream.write_all(&out).unwrap();
    let (mut decoder, mut buf) = (Decoder::new(1 << 20), Vec::new());
    let refused = read_ack(&mut stream, &mut decoder, &mut buf).unwrap();
    let accepted = read_ack(&mut stream, &mut decoder, &mut buf).unwrap();
    assert!(refused.contains("MSA|AR|C-A01"), "{refused}");
    assert!(
        refused.contains("ERR||MSH^1^3^1^1|103^")
            && refused.contains(
                "sending application EHR of facility NORTH (MSH-3, MSH-4) is not accepted here"
            ),
        "{refused}"
    );
    assert!(accepted.contains("MSA|AA|C-ORU"), "{accepted}");
    let entries = s
        .store
        .audit_entries(&store::AuditFilter::default())
        .unwrap();
    let denied: Vec<_> = entries
        .iter()
        .filter(|e| e.event.outcome == privacy::Outcome::Denied)
        .collect();
    assert_eq!(denied.len(), 1, "{entries:?}");
    assert_eq!(denied[0].event.user, "hl7:EHR^NORTH");
    assert_eq!(denied[0].event.channel, privacy::Channel::Hl7);
    assert!(
        entries.iter().any(
            |e| e.event.user == "hl7:LAB^NORTH" && e.event.outcome == privacy::Outcome::Success
        )
    );
    let patients = s
        .store
        .read(|tx| tx.query("SELECT CAST(COUNT(*) AS BIGINT) FROM patients", &[]))
        .unwrap();
    assert_eq!(patients[0].int(0), 1, "only the lab's patient");
    assert!(hl7::Senders::only(&["EHR"]).is_err());
}

/// Connections sending at once share commits: every message still gets its own answer,
/// each good one is stored and audited exactly once, and the audit chain verifies.
#[test]
fn concurrent_connections_are_each_answered_and_stored_once() {
    let Started {
        addr, store, trail, ..
    } = &started(Config {
        log_messages: false,
        ..Config::default()
    });
    let addr = *addr;
    let (connections, each) = (6, 40);
    let senders: Vec<_> = (0..connections)
        .map(|c| {
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).unwrap();
                let (mut decoder, mut buf) = (Decoder::new(1 << 20), Vec::new());
                let mut answers = Vec::new();
                for i in 0..each {
                    // Every tenth has an impossible birth date: answered AE, stores nothing.
                    let birth = if i % 10 == 9 { "19801345" } else { "19800412" };
                    let text = format!(
                        "MSH|^~\\&|EHR|NORTH|CHARTROOM|CR|20260301090000-0500||ADT^A04^ADT_A01|C{c}-{i}|P|2.5.1\r\
                         PID|1||M{c}-{i}^^^NORTH^MR||Family{c}^Given{i}||{birth}|F\r\
                         PV1|1|O\r"
                    );
                    let mut out = Vec::new();
                    encode(text.as_bytes(), &mut out);
                    stream.write_all(&out).unwrap();
                    let ack = read_ack(&mut stream, &mut decoder, &mut buf).unwrap();
                    answers.push(ack.split('\r').nth(1).unwrap().to_owned());
                }
                answers
            })
        })
        .collect();
    for (c, sender) in senders.into_iter().enumerate() {
        let answers = sender.join().unwrap();
        for (i, answer) in answers.iter().enumerate() {
            let code = if i % 10 == 9 { "AE" } else { "AA" };
            assert_eq!(answer, &format!("MSA|{code}|C{c}-{i}"));
        }
    }
    let good = connections * (each - each / 10);
    let stored = store
        .read(|tx| tx.query("SELECT CAST(COUNT(*) AS BIGINT) FROM patients", &[]))
        .unwrap()[0]
        .int(0);
    assert_eq!(stored, good as i64);
    // Every message is one entry: stored ones a success, refused ones a failure.
    let all = connections * each;
    assert_eq!(store.audit_count().unwrap(), all as i64);
    let failures = store
        .audit_entries(&store::AuditFilter {
            outcome: Some(privacy::Outcome::Failure),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(failures.len(), all - good);
    assert_eq!(
        trail.verify(store).unwrap().map(|v| v.entries),
        Ok(all as u64)
    );
}
