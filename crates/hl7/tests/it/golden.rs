//! Golden cases: a message goes in, the records and the exact ACK text come out.

use crate::samples::{self, cr};
use hl7::{AckCode, Outcome, parse, process_bytes};
use records::{
    AdministrativeSex, Encounter, EncounterClass, EncounterStatus, Immunization,
    ImmunizationStatus, Observation, ObservationValue, Patient, Provider,
};
use store::{Actor, Value};
use test_support::TestStore;
use time::macros::{date, datetime};

fn send(store: &TestStore, text: &str) -> hl7::Applied {
    process_bytes(
        hl7::Sink::unaudited(store),
        &Actor::new("hl7:test"),
        cr(text).as_bytes(),
    )
}

fn patient_by_mrn(store: &TestStore, mrn: &str) -> Vec<store::Stored<Patient>> {
    store
        .read(|tx| tx.select::<Patient>("mrn = ?", &[Value::from(mrn)], "id", 10))
        .unwrap()
}

fn ack_lines(ack: &str) -> Vec<&str> {
    ack.split('\r').filter(|l| !l.is_empty()).collect()
}

#[test]
fn sample_positions_are_where_the_mapping_reads_them() {
    let m = parse(&cr(samples::A01)).unwrap();
    let pv1 = m.first("PV1").unwrap();
    assert_eq!(pv1.text(7, 13), "NPI");
    assert_eq!(pv1.text(19, 1), "V-1");
    assert_eq!(pv1.text(44, 1), "20260301083000-0500");
    let m = parse(&cr(samples::A03)).unwrap();
    let pv1 = m.first("PV1").unwrap();
    assert_eq!(pv1.text(19, 1), "V-1");
    assert_eq!(pv1.text(36, 1), "01");
    assert_eq!(pv1.text(45, 1), "20260303113000-0500");
}

pub fn adt_admit_update_discharge(store: &TestStore) {
    let applied = send(store, samples::A01);
    assert_eq!(
        ack_lines(&applied.ack),
        [
            r"MSH|^~\&|CHARTROOM|CHARTROOM|EHR|NORTH|20260302140000+0000||ACK^A01^ACK|ACKC-A01|P|2.5.1",
            "MSA|AA|C-A01",
        ]
    );
    let patients = patient_by_mrn(store, "MRN-100");
    assert_eq!(patients.len(), 1);
    let p = &patients[0];
    assert_eq!(p.record.mrn_authority, "NORTH");
    assert_eq!(p.record.family_name, "Ashdown");
    assert_eq!(p.record.given_name, "Mara");
    assert_eq!(p.record.middle_name.as_deref(), Some("J"));
    assert_eq!(p.record.birth_date, date!(1980 - 04 - 12));
    assert_eq!(p.record.sex, AdministrativeSex::Female);
    assert_eq!(p.record.address.line2.as_deref(), Some("Apt 2"));
    assert_eq!(p.record.address.postal_code.as_deref(), Some("97301"));
    let encounters = store
        .read(|tx| tx.for_patient::<Encounter>(p.meta.id))
        .unwrap();
    assert_eq!(encounters.len(), 1);
    let e = &encounters[0].record;
    assert_eq!(e.class, EncounterClass::Inpatient);
    assert_eq!(e.status, EncounterStatus::InProgress);
    assert_eq!(e.admit_at, datetime!(2026-03-01 8:30 -5));
    let attending = store
        .read(|tx| tx.get::<Provider>(e.attending_id.unwrap().0))
        .unwrap();
    assert_eq!(attending.record.npi.unwrap().to_string(), "1234567893");
    assert_eq!(attending.record.family_name, "Welby");

    // A08: a new version of the same patient, with history; `""` cleared the middle name.
    let applied = send(store, samples::A08);
    assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
    let patients = patient_by_mrn(store, "MRN-100");
    assert_eq!(patients.len(), 1);
    let p = &patients[0];
    assert_eq!(p.meta.version, 2);
    assert_eq!(p.record.family_name, "Ashdown-Reyes");
    assert_eq!(p.record.middle_name, None);
    assert_eq!(p.record.address.line1.as_deref(), Some("9 Oak Ave"));
    assert_eq!(p.record.address.line2, None);
    let history = store.read(|tx| tx.history("patient", p.meta.id)).unwrap();
    assert!(history.iter().any(|h| h.action == "update"), "{history:?}");

    // A03 closes the visit named by PV1-19.
    let applied = send(store, samples::A03);
    assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
    let encounters = store
        .read(|tx| tx.for_patient::<Encounter>(p.meta.id))
        .unwrap();
    assert_eq!(encounters.len(), 1);
    let e = &encounters[0].record;
    assert_eq!(e.status, EncounterStatus::Finished);
    assert_eq!(e.discharge_at, Some(datetime!(2026-03-03 11:30 -5)));
    assert_eq!(e.discharge_disposition.as_deref(), Some("01"));

    // A resend of the A01 (same MSH-10) is acknowledged and changes nothing.
    let applied = send(store, samples::A01);
    assert_eq!(applied.code, AckCode::Accept);
    assert!(matches!(
        applied.outcome,
        Outcome::Stored {
            duplicate: true,
            ..
        }
    ));
    assert_eq!(patient_by_mrn(store, "MRN-100")[0].meta.version, 2);
}

