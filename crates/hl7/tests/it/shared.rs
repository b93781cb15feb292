//! Every message in the shared IZ Gateway sample file (when it is there; skipped cleanly
//! when not) is answered with an ACK that re-parses and names the message's control id.

use hl7::{AckCode, parse, process_bytes};
use std::path::Path;
use store::Actor;

/// The messages in the file: runs of segment lines, each run starting at MSH.
fn messages(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let is_segment = line.len() > 4
            && line.as_bytes()[3] == b'|'
            && line[..3]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !is_segment {
            continue;
        }
        if line.starts_with("MSH|") {
            out.push(String::new());
        }
        if let Some(current) = out.last_mut() {
            current.push_str(line.trim_end());
            current.push('\r');
        }
    }
    out
}

#[test]
fn every_shared_sample_gets_a_well_formed_ack() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/hl7v2/izgateway_v2tofhir_messages.txt");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("{} not found: skipped", path.display());
        return;
    };
    let store = test_support::sqlite_store();
    let mut counts = [0usize; 3];
    for message in messages(&text) {
        let applied = process_bytes(
            hl7::Sink::unaudited(&store),
            &Actor::new("t"),
            message.as_bytes(),
        );
        counts[applied.code as usize] += 1;
        let ack = parse(&applied.ack).unwrap();
        let control = parse(&message)
            .ok()
            .and_then(|m| Some(m.msh()?.text(10, 1).to_owned()))
            .unwrap_or_default();
        assert_eq!(ack.first("MSA").unwrap().text(2, 1), control, "{message}");
        if applied.code == AckCode::Accept {
            assert!(ack.first("ERR").is_none());
        } else {
            assert!(ack.first("ERR").is_some(), "{}", applied.ack);
        }
    }
    eprintln!(
        "shared samples: {} AA, {} AE, {} AR",
        counts[0], counts[1], counts[2]
    );
    assert!(
        counts[0] >= 4,
        "the ADT and VXU samples are accepted: {counts:?}"
    );
}
