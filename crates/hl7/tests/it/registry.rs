//! The immunization-registry client against a tiny registry in this process: an accepted
//! VXU^V04 is kept with its ACK and enters the accounting of disclosures, a rejected one
//! is not retried and shows the registry's error, and one never answered is retried with
//! the same control id and then left failed with its reason.

use crate::samples::{self, cr};
use hl7::registry::{Registry, Retry, send_vxu};
use hl7::{AckCode, Problem, build_ack, parse, process_bytes};
use records::{Disclosure, Patient};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::thread::JoinHandle;
use std::time::Duration;
use store::{Actor, AuditFilter, Value};
use test_support::TestStore;

/// What the registry does with one connection's message.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// ACK with this code; an error one carries an ERR segment.
    Ack(AckCode),
    /// Reads the message and closes the connection without a word.
    Drop,
    /// Answers with this whole message (an RSP^K11, `{control}` standing for the query's
    /// control id, lines ended by LF).
    Text(&'static str),
}

/// One MLLP frame's payload read from `stream`.
pub fn read_frame(stream: &mut std::net::TcpStream) -> Vec<u8> {
    let mut decoder = hl7::mllp::Decoder::new(hl7::mllp::DEFAULT_MAX_FRAME);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(payload) = decoder.decode(&mut buf).unwrap() {
            return payload;
        }
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "the sender closed early");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A registry on a loopback port taking one connection per answer in `script`; its
/// thread returns the messages it read.
pub fn registry(script: Vec<Answer>) -> (SocketAddr, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let mut received = Vec::new();
        for answer in script {
            let (mut stream, _) = listener.accept().unwrap();
            let payload = read_frame(&mut stream);
            let text = String::from_utf8(payload).unwrap();
            let message = parse(&text).unwrap();
            let now = time::macros::datetime!(2026-03-02 14:00 UTC);
            let reply = match answer {
                Answer::Drop => None,
                Answer::Text(rsp) => {
                    let control = message.msh().unwrap().text(10, 1);
                    Some(rsp.replace("{control}", control).replace('\n', "\r"))
                }
                Answer::Ack(code) => {
                    let problems = if code == AckCode::Accept {
                        Vec::new()
                    } else {
                        vec![Problem {
                            location: None,
                            code: 103,
                            message: "RXA-5 CVX 999 is not a vaccine this registry knows".into(),
                        }]
                    };
                    Some(build_ack(Some(&message), code, &problems, now, "REG-1"))
                }
            };
            if let Some(reply) = reply {
                let mut frame = Vec::new();
                hl7::mllp::encode(reply.as_bytes(), &mut frame);
                stream.write_all(&frame).unwrap();
            }
            received.push(text);
        }
        received
    });
    (address, handle)
}

/// The sample VXU's patient, stored.
pub fn patient(store: &TestStore) -> i64 {
    let applied = process_bytes(
        hl7::Sink::unaudited(store),
        &Actor::new("t"),
        cr(samples::VXU).as_bytes(),
    );
    assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
    store
        .read(|tx| tx.select::<Patient>("mrn = ?", &[Value::from("432155")], "id", 1))
        .unwrap()[0]
        .meta
        .id
}

pub fn trail() -> (tempfile::TempDir, store::AuditTrail) {
    let dir = tempfile::tempdir().unwrap();
    let trail = store::AuditTrail::with_key(
        privacy::AuditKey::from_bytes(&[31; 32]).unwrap(),
        dir.path(),
    );
    (dir, trail)
}

pub fn at(address: SocketAddr) -> Registry {
    Registry {
        name: "Wisconsin Immunization Registry".into(),
        address: hl7::Destination::plain(address),
        timeout: Duration::from_secs(10),
        retry: Retry {
            attempts: 3,
            backoff: Duration::from_millis(20),
        },
    }
}

pub fn who(store: &TestStore) -> privacy::AuditEvent {
    privacy::AuditEvent::new(
        store.clock().now(),
        "os:clerk",
        privacy::Action::Export,
        privacy::Channel::Cli,
    )
}

fn disclosures(store: &TestStore, patient: i64) -> Vec<Disclosure> {
    store
        .read(|tx| tx.for_patient::<Disclosure>(patient))
        .unwrap()
        .into_iter()
        .map(|d| d.record)
        .collect()
}

fn audit_outcomes(store: &TestStore, message: i64) -> Vec<(String, String)> {
    store
        .audit_entries(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.event.record_kind.as_deref() == Some("registry_message")
                && e.event.record_id == Some(message)
        })
        .map(|e| {
            (
                format!("{:?}", e.event.outcome),
                e.event.reason.unwrap_or_default(),
            )
        })
        .collect()
}