pub fn pix_feed_with_old_version_registers(store: &TestStore) {
    let applied = send(store, samples::A04_PIX);
    assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
    let p = &patient_by_mrn(store, "103")[0];
    assert_eq!(p.record.mrn_authority, "IBOT");
    assert_eq!(p.record.family_name, "OTHERBRIDGE");
    let e = store
        .read(|tx| tx.for_patient::<Encounter>(p.meta.id))
        .unwrap();
    assert_eq!(e[0].record.class, EncounterClass::Outpatient);
    // No PV1-44: the admit time is EVN-2.
    assert_eq!(e[0].record.admit_at, datetime!(2009-02-24 10:41:59 -6));
}

pub fn oru_stores_observations(store: &TestStore) {
    let applied = send(store, samples::ORU);
    assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
    let p = &patient_by_mrn(store, "MRN-100")[0];
    let obs = store
        .read(|tx| tx.for_patient::<Observation>(p.meta.id))
        .unwrap();
    assert_eq!(obs.len(), 3);
    assert_eq!(obs[0].record.code, "2345-7");
    assert_eq!(
        obs[0].record.value,
        ObservationValue::Quantity {
            value_number: 95.0,
            value_unit: Some("mg/dL".into())
        }
    );
    assert_eq!(obs[0].record.effective_at, datetime!(2026-03-02 7:45 UTC));
    // OBX-14 empty: OBR-7.
    assert_eq!(obs[1].record.effective_at, datetime!(2026-03-02 7:30 UTC));
    assert_eq!(
        obs[1].record.value,
        ObservationValue::Coded {
            value_code: "YEL".into(),
            value_display: Some("Yellow".into())
        }
    );
    assert_eq!(
        obs[2].record.value,
        ObservationValue::Text {
            value_text: "fasting & rested".into()
        }
    );
}

pub fn vxu_stores_immunizations(store: &TestStore) {
    let applied = send(store, samples::VXU);
    assert_eq!(
        ack_lines(&applied.ack),
        [
            r"MSH|^~\&|CHARTROOM|CHARTROOM|MYEHR|DCS|20260302140000+0000||ACK^V04^ACK|ACK45646ug|P|2.5.1",
            "MSA|AA|45646ug",
        ]
    );
    let p = &patient_by_mrn(store, "432155")[0];
    assert_eq!(p.record.mrn_authority, "dcs");
    let shots = store
        .read(|tx| tx.for_patient::<Immunization>(p.meta.id))
        .unwrap();
    assert_eq!(shots.len(), 2);
    assert_eq!(shots[0].record.cvx, "85");
    assert_eq!(
        shots[0].record.administered_at,
        datetime!(2011-04-15 0:00 UTC)
    );
    let s = &shots[1].record;
    assert_eq!(s.cvx, "110");
    assert_eq!(s.lot_number.as_deref(), Some("xy3939"));
    assert_eq!(s.route.as_deref(), Some("IM"));
    assert_eq!(s.site.as_deref(), Some("RT"));
    assert_eq!(s.status, ImmunizationStatus::Completed);

    // RXA-21 D deletes the shot with that filler order number (ORC-3).
    let delete = samples::VXU.replace("45646ug", "45646uh").replace(
        "||||xy3939|20141212|SKB^GlaxoSmithKline^MVX|||CP|A",
        "||||xy3939|20141212|SKB^GlaxoSmithKline^MVX|||CP|D",
    );
    let applied = send(store, &delete);
    assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
    let shots = store
        .read(|tx| tx.for_patient::<Immunization>(p.meta.id))
        .unwrap();
    assert_eq!(shots.len(), 1);
}

