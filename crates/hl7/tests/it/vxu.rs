//! Outbound VXU: built from stored immunizations, it re-parses to the same values and a
//! second system fed with it stores the same shots.

use crate::samples::{self, cr};
use hl7::{AckCode, outbound_vxu, parse, process_bytes};
use records::{Immunization, Patient};
use store::{Actor, Value};
use test_support::TestStore;

pub fn vxu_round_trips(store: &TestStore) {
    let applied = process_bytes(
        hl7::Sink::unaudited(store),
        &Actor::new("t"),
        cr(samples::VXU).as_bytes(),
    );
    assert_eq!(applied.code, AckCode::Accept);
    let p = store
        .read(|tx| tx.select::<Patient>("mrn = ?", &[Value::from("432155")], "id", 1))
        .unwrap()
        .remove(0);
    let now = store.clock().now();
    let text = store
        .read(|tx| outbound_vxu(tx, p.meta.id, now, "OUT-1"))
        .unwrap();
    let lines: Vec<&str> = text.split('\r').filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        r"MSH|^~\&|CHARTROOM|CHARTROOM|||20260302140000+0000||VXU^V04^VXU_V04|OUT-1|P|2.5.1|||ER|AL"
    );
    assert_eq!(
        lines[1],
        "PID|1||432155^^^dcs^MR||Patient^Johnny^New^^^^L||20110411|M|||123 Any St^^Somewhere^WI^54000^^L"
    );
    assert!(lines.contains(&"RXR|IM^^HL70162|RT^^HL70163"), "{text}");
    let m = parse(&text).unwrap();
    assert_eq!(m.all("RXA").count(), 2);

    // Fed to another store, it gives the same shots.
    let other = test_support::sqlite_store();
    let applied = process_bytes(
        hl7::Sink::unaudited(&other),
        &Actor::new("t"),
        text.as_bytes(),
    );
    assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
    let theirs = other.read(|tx| tx.for_patient::<Immunization>(1)).unwrap();
    let ours = store
        .read(|tx| tx.for_patient::<Immunization>(p.meta.id))
        .unwrap();
    let strip = |s: &[store::Stored<Immunization>]| -> Vec<(String, time::OffsetDateTime, Option<String>, Option<String>)> {
        s.iter().map(|s| (s.record.cvx.clone(), s.record.administered_at, s.record.lot_number.clone(), s.record.route.clone())).collect()
    };
    assert_eq!(strip(&theirs), strip(&ours));
}

test_support::backend_tests!(vxu_round_trips);