pub fn an_accepted_vxu_is_kept_and_disclosed(store: &TestStore) {
    let patient = patient(store);
    let (_dir, trail) = trail();
    let (address, registry_thread) = registry(vec![Answer::Ack(AckCode::Accept)]);
    let sent = send_vxu(store, &trail, &at(address), &who(store), patient).unwrap();
    let received = registry_thread.join().unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0], sent.message,
        "the message kept is the one sent"
    );
    assert_eq!(sent.control_id, format!("CR-VXU-{}", sent.id));
    assert_eq!(
        (
            sent.status.as_str(),
            sent.attempts,
            sent.ack_code.as_deref()
        ),
        ("accepted", 1, Some("AA"))
    );
    let ack = parse(sent.ack.as_deref().unwrap()).unwrap();
    assert_eq!(ack.first("MSA").unwrap().text(2, 1), sent.control_id);
    assert!(sent.answered_at.is_some());
    let entered = disclosures(store, patient);
    assert_eq!(entered.len(), 1, "{entered:?}");
    assert_eq!(entered[0].recipient, "Wisconsin Immunization Registry");
    assert!(
        entered[0].description.contains(&sent.control_id),
        "{}",
        entered[0].description
    );
    let outcomes = audit_outcomes(store, sent.id);
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert!(outcomes[0].1.ends_with("ACK AA"), "{outcomes:?}");
    let log = store
        .read(|tx| tx.registry_messages(Some(patient), None, 10))
        .unwrap();
    assert_eq!(log, vec![sent]);
}

pub fn a_rejected_vxu_is_not_retried_nor_disclosed(store: &TestStore) {
    let patient = patient(store);
    let (_dir, trail) = trail();
    for code in [AckCode::Error, AckCode::Reject] {
        // A second connection would be an Ack(Accept): had the client retried, the
        // message would end accepted.
        let (address, registry_thread) =
            registry(vec![Answer::Ack(code), Answer::Ack(AckCode::Accept)]);
        let sent = send_vxu(store, &trail, &at(address), &who(store), patient).unwrap();
        assert_eq!(
            (
                sent.status.as_str(),
                sent.attempts,
                sent.ack_code.as_deref()
            ),
            ("rejected", 1, Some(code.code()))
        );
        assert_eq!(
            sent.ack_text.as_deref(),
            Some("RXA-5 CVX 999 is not a vaccine this registry knows")
        );
        let outcomes = audit_outcomes(store, sent.id);
        assert_eq!(outcomes.len(), 1);
        assert_eq!(outcomes[0].0, "Failure");
        assert!(outcomes[0].1.contains("RXA-5 CVX 999"), "{outcomes:?}");
        // Let the registry's thread end.
        drop(std::net::TcpStream::connect(address).map(|mut s| {
            let mut frame = Vec::new();
            hl7::mllp::encode(sent.message.as_bytes(), &mut frame);
            s.write_all(&frame)
        }));
        registry_thread.join().unwrap();
    }
    assert!(disclosures(store, patient).is_empty());
}

pub fn an_unanswered_vxu_is_retried_then_failed(store: &TestStore) {
    let patient = patient(store);
    let (_dir, trail) = trail();

    // Dropped once, then accepted: the resend carries the same control id.
    let (address, registry_thread) = registry(vec![Answer::Drop, Answer::Ack(AckCode::Accept)]);
    let sent = send_vxu(store, &trail, &at(address), &who(store), patient).unwrap();
    let received = registry_thread.join().unwrap();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0], received[1],
        "the same message, control id and all"
    );
    assert_eq!((sent.status.as_str(), sent.attempts), ("accepted", 2));
    assert!(
        sent.last_error
            .as_deref()
            .unwrap()
            .contains("attempt 1 of 3"),
        "{sent:?}"
    );
    assert_eq!(disclosures(store, patient).len(), 1);

    // Dropped every time: failed after three attempts, with why.
    let (address, registry_thread) = registry(vec![Answer::Drop; 3]);
    let sent = send_vxu(store, &trail, &at(address), &who(store), patient).unwrap();
    assert_eq!(registry_thread.join().unwrap().len(), 3);
    assert_eq!((sent.status.as_str(), sent.attempts), ("failed", 3));
    let error = sent.last_error.as_deref().unwrap();
    assert!(
        error.contains("attempt 3 of 3") && error.contains("closed"),
        "{error}"
    );
    assert!(sent.ack.is_none() && sent.ack_code.is_none());

    // Nobody listening: the refused connection is retried, then failed.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = closed.local_addr().unwrap();
    drop(closed);
    let sent = send_vxu(store, &trail, &at(nowhere), &who(store), patient).unwrap();
    assert_eq!((sent.status.as_str(), sent.attempts), ("failed", 3));
    let outcomes = audit_outcomes(store, sent.id);
    assert_eq!(outcomes[0].0, "Failure");
    assert!(outcomes[0].1.contains("not delivered"), "{outcomes:?}");
    assert_eq!(
        disclosures(store, patient).len(),
        1,
        "only the accepted one"
    );
    let failed = store
        .read(|tx| tx.registry_messages(None, Some("failed"), 10))
        .unwrap();
    assert_eq!(failed.len(), 2);
}

test_support::backend_tests!(
    an_accepted_vxu_is_kept_and_disclosed,
    a_rejected_vxu_is_not_retried_nor_disclosed,
    an_unanswered_vxu_is_retried_then_failed,
);