pub fn bad_data_is_answered_ae_and_nothing_stored(store: &TestStore) {
    let applied = send(store, samples::BAD_A01);
    assert_eq!(
        ack_lines(&applied.ack),
        [
            r"MSH|^~\&|CHARTROOM|CHARTROOM|EHR|NORTH|20260302140000+0000||ACK^A01^ACK|ACKC-BAD|P|2.5.1",
            "MSA|AE|C-BAD",
            r#"ERR||PID^1^7^1^1|102^Data type error^HL70357|E||||birth date "20241345" is not a valid DT value (YYYYMMDD)"#,
            r#"ERR||PID^1^8^1^1|103^Table value not found^HL70357|E||||sex "Q" is not in HL7 table 0001 (F, M, O, U, A, N)"#,
            r#"ERR||PV1^1^2^1^1|103^Table value not found^HL70357|E||||patient class "Z" is not one of I, O, E, P, R, B (HL7 table 0004)"#,
        ]
    );
    assert!(patient_by_mrn(store, "MRN-200").is_empty());
}

pub fn store_side_errors_roll_back_everything(store: &TestStore) {
    // The patient is fine, the discharge disposition is not a UB-04 code: nothing of the
    // A03 is kept, and the ACK names PV1-36.
    assert_eq!(send(store, samples::A01).code, AckCode::Accept);
    let bad = samples::A03
        .replace("|01|", "|XX|")
        .replace("Ashdown-Reyes", "Changed");
    let applied = send(store, &bad);
    assert_eq!(applied.code, AckCode::Error);
    assert!(
        applied.ack.contains(r#"ERR||PV1^1^36^1^1|103^Table value not found^HL70357|E||||discharge_disposition "XX" is not a UB-04 patient discharge status code"#),
        "{}",
        applied.ack
    );
    let p = &patient_by_mrn(store, "MRN-100")[0];
    assert_eq!(p.record.family_name, "Ashdown");
    // A03 for a visit never admitted: unknown key.
    let applied = send(
        store,
        &samples::A03
            .replace("V-1", "V-9")
            .replace("C-A03", "C-A03b"),
    );
    assert_eq!(applied.code, AckCode::Error);
    assert!(
        applied
            .ack
            .contains("ERR||PV1^1^19^1^1|204^Unknown key identifier^HL70357"),
        "{}",
        applied.ack
    );
}

pub fn unsupported_and_unreadable_are_rejected(store: &TestStore) {
    let applied = send(store, samples::UNSUPPORTED);
    assert_eq!(
        ack_lines(&applied.ack),
        [
            r"MSH|^~\&|CHARTROOM|CHARTROOM|EHR|NORTH|20260302140000+0000||ACK^A05^ACK|ACKC-A05|P|2.5.1",
            "MSA|AR|C-A05",
            "ERR||MSH^1^9^1^2|201^Unsupported event code^HL70357|E||||message type ADT A05 is not accepted (ADT A01/A03/A04/A08/A37/A40, ORU R01, VXU V04)",
        ]
    );
    let applied = process_bytes(hl7::Sink::unaudited(store), &Actor::new("t"), b"PID|1||x\r");
    assert_eq!(applied.code, AckCode::Reject);
    assert_eq!(
        ack_lines(&applied.ack)[2],
        r#"ERR||MSH^1|100^Segment sequence error^HL70357|E||||hl7v2: MSH, line 1: expected an MSH segment, found "PID""#
    );
    let applied = process_bytes(hl7::Sink::unaudited(store), &Actor::new("t"), b"");
    assert_eq!(applied.code, AckCode::Reject);
}

/// Another system (a SQLite store with its own audit trail) holding Mara Ashdown's two
/// registrations, MRN-100 and MRN-101, to apply what Chartroom sends out.
struct Elsewhere {
    store: TestStore,
    trail: store::AuditTrail,
    _dir: tempfile::TempDir,
}

impl Elsewhere {
    fn new(key: u8) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let other = Self {
            store: test_support::sqlite_store(),
            trail: store::AuditTrail::with_key(
                privacy::AuditKey::from_bytes(&[key; 32]).unwrap(),
                dir.path(),
            ),
            _dir: dir,
        };
        for text in [samples::A01, samples::A04_TWICE] {
            assert_eq!(other.send(text).code, AckCode::Accept);
        }
        other
    }

    fn send(&self, text: &str) -> hl7::Applied {
        process_bytes(
            hl7::Sink::audited(&self.store, &self.trail),
            &Actor::new("hl7:test"),
            cr(text).as_bytes(),
        )
    }
}

