//! HL7 arrivals checked against the patient index: an ADT registration of a patient on
//! file under another MRN joins the duplicate queue (never merged), an update that
//! changes who the chart is flags it as a possible overlay, and so do blood type results
//! that disagree.

use crate::samples::cr;
use hl7::{AckCode, process_bytes};
use records::{AdministrativeSex, Patient};
use store::{Actor, AuditFilter, Value};
use test_support::TestStore;

fn yyyymmdd(date: time::Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn sex_code(sex: AdministrativeSex) -> &'static str {
    match sex {
        AdministrativeSex::Male => "M",
        AdministrativeSex::Female => "F",
        AdministrativeSex::Other => "O",
        AdministrativeSex::Unknown => "U",
    }
}

fn adt(event: &str, control: &str, mrn: &str, patient: &Patient) -> String {
    cr(&format!(
        "MSH|^~\\&|EHR|EAST|CHARTROOM|CR|20260301090000-0500||ADT^{event}^ADT_A01|{control}|P|2.5.1\nEVN|{event}|20260301090000-0500\nPID|1||{mrn}^^^EAST^MR||{}^{}||{}|{}\nPV1|1|O",
        patient.family_name,
        patient.given_name,
        yyyymmdd(patient.birth_date),
        sex_code(patient.sex)
    ))
}

fn blood_type(control: &str, mrn: &str, patient: &Patient, value: &str) -> String {
    cr(&format!(
        "MSH|^~\\&|LAB|EAST|CHARTROOM|CR|20260302080000+0000||ORU^R01^ORU_R01|{control}|P|2.5.1\nPID|1||{mrn}^^^EAST^MR||{}^{}||{}|{}\nOBR|1||L-{control}|882-1^ABO and Rh group^LN|||20260302073000+0000\nOBX|1|CWE|882-1^ABO and Rh group^LN||{value}^{value}^LN||||||F|||20260302074500+0000",
        patient.family_name,
        patient.given_name,
        yyyymmdd(patient.birth_date),
        sex_code(patient.sex)
    ))
}

pub fn adt_arrivals_are_checked_against_the_index(store: &TestStore) {
    let population = mpi::planted::planted(300, 0.1, 5);
    let actor = Actor::new("test:mpi");
    store
        .write(|tx| {
            for patient in &population.patients {
                tx.create(&actor, patient)?;
            }
            Ok(())
        })
        .unwrap();
    let on_file = store.read(mpi::patients_on_file).unwrap();
    let mut settings = mpi::Settings::embedded().unwrap();
    settings.training.random_pairs = 50_000;
    let run = mpi::match_all(
        &mpi::persons_of(&on_file, mpi::Nicknames::shared()),
        &settings,
    );
    store
        .write(|tx| mpi::save_model(tx, &run, &settings, on_file.len(), "test"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let trail = store::AuditTrail::with_key(
        privacy::AuditKey::from_bytes(&[22; 32]).unwrap(),
        dir.path(),
    );
    let send = |text: &str| {
        let applied = process_bytes(
            hl7::Sink::audited(store, &trail),
            &Actor::new("hl7:test"),
            text.as_bytes(),
        );
        assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
    };
    let original = on_file
        .iter()
        .find(|p| p.record.family_name.len() > 3 && p.record.given_name.len() > 3)
        .unwrap();
    let chart = |mrn: &str| {
        store
            .read(|tx| tx.select::<Patient>("mrn = ?", &[Value::from(mrn)], "id", 1))
            .unwrap()
            .remove(0)
    };

    // The same person registered at another facility, with a typo in the given name.
    let mut typo = original.record.clone();
    typo.given_name.push('e');
    send(&adt("A04", "E-1", "EAST-1", &typo));
    let arrived = chart("EAST-1");
    let pair = store
        .read(|tx| tx.candidate_pair_of(original.meta.id, arrived.meta.id))
        .unwrap()
        .expect("the arrival is queued with the chart on file");
    assert_eq!(pair.status, "open");
    assert!(pair.probability > 0.5, "{pair:?}");
    assert!(
        store.read(|tx| tx.merges(10)).unwrap().is_empty(),
        "never merged"
    );
    let entries: Vec<_> = store
        .audit_entries(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.event.record_kind.as_deref() == Some("mpi_candidate")
                && e.event.record_id == Some(pair.id)
        })
        .collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].event.channel, privacy::Channel::Hl7);
    assert!(
        entries[0]
            .event
            .reason
            .as_deref()
            .unwrap()
            .starts_with("HL7 ADT^A04 E-1 from EHR^EAST: possible duplicate"),
        "{:?}",
        entries[0].event.reason
    );
    assert_eq!(
        entries[0].event.all_patients().len(),
        2,
        "the entry names both patients"
    );
    // No flag of an overlay for a first registration.
    assert!(
        store
            .read(|tx| tx.overlay_flags_of(arrived.meta.id))
            .unwrap()
            .is_empty()
    );

    // An address change is an ordinary correction: no overlay.
    let mut moved = typo.clone();
    moved.address.line1 = Some("9 New Road".into());
    send(&adt("A08", "E-2", "EAST-1", &moved));
    assert!(
        store
            .read(|tx| tx.overlay_flags_of(arrived.meta.id))
            .unwrap()
            .is_empty()
    );

    // The registrar picked the wrong chart: another person's name and birth date on it.
    let other = on_file
        .iter()
        .find(|p| {
            p.record.birth_date.year() != original.record.birth_date.year()
                && p.record.family_name != original.record.family_name
                && p.record.given_name != original.record.given_name
        })
        .unwrap();
    send(&adt("A08", "E-3", "EAST-1", &other.record));
    let flags = store
        .read(|tx| tx.overlay_flags_of(arrived.meta.id))
        .unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].status, "open");
    assert!(
        flags[0]
            .findings
            .iter()
            .any(|f| f.contains("birth date was") && f.starts_with("HL7 ADT^A08 E-3")),
        "{:?}",
        flags[0].findings
    );
    assert!(
        flags[0].findings.iter().any(|f| f.contains("two people")),
        "{:?}",
        flags[0].findings
    );

    // Blood type results that disagree on one chart flag it too.
    send(&blood_type("L-1", "EAST-2", &original.record, "A+"));
    let lab_chart = chart("EAST-2");
    assert!(
        store
            .read(|tx| tx.overlay_flags_of(lab_chart.meta.id))
            .unwrap()
            .is_empty()
    );
    send(&blood_type("L-2", "EAST-2", &original.record, "O-"));
    let flags = store
        .read(|tx| tx.overlay_flags_of(lab_chart.meta.id))
        .unwrap();
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert!(
        flags[0].findings.iter().any(|f| f.contains("disagree: A+")),
        "{:?}",
        flags[0].findings
    );
}

