//! Outbound ORU^R01: built from stored laboratory results, it re-parses with the crate's
//! own parser to the same values, and a second system fed with it stores the same results;
//! a result of another patient is refused.

use crate::samples::{self, cr};
use hl7::{AckCode, outbound_oru, parse, process_bytes};
use records::{Observation, Patient};
use store::{Actor, Value};
use test_support::TestStore;

pub fn oru_round_trips(store: &TestStore) {
    let applied = process_bytes(
        hl7::Sink::unaudited(store),
        &Actor::new("t"),
        cr(samples::ORU).as_bytes(),
    );
    assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
    let p = store
        .read(|tx| tx.select::<Patient>("mrn = ?", &[Value::from("MRN-100")], "id", 1))
        .unwrap()
        .remove(0);
    let ours = store
        .read(|tx| tx.for_patient::<Observation>(p.meta.id))
        .unwrap();
    assert_eq!(ours.len(), 3);
    let ids: Vec<i64> = ours.iter().map(|o| o.meta.id).collect();
    let now = store.clock().now();
    let text = store
        .read(|tx| outbound_oru(tx, p.meta.id, &ids, now, "ORU-1"))
        .unwrap();
    let m = parse(&text).unwrap();
    assert_eq!(m.all("OBR").count(), 3);
    let obx: Vec<_> = m.all("OBX").collect();
    assert_eq!(obx.len(), 3);
    assert_eq!(obx[0].text(2, 1), "NM");
    assert_eq!(obx[0].text(3, 1), "2345-7");
    assert_eq!(obx[0].text(5, 1), "95");
    assert_eq!(obx[0].text(6, 1), "mg/dL");
    assert_eq!(obx[1].text(5, 1), "YEL");
    assert_eq!(obx[2].text(5, 1), "fasting & rested");
    let lines: Vec<&str> = text.split('\r').filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        r"MSH|^~\&|CHARTROOM|CHARTROOM|||20260302140000+0000||ORU^R01^ORU_R01|ORU-1|P|2.5.1|||NE|NE"
    );
    assert!(
        lines[1].starts_with("PID|1||MRN-100^^^NORTH^MR||Ashdown^Mara"),
        "{text}"
    );

    // Fed to another store, it gives the same results.
    let other = test_support::sqlite_store();
    let applied = process_bytes(
        hl7::Sink::unaudited(&other),
        &Actor::new("t"),
        text.as_bytes(),
    );
    assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
    let theirs = other.read(|tx| tx.for_patient::<Observation>(1)).unwrap();
    let strip = |s: &[store::Stored<Observation>]| -> Vec<(String, records::ObservationValue, time::OffsetDateTime)> {
        s.iter()
            .map(|o| (o.record.code.clone(), o.record.value.clone(), o.record.effective_at))
            .collect()
    };
    assert_eq!(strip(&theirs), strip(&ours));

    // Another patient's result, or none, is refused.
    let someone = store
        .write(|tx| {
            let mrn = tx.assign_mrn()?;
            let patient = Patient::new(
                mrn,
                records::FACILITY_MRN_AUTHORITY,
                "Other",
                "Olive",
                time::macros::date!(1990 - 01 - 01),
                records::AdministrativeSex::Female,
            );
            Ok(tx.create(&Actor::new("t"), &patient)?.meta.id)
        })
        .unwrap();
    let refused = store.read(|tx| outbound_oru(tx, someone, &ids, now, "ORU-2"));
    assert!(
        matches!(&refused, Err(store::Error::Conflict(why)) if why.contains("not a current result")),
        "{refused:?}"
    );
    assert!(
        store
            .read(|tx| outbound_oru(tx, someone, &[], now, "ORU-3"))
            .is_err()
    );
}

test_support::backend_tests!(oru_round_trips);