pub fn a40_merges_the_second_registration_into_the_first(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = store::AuditTrail::with_key(
        privacy::AuditKey::from_bytes(&[40; 32]).unwrap(),
        dir.path(),
    );
    let audited = |text: &str| {
        process_bytes(
            hl7::Sink::audited(store, &trail),
            &Actor::new("hl7:test"),
            cr(text).as_bytes(),
        )
    };
    assert_eq!(audited(samples::A01).code, AckCode::Accept);
    assert_eq!(audited(samples::A04_TWICE).code, AckCode::Accept);
    let keep = patient_by_mrn(store, "MRN-100")[0].meta.id;
    let gone = patient_by_mrn(store, "MRN-101")[0].meta.id;
    let encounters = |id: i64| {
        store
            .read(|tx| tx.for_patient::<Encounter>(id))
            .unwrap()
            .len()
    };
    assert_eq!((encounters(keep), encounters(gone)), (1, 1));

    let applied = audited(samples::A40);
    assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
    assert_eq!(ack_lines(&applied.ack)[1], "MSA|AA|C-A40");
    assert_eq!(encounters(keep), 2, "the second chart's visit moved");
    assert!(patient_by_mrn(store, "MRN-101").is_empty(), "retired");
    assert_eq!(
        store.read(|tx| tx.surviving_patient(gone)).unwrap(),
        Some(keep)
    );
    let merges = store.read(|tx| tx.merges(10)).unwrap();
    assert_eq!(merges.len(), 1);
    assert!(
        merges[0].reason.contains("ADT^A40 C-A40"),
        "{:?}",
        merges[0]
    );
    let entries = store
        .audit_entries(&store::AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.event.record_kind.as_deref() == Some("mpi_merge"))
        .count();
    assert_eq!(entries, 1, "the merge is audited once");

    // A resend changes nothing; a later A08 naming the retired MRN lands on the survivor.
    assert_eq!(audited(samples::A40).code, AckCode::Accept);
    assert_eq!(store.read(|tx| tx.merges(10)).unwrap().len(), 1);
    let again = samples::A40.replace("C-A40", "C-A40-2");
    assert_eq!(
        audited(&again).code,
        AckCode::Accept,
        "merged already: nothing to do"
    );
    assert_eq!(store.read(|tx| tx.merges(10)).unwrap().len(), 1);

    // An unknown chart to merge away is an AE naming MRG-1, and nothing changes.
    let unknown = samples::A40
        .replace("C-A40", "C-A40-3")
        .replace("MRN-101", "MRN-999");
    let refused = audited(&unknown);
    assert_eq!(refused.code, AckCode::Error, "{}", refused.ack);
    assert!(
        refused.ack.contains("ERR||MRG^1^1^1^1|204"),
        "{}",
        refused.ack
    );
    // Without the audit trail a merge is not applied.
    let unaudited = send(store, &samples::A40.replace("C-A40", "C-A40-4"));
    assert_eq!(unaudited.code, AckCode::Error);

    // The merge announced outbound: an A40 that another Chartroom applies to the same pair.
    let merge = merges[0].id;
    let out = store
        .read(|tx| hl7::outbound_a40(tx, merge, store.clock().now(), "OUT-1"))
        .unwrap();
    let parsed = parse(&out).unwrap();
    let msh = parsed.first("MSH").unwrap();
    assert_eq!((msh.text(9, 1), msh.text(9, 2)), ("ADT", "A40"));
    assert_eq!(parsed.first("PID").unwrap().text(3, 1), "MRN-100");
    let mrg = parsed.first("MRG").unwrap();
    assert_eq!((mrg.text(1, 1), mrg.text(1, 4)), ("MRN-101", "NORTH"));
    let other = Elsewhere::new(41);
    let there = other.send(&out);
    assert_eq!(there.code, AckCode::Accept, "{}", there.ack);
    assert!(patient_by_mrn(&other.store, "MRN-101").is_empty());
    // An undone merge is not announced.
    trail
        .write(store, |a| {
            a.unmerge_patients(
                merge,
                "two people",
                &Actor::new("user:him"),
                privacy::AuditEvent::new(
                    store.clock().now(),
                    "him",
                    privacy::Action::Update,
                    privacy::Channel::Cli,
                ),
            )
        })
        .unwrap();
    assert!(
        store
            .read(|tx| hl7::outbound_a40(tx, merge, store.clock().now(), "OUT-2"))
            .is_err()
    );
}