/// A one-connection MLLP receiver in front of `other`: applies one message there and
/// answers its ACK. Returns its address and the thread.
fn receiver(
    other: std::sync::Arc<TestStore>,
) -> (std::net::SocketAddr, std::thread::JoinHandle<String>) {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let payload = crate::registry::read_frame(&mut stream);
        let dir = tempfile::tempdir().unwrap();
        let trail = store::AuditTrail::with_key(
            privacy::AuditKey::from_bytes(&[23; 32]).unwrap(),
            dir.path(),
        );
        let applied = process_bytes(
            hl7::Sink::audited(&other, &trail),
            &Actor::new("hl7:east"),
            &payload,
        );
        let mut frame = Vec::new();
        hl7::mllp::encode(applied.ack.as_bytes(), &mut frame);
        stream.write_all(&frame).unwrap();
        String::from_utf8_lossy(&payload).into_owned()
    });
    (addr, handle)
}

pub fn a_merge_made_here_is_sent_as_an_a40(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = store::AuditTrail::with_key(
        privacy::AuditKey::from_bytes(&[24; 32]).unwrap(),
        dir.path(),
    );
    let other = std::sync::Arc::new(test_support::sqlite_store());
    let other_dir = tempfile::tempdir().unwrap();
    let other_trail = store::AuditTrail::with_key(
        privacy::AuditKey::from_bytes(&[25; 32]).unwrap(),
        other_dir.path(),
    );
    for (at, trail) in [(store, &trail), (&*other, &other_trail)] {
        for text in [crate::samples::A01, crate::samples::A04_TWICE] {
            let applied = process_bytes(
                hl7::Sink::audited(at, trail),
                &Actor::new("hl7:test"),
                cr(text).as_bytes(),
            );
            assert_eq!(applied.code, AckCode::Accept, "{}", applied.ack);
        }
    }
    let id_of = |at: &TestStore, mrn: &str| {
        at.read(|tx| tx.select::<Patient>("mrn = ?", &[Value::from(mrn)], "id", 1))
            .unwrap()
            .first()
            .map(|p| p.meta.id)
    };
    let (keep, gone) = (
        id_of(store, "MRN-100").unwrap(),
        id_of(store, "MRN-101").unwrap(),
    );
    let by = || {
        privacy::AuditEvent::new(
            store.clock().now(),
            "him",
            privacy::Action::Update,
            privacy::Channel::Web,
        )
    };
    let merge = |trail: &store::AuditTrail| {
        trail
            .write(store, |a| {
                a.merge_patients(keep, gone, "same person", &Actor::new("user:him"), by())
            })
            .unwrap()
    };
    let first = merge(&trail);
    let waiting = store.read(|tx| tx.outbox(&["waiting"], 10)).unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        (waiting[0].merge_id, waiting[0].message_type.as_str()),
        (first.id, "ADT^A40")
    );

    // Nobody listening: the message waits, with the error.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = closed.local_addr().unwrap();
    drop(closed);
    let timeout = std::time::Duration::from_secs(10);
    let tried = hl7::send_outbox(
        store,
        &trail,
        &hl7::Destination::plain(nowhere),
        timeout,
        "job:hl7-out",
        10,
    )
    .unwrap();
    assert_eq!(tried.len(), 1);
    assert_eq!(tried[0].status, "waiting");
    let item = store.read(|tx| tx.outbox_item(waiting[0].id)).unwrap();
    assert_eq!((item.status.as_str(), item.attempts), ("waiting", 1));
    assert!(item.last_error.is_some());

    // Sent to another system holding the same two charts, which merges them.
    let (addr, there) = receiver(std::sync::Arc::clone(&other));
    let tried = hl7::send_outbox(
        store,
        &trail,
        &hl7::Destination::plain(addr),
        timeout,
        "job:hl7-out",
        10,
    )
    .unwrap();
    let received = there.join().unwrap();
    assert!(received.contains("ADT^A40"), "{received}");
    assert_eq!(tried.len(), 1);
    assert_eq!(tried[0].status, "sent", "{tried:?}");
    assert_eq!(tried[0].ack_code.as_deref(), Some("AA"));
    assert!(id_of(&other, "MRN-101").is_none(), "merged there too");
    let item = store.read(|tx| tx.outbox_item(waiting[0].id)).unwrap();
    assert_eq!(item.status, "sent");
    assert_eq!(item.sent_to.as_deref(), Some(addr.to_string().as_str()));
    let sent_entries = store
        .audit_entries(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.event.record_kind.as_deref() == Some("hl7_outbox"))
        .count();
    assert_eq!(sent_entries, 1, "the disclosure is audited");
    assert!(
        store
            .read(|tx| tx.outbox(&["waiting"], 10))
            .unwrap()
            .is_empty()
    );

    let unmerge = |id: i64| {
        trail
            .write(store, |a| {
                a.unmerge_patients(id, "two people", &Actor::new("user:him"), by())
            })
            .unwrap()
    };
    // The merge whose A40 went is undone: an ADT^A37 follows it, and the other system
    // separates the two charts again.
    unmerge(first.id);
    let waiting = store.read(|tx| tx.outbox(&["waiting"], 10)).unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        (waiting[0].merge_id, waiting[0].message_type.as_str()),
        (first.id, "ADT^A37")
    );
    let (addr, there) = receiver(std::sync::Arc::clone(&other));
    let tried = hl7::send_outbox(
        store,
        &trail,
        &hl7::Destination::plain(addr),
        timeout,
        "job:hl7-out",
        10,
    )
    .unwrap();
    let received = there.join().unwrap();
    assert!(received.contains("|ADT^A37^ADT_A37|CR-A37-"), "{received}");
    assert_eq!(tried.len(), 1);
    assert_eq!(
        (tried[0].status.as_str(), tried[0].message_type.as_str()),
        ("sent", "ADT^A37"),
        "{tried:?}"
    );
    assert!(id_of(&other, "MRN-101").is_some(), "separated there too");
    let unlinked_entries: Vec<_> = store
        .audit_entries(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.event.record_kind.as_deref() == Some("hl7_outbox"))
        .collect();
    assert_eq!(unlinked_entries.len(), 2);
    assert!(
        unlinked_entries[1]
            .event
            .reason
            .as_deref()
            .unwrap()
            .contains("announcing the unmerge of merge"),
        "{:?}",
        unlinked_entries[1].event.reason
    );

    // A merge undone before its A40 was tried is withdrawn, and no A37 follows.
    let second = merge(&trail);
    unmerge(second.id);
    let withdrawn = store.read(|tx| tx.outbox(&["withdrawn"], 10)).unwrap();
    assert_eq!(withdrawn.len(), 1);
    assert_eq!(withdrawn[0].merge_id, second.id);
    assert!(
        store
            .read(|tx| tx.outbox(&["waiting"], 10))
            .unwrap()
            .is_empty()
    );
}

test_support::backend_tests!(
    adt_arrivals_are_checked_against_the_index,
    a_merge_made_here_is_sent_as_an_a40
);
