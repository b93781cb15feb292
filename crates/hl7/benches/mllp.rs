//! MLLP throughput with ACK over loopback on the embedded store (SQLite in a temporary
//! data directory, WAL, synchronous=FULL as shipped, or NORMAL with
//! `MLLP_BENCH_DURABILITY=normal`): registering 10,000 patients with
//! ADT^A04, then ORU^R01 and VXU^V04 for them over 1, 4, 8 and 16 connections, each run on
//! a fresh store holding the 10,000 registered patients, one message in flight per
//! connection (MLLP original mode: a sender waits for each ACK). Prints messages per
//! second.
//!
//! Run: `cargo bench -p hl7 --bench mllp` (N patients: `MLLP_BENCH_PATIENTS`; durability:
//! `MLLP_BENCH_DURABILITY=full|normal`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // A bench fails loudly.

use hl7::listener::{Config, serve};
use hl7::mllp::{Decoder, encode};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Instant;
use store::Actor;
use store::{Durability, Location, Store, SystemClock};

fn a04(i: usize) -> String {
    format!(
        "MSH|^~\\&|EHR|NORTH|CHARTROOM|CR|20260301090000-0500||ADT^A04^ADT_A01|A{i}|P|2.5.1\r\
         EVN|A04|20260301090000-0500\r\
         PID|1||B{i:07}^^^NORTH^MR||Family{i}^Given^Q^^^^L||19{:02}0{}1{}|{}|||{} Elm St^^Salem^OR^97301^US^L\r\
         PV1|1|O\r",
        i % 100,
        i % 9 + 1,
        i % 10,
        if i.is_multiple_of(2) { "F" } else { "M" },
        i % 900 + 1
    )
}

fn oru(i: usize, n: usize) -> String {
    let p = i % n;
    format!(
        "MSH|^~\\&|LAB|NORTH|CHARTROOM|CR|20260302080000+0000||ORU^R01^ORU_R01|O{i}|P|2.5.1\r\
         PID|1||B{p:07}^^^NORTH^MR\r\
         OBR|1||L{i}|24323-8^Comprehensive metabolic panel^LN|||20260302073000+0000\r\
         OBX|1|NM|2345-7^Glucose^LN||{}|mg/dL|70-99|N|||F|||20260302074500+0000\r\
         OBX|2|NM|2160-0^Creatinine^LN||0.9|mg/dL|0.6-1.2|N|||F|||20260302074500+0000\r",
        70 + i % 60
    )
}

fn vxu(i: usize, n: usize) -> String {
    let p = i % n;
    format!(
        "MSH|^~\\&|MYEHR|DCS|MYIIS||20260113000000-0500||VXU^V04^VXU_V04|V{i}|P|2.5.1|||ER|AL\r\
         PID|1||B{p:07}^^^NORTH^MR\r\
         ORC|RE||{i}^DCS\r\
         RXA|0|1|20260113||141^Influenza, seasonal^CVX|0.5|mL^^UCUM||00^New admin^NIP001||||||L{i}|20270101|SKB^GlaxoSmithKline^MVX|||CP|A\r\
         RXR|C28161^IM^NCIT^IM^^HL70162|LD^Left Deltoid^HL70163\r"
    )
}

/// Sends every message on one connection, waiting for each ACK; returns how many were AA.
fn client(addr: SocketAddr, messages: Vec<String>) -> usize {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut decoder = Decoder::new(1 << 20);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut out = Vec::new();
    let mut accepted = 0;
    for m in messages {
        out.clear();
        encode(m.as_bytes(), &mut out);
        stream.write_all(&out).unwrap();
        let ack = loop {
            if let Some(frame) = decoder.decode(&mut buf).unwrap() {
                break frame;
            }
            let n = stream.read(&mut chunk).unwrap();
            assert!(n > 0, "listener closed the connection");
            buf.extend_from_slice(&chunk[..n]);
        };
        if ack.windows(7).any(|w| w == b"\rMSA|AA") {
            accepted += 1;
        } else {
            eprintln!("not accepted: {}", String::from_utf8_lossy(&ack));
        }
    }
    accepted
}