pub fn a37_undoes_the_merge_of_the_two_charts(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = store::AuditTrail::with_key(
        privacy::AuditKey::from_bytes(&[37; 32]).unwrap(),
        dir.path(),
    );
    let audited = |text: &str| {
        process_bytes(
            hl7::Sink::audited(store, &trail),
            &Actor::new("hl7:test"),
            cr(text).as_bytes(),
        )
    };
    let err_lines = |ack: &str| -> Vec<String> {
        ack_lines(ack)
            .into_iter()
            .filter(|l| l.starts_with("ERR|"))
            .map(str::to_owned)
            .collect()
    };
    for text in [samples::A01, samples::A04_TWICE] {
        assert_eq!(audited(text).code, AckCode::Accept);
    }
    let keep = patient_by_mrn(store, "MRN-100")[0].meta.id;
    let gone = patient_by_mrn(store, "MRN-101")[0].meta.id;

    // Not merged yet: nothing to undo, named at the second PID-3.
    let early = audited(&samples::A37.replace("C-A37", "C-A37-0"));
    assert_eq!(early.code, AckCode::Error, "{}", early.ack);
    let errs = err_lines(&early.ack);
    assert_eq!(errs.len(), 1, "{}", early.ack);
    assert!(
        errs[0].starts_with("ERR||PID^2^3^1^1|207")
            && errs[0].contains("was never merged into the chart with MRN MRN-100"),
        "{}",
        errs[0]
    );

    assert_eq!(audited(samples::A40).code, AckCode::Accept);
    let encounters = |id: i64| {
        store
            .read(|tx| tx.for_patient::<Encounter>(id))
            .unwrap()
            .len()
    };
    assert_eq!(encounters(keep), 2);

    let applied = audited(samples::A37);
    assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
    assert_eq!(ack_lines(&applied.ack)[1], "MSA|AA|C-A37");
    assert_eq!((encounters(keep), encounters(gone)), (1, 1), "moved back");
    assert_eq!(
        patient_by_mrn(store, "MRN-101")[0].meta.id,
        gone,
        "restored"
    );
    let merges = store.read(|tx| tx.merges(10)).unwrap();
    assert_eq!(merges.len(), 1);
    assert_eq!(merges[0].status, "unmerged");
    assert!(
        merges[0]
            .unmerge_reason
            .as_deref()
            .unwrap()
            .contains("ADT^A37 C-A37 from EHR^NORTH"),
        "{:?}",
        merges[0]
    );
    let entries = |store: &TestStore| {
        store
            .audit_entries(&store::AuditFilter::default())
            .unwrap()
            .into_iter()
            .filter(|e| e.event.record_kind.as_deref() == Some("mpi_merge"))
            .collect::<Vec<_>>()
    };
    let logged = entries(store);
    assert_eq!(logged.len(), 2, "the merge and the unmerge, once each");
    assert_eq!(logged[1].event.channel, privacy::Channel::Hl7);
    assert_eq!(logged[1].event.all_patients().len(), 2);
    // Undone by a message from the sender: nothing to tell it back.
    assert!(
        store
            .read(|tx| tx.outbox(&["waiting"], 10))
            .unwrap()
            .is_empty()
    );
    // A later visit under the restored MRN lands on the restored chart.
    let visit = samples::A04_TWICE
        .replace("C-A04-2", "C-A04-3")
        .replace("V-9", "V-10");
    assert_eq!(audited(&visit).code, AckCode::Accept);
    assert_eq!(encounters(gone), 2);

    // A resend, and the same unlink under another control id: AA, nothing changes.
    assert_eq!(audited(samples::A37).code, AckCode::Accept);
    let again = audited(&samples::A37.replace("C-A37", "C-A37-2"));
    assert_eq!(again.code, AckCode::Accept, "{}", again.ack);
    assert_eq!(
        again.code,
        AckCode::Accept,
        "the latest merge of the two is undone already"
    );
    assert_eq!(entries(store).len(), 2, "no second unmerge");
    assert_eq!((encounters(keep), encounters(gone)), (1, 2));

    // An unknown chart to unlink: AE 204 naming the second PID-3; an unknown survivor:
    // AE 204 naming PID-3.
    let unknown = audited(
        &samples::A37
            .replace("C-A37", "C-A37-3")
            .replace("MRN-101", "MRN-999"),
    );
    assert_eq!(unknown.code, AckCode::Error);
    let errs = err_lines(&unknown.ack);
    assert!(
        errs[0].starts_with("ERR||PID^2^3^1^1|204")
            && errs[0].contains("no chart has MRN MRN-999 (NORTH) to unlink"),
        "{errs:?}"
    );
    let no_survivor = audited(
        &samples::A37
            .replace("C-A37", "C-A37-4")
            .replace("MRN-100", "MRN-998"),
    );
    assert_eq!(no_survivor.code, AckCode::Error);
    assert!(
        err_lines(&no_survivor.ack)[0].starts_with("ERR||PID^1^3^1^1|204"),
        "{}",
        no_survivor.ack
    );
    // One PID only: AE naming the missing second PID.
    let lone = samples::A37.replace("C-A37", "C-A37-5");
    let lone = lone.trim_end().rsplit_once('\n').unwrap().0;
    let refused = audited(lone);
    assert_eq!(refused.code, AckCode::Error);
    assert!(
        err_lines(&refused.ack)[0].contains("needs a second PID segment"),
        "{}",
        refused.ack
    );
    assert_eq!(entries(store).len(), 2);

    // Merged again (by Chartroom) and undone here: the A37 built for it re-parses, with
    // the chart that stayed first and the restored chart second, and another Chartroom
    // holding the same merge undoes it.
    let by = || {
        privacy::AuditEvent::new(
            store.clock().now(),
            "him",
            privacy::Action::Update,
            privacy::Channel::Cli,
        )
    };
    let merge = trail
        .write(store, |a| {
            a.merge_patients(keep, gone, "same person", &Actor::new("user:him"), by())
        })
        .unwrap();
    assert!(
        store
            .read(|tx| hl7::outbound_a37(tx, merge.id, store.clock().now(), "OUT-0"))
            .is_err(),
        "a standing merge is not unlinked"
    );
    let a40 = store
        .read(|tx| hl7::outbound_a40(tx, merge.id, store.clock().now(), "OUT-1"))
        .unwrap();
    trail
        .write(store, |a| {
            a.unmerge_patients(merge.id, "two people", &Actor::new("user:him"), by())
        })
        .unwrap();
    let out = store
        .read(|tx| hl7::outbound_a37(tx, merge.id, store.clock().now(), "OUT-2"))
        .unwrap();
    let parsed = parse(&out).unwrap();
    let msh = parsed.first("MSH").unwrap();
    assert_eq!(
        (msh.text(9, 1), msh.text(9, 2), msh.text(9, 3)),
        ("ADT", "A37", "ADT_A37")
    );
    assert!(parsed.first("MRG").is_none(), "two PIDs, no MRG");
    let pids: Vec<_> = parsed.all("PID").collect();
    assert_eq!(pids.len(), 2);
    assert_eq!(
        (pids[0].text(1, 1), pids[0].text(3, 1), pids[0].text(3, 4)),
        ("1", "MRN-100", "NORTH")
    );
    assert_eq!(
        (pids[1].text(1, 1), pids[1].text(3, 1), pids[1].text(5, 1)),
        ("2", "MRN-101", "Ashdon")
    );
    let other = Elsewhere::new(38);
    assert_eq!(other.send(&a40).code, AckCode::Accept);
    assert!(patient_by_mrn(&other.store, "MRN-101").is_empty());
    let applied = other.send(&out);
    assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
    assert_eq!(
        patient_by_mrn(&other.store, "MRN-101").len(),
        1,
        "separated there too"
    );
}

test_support::backend_tests!(
    a37_undoes_the_merge_of_the_two_charts,
    a40_merges_the_second_registration_into_the_first,
    adt_admit_update_discharge,
    pix_feed_with_old_version_registers,
    oru_stores_observations,
    vxu_stores_immunizations,
    bad_data_is_answered_ae_and_nothing_stored,
    store_side_errors_roll_back_everything,
    unsupported_and_unreadable_are_rejected,
);

/// Values quoted back in ERR-8 are escaped, so they cannot break the ACK's structure.
#[test]
fn quoted_values_are_escaped_in_the_ack() {
    let store = test_support::sqlite_store();
    let bad = samples::BAD_A01.replace("20241345|Q", r"19800101|\S\|\F\");
    let applied = send(&store, &bad);
    let err = ack_lines(&applied.ack)
        .into_iter()
        .find(|l| l.starts_with("ERR||PID^1^8"))
        .unwrap()
        .to_owned();
    assert_eq!(
        err,
        r#"ERR||PID^1^8^1^1|103^Table value not found^HL70357|E||||sex "\S\" is not in HL7 table 0001 (F, M, O, U, A, N)"#
    );
    let ack = parse(&applied.ack).unwrap();
    let err = ack.first("ERR").unwrap();
    assert_eq!(
        err.text(8, 1),
        r#"sex "^" is not in HL7 table 0001 (F, M, O, U, A, N)"#
    );
}

/// A required segment missing and a patient without a name are AE 100 and 101.
#[test]
fn missing_segment_and_name_are_named() {
    let store = test_support::sqlite_store();
    let text = "MSH|^~\\&|EHR|NORTH|CHARTROOM|CR|20260301090000-0500||ADT^A01^ADT_A01|C-X|P|2.5.1\n\
                PID|1||MRN-300^^^NORTH^MR||||19800101|F";
    let applied = send(&store, text);
    let lines = ack_lines(&applied.ack);
    assert_eq!(lines[1], "MSA|AE|C-X");
    assert_eq!(
        lines[2],
        "ERR||PV1^1|100^Segment sequence error^HL70357|E||||a PV1 segment is required after PID"
    );
    let text = text.to_owned() + "\nPV1|1|O";
    let applied = send(&store, &text);
    let lines = ack_lines(&applied.ack);
    assert_eq!(
        &lines[2..],
        [
            "ERR||PID^1^5^1^1|101^Required field missing^HL70357|E||||family_name is required to register a patient",
            "ERR||PID^1^5^1^2|101^Required field missing^HL70357|E||||given_name is required to register a patient",
        ]
    );
}