fn run(label: &str, addr: SocketAddr, clients: usize, messages: Vec<String>) {
    let total = messages.len();
    let mut shares: Vec<Vec<String>> = (0..clients).map(|_| Vec::new()).collect();
    for (i, m) in messages.into_iter().enumerate() {
        shares[i % clients].push(m);
    }
    let start = Instant::now();
    let handles: Vec<_> = shares
        .into_iter()
        .map(|share| std::thread::spawn(move || client(addr, share)))
        .collect();
    let accepted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(accepted, total, "{label}: every message must be AA");
    println!(
        "{label:<44} {total:>7} msgs {clients:>2} conn  {:>8.0} msg/s  ({:.3} ms each per connection)",
        total as f64 / secs,
        secs * 1000.0 * clients as f64 / total as f64
    );
}

/// A listener over a fresh store in a temporary data directory.
/// The commit durability under test (`MLLP_BENCH_DURABILITY`; the product's default).
fn durability() -> Durability {
    match std::env::var("MLLP_BENCH_DURABILITY").as_deref() {
        Ok("normal") => Durability::Normal,
        _ => Durability::Full,
    }
}

struct Site {
    addr: SocketAddr,
    store: Arc<Store>,
    trail: Arc<store::AuditTrail>,
    _dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(
            Store::open_with(
                &Location::DataDir(dir.path().to_owned()),
                Arc::new(SystemClock),
                durability(),
            )
            .unwrap(),
        );
        let trail = Arc::new(store::AuditTrail::open_or_create(dir.path()).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Config {
            log_messages: false,
            ..Config::default()
        };
        let (served, served_trail) = (Arc::clone(&store), Arc::clone(&trail));
        std::thread::spawn(move || serve(&listener, served, served_trail, &config));
        Self {
            addr,
            store,
            trail,
            _dir: dir,
        }
    }

    /// A fresh site holding `n` registered patients (written in-process, not timed).
    fn registered(n: usize) -> Self {
        let site = Self::new();
        let actor = Actor::new("bench");
        for i in 0..n {
            let sink = hl7::Sink::audited(&site.store, &site.trail);
            let applied = hl7::process_bytes(sink, &actor, a04(i).as_bytes());
            assert_eq!(applied.code, hl7::AckCode::Accept);
        }
        site
    }
}

fn main() {
    let n: usize = std::env::var("MLLP_BENCH_PATIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    println!(
        "MLLP with ACK over loopback, embedded SQLite store (durability {}); each line on a fresh store holding {n} registered patients",
        durability().name()
    );
    run(
        "ADT^A04 register patient + encounter",
        Site::new().addr,
        1,
        (0..n).map(a04).collect(),
    );
    run(
        "ORU^R01 2 observations",
        Site::registered(n).addr,
        1,
        (0..n).map(|i| oru(i, n)).collect(),
    );
    run(
        "VXU^V04 1 immunization",
        Site::registered(n).addr,
        1,
        (0..n).map(|i| vxu(i, n)).collect(),
    );
    // The same work without the network: what one message costs the store.
    let site = Site::registered(n);
    let messages: Vec<String> = (0..n).map(|i| oru(i, n)).collect();
    let actor = Actor::new("bench");
    let start = Instant::now();
    for m in &messages {
        let applied = hl7::process_bytes(
            hl7::Sink::audited(&site.store, &site.trail),
            &actor,
            m.as_bytes(),
        );
        assert_eq!(applied.code, hl7::AckCode::Accept);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:<44} {:>7} msgs  in-process {:>8.0} msg/s  ({:.3} ms each)",
        "ORU^R01 2 observations, no network",
        messages.len(),
        messages.len() as f64 / secs,
        secs * 1000.0 / messages.len() as f64
    );
    for connections in [4, 8, 16] {
        run(
            "ORU^R01 2 observations",
            Site::registered(n).addr,
            connections,
            (0..n).map(|i| oru(i, n)).collect(),
        );
        run(
            "VXU^V04 1 immunization",
            Site::registered(n).addr,
            connections,
            (0..n).map(|i| vxu(i, n)).collect(),
        );
    }
    run(
        "ADT^A04 register patient + encounter",
        Site::registered(n).addr,
        8,
        (n..2 * n).map(a04).collect(),
    );
}
