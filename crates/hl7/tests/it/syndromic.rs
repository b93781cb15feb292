//! The syndromic surveillance batch for a day: one message per visit event (A04 for a
//! visit registered that day, A03 for a discharge, A08 for a visit coded later), de-identified
//! as the PHIN guide asks, re-parsed with the crate's own parser and batch reader; the
//! export enters the accounting of disclosures only when the file is written.

use crate::registry::{trail, who};
use hl7::syndromic::{Event, Facility, export_syndromic, parse_batch, syndromic_batch};
use records::{
    Address, AdministrativeSex, Diagnosis, DiagnosisRank, Disclosure, Encounter, EncounterClass,
    EncounterId, EncounterStatus, Mrn, Patient, PatientId,
};
use store::Actor;
use test_support::TestStore;
use time::macros::{date, datetime};

fn patient() -> Patient {
    Patient {
        mrn: Mrn::parse("ZQ-77").unwrap(),
        mrn_authority: "CHARTROOM".into(),
        family_name: "Zebulon".into(),
        given_name: "Quincy".into(),
        middle_name: None,
        name_prefix: None,
        name_suffix: None,
        preferred_name: None,
        birth_date: date!(1980 - 04 - 12),
        sex: AdministrativeSex::Female,
        address: Address {
            line1: Some("12 Hidden Lane".into()),
            line2: None,
            city: Some("Cambridge".into()),
            state: Some("MA".into()),
            postal_code: Some("02139-4307".into()),
            country: Some("USA".into()),
        },
        phone: Some("617-555-0100".into()),
        email: None,
        language: None,
        race: None,
        ethnicity: None,
        deceased_date: None,
        identifiers: Vec::new(),
    }
}

fn visit(
    patient: i64,
    class: EncounterClass,
    status: EncounterStatus,
    admit: time::OffsetDateTime,
    discharge: Option<time::OffsetDateTime>,
    reason: &str,
) -> Encounter {
    Encounter {
        patient_id: PatientId(patient),
        class,
        status,
        admit_at: admit,
        discharge_at: discharge,
        attending_id: None,
        facility_id: None,
        payer_id: None,
        discharge_disposition: discharge.map(|_| "01".into()),
        reason: Some(reason.into()),
        service: None,
    }
}

fn diagnosis(patient: i64, encounter: i64, code: &str, description: &str) -> Diagnosis {
    Diagnosis {
        patient_id: PatientId(patient),
        encounter_id: EncounterId(encounter),
        code: code.into(),
        rank: DiagnosisRank::FirstListed,
        sequence: 1,
        poa: None,
        description: Some(description.into()),
        onset_at: None,
    }
}

/// A patient; an old outpatient visit entered on 2 March; then on 3 March an ED visit with
/// influenza, a stay discharged, a cancelled visit, and a diagnosis coded on the old visit.
fn seed(store: &TestStore) -> [i64; 4] {
    let actor = Actor::new("test");
    let patient = store
        .write(|tx| tx.create(&actor, &patient()))
        .unwrap()
        .meta
        .id;
    let create = |e: Encounter| store.write(|tx| tx.create(&actor, &e)).unwrap().meta.id;
    let old = create(visit(
        patient,
        EncounterClass::Outpatient,
        EncounterStatus::Finished,
        datetime!(2026-02-20 09:00 UTC),
        Some(datetime!(2026-02-20 09:30 UTC)),
        "follow-up",
    ));
    store.clock.advance(time::Duration::days(1));
    let ed = create(visit(
        patient,
        EncounterClass::Emergency,
        EncounterStatus::InProgress,
        datetime!(2026-03-03 10:00 UTC),
        None,
        "fever and cough",
    ));
    let stay = create(visit(
        patient,
        EncounterClass::Inpatient,
        EncounterStatus::Finished,
        datetime!(2026-03-01 22:00 UTC),
        Some(datetime!(2026-03-03 11:00 UTC)),
        "pneumonia",
    ));
    let cancelled = create(visit(
        patient,
        EncounterClass::Emergency,
        EncounterStatus::Cancelled,
        datetime!(2026-03-03 12:00 UTC),
        None,
        "left",
    ));
    for (encounter, code, text) in [
        (
            ed,
            "J11.1",
            "Influenza with other respiratory manifestations",
        ),
        (
            old,
            "E11.9",
            "Type 2 diabetes mellitus without complications",
        ),
    ] {
        store
            .write(|tx| tx.create(&actor, &diagnosis(patient, encounter, code, text)))
            .unwrap();
    }
    let _ = cancelled;
    [patient, old, ed, stay]
}

fn facility() -> Facility {
    Facility {
        name: "Chartroom General".into(),
        npi: Some("1234567893".into()),
    }
}

pub fn a_days_visits_become_a_deidentified_batch(store: &TestStore) {
    let [patient, old, ed, stay] = seed(store);
    let now = store.clock().now();
    let batch = store
        .read(|tx| syndromic_batch(tx, &facility(), date!(2026 - 03 - 03), now, "SS-1"))
        .unwrap();
    let events: Vec<(i64, Event)> = batch
        .messages
        .iter()
        .map(|m| (m.encounter_id, m.event))
        .collect();
    assert_eq!(
        events,
        [(old, Event::A08), (ed, Event::A04), (stay, Event::A03)]
    );
    for secret in [
        "Zebulon",
        "Quincy",
        "ZQ-77",
        "Hidden Lane",
        "617-555",
        "19800412",
    ] {
        assert!(
            !batch.text.contains(secret),
            "{secret} leaked: {}",
            batch.text
        );
    }

    let parsed = parse_batch(&batch.text).unwrap();
    assert_eq!(parsed.batch_control, "SS-1");
    assert_eq!(parsed.messages.len(), 3);
    let a04 = &parsed.messages[1];
    let msh = a04.msh().unwrap();
    assert_eq!(
        (msh.text(9, 1), msh.text(9, 2), msh.text(9, 3)),
        ("ADT", "A04", "ADT_A01")
    );
    assert_eq!(msh.text(21, 1), "PH_SS-NoAck");
    let evn = a04.first("EVN").unwrap();
    assert_eq!(
        (evn.text(7, 1), evn.text(7, 2)),
        ("Chartroom General", "1234567893")
    );
    let pid = a04.first("PID").unwrap();
    assert_eq!(pid.text(3, 1), patient.to_string());
    assert_eq!(pid.text(3, 5), "PI");
    assert_eq!(pid.value(3, 1, 4, 2), "1234567893");
    assert_eq!(pid.value(5, 1, 1, 1), "");
    assert_eq!(pid.value(5, 2, 7, 1), "S", "the guide's empty name");
    assert_eq!(pid.text(7, 1), "198004", "birth date cut to the month");
    assert_eq!(pid.text(8, 1), "F");
    assert_eq!(
        (
            pid.text(11, 1),
            pid.text(11, 3),
            pid.text(11, 4),
            pid.text(11, 5)
        ),
        ("", "Cambridge", "MA", "02139")
    );
    let pv1 = a04.first("PV1").unwrap();
    assert_eq!(
        (pv1.text(2, 1), pv1.text(19, 1)),
        ("E", ed.to_string().as_str())
    );
    assert_eq!(pv1.text(44, 1), "20260303100000+0000");
    assert_eq!(a04.first("PV2").unwrap().text(3, 2), "fever and cough");
    let obx: Vec<(&str, &str, &str)> = a04
        .all("OBX")
        .map(|o| (o.text(3, 1), o.text(5, 1), o.text(6, 1)))
        .collect();
    assert_eq!(
        obx,
        [
            ("SS003", "1108-0", ""),
            ("21612-7", "45", "a"),
            ("8661-1", "fever and cough", "")
        ]
    );
    let dg1 = a04.first("DG1").unwrap();
    assert_eq!(
        (dg1.text(3, 1), dg1.text(3, 3), dg1.text(6, 1)),
        ("J11.1", "I10C", "W")
    );

    let a03 = &parsed.messages[2];
    assert_eq!(a03.msh().unwrap().text(9, 3), "ADT_A03");
    let pv1 = a03.first("PV1").unwrap();
    assert_eq!((pv1.text(2, 1), pv1.text(36, 1)), ("I", "01"));
    assert_eq!(pv1.text(45, 1), "20260303110000+0000");
    assert!(a03.first("DG1").is_none(), "the stay has no diagnosis");
    let a08 = &parsed.messages[0];
    assert_eq!(a08.first("DG1").unwrap().text(6, 1), "F");

    // The batch reader refuses a count that does not match, naming the line.
    let wrong = batch.text.replace("BTS|3", "BTS|2");
    let problem = parse_batch(&wrong).unwrap_err();
    assert!(
        problem.contains("BTS-1 says 2 message(s), the batch holds 3"),
        "{problem}"
    );
    assert!(
        parse_batch("MSH|^~\\&|X\r")
            .unwrap_err()
            .contains("expected FHS")
    );
}

/// The day's batch to "State DPH", delivered by `deliver` as `via` says.
fn export_to(
    store: &TestStore,
    trail: &store::AuditTrail,
    via: &str,
    deliver: impl FnOnce(&hl7::syndromic::SyndromicBatch) -> std::io::Result<()>,
) -> store::Result<hl7::syndromic::SyndromicBatch> {
    export_syndromic(
        store,
        trail,
        &who(store),
        &facility(),
        date!(2026 - 03 - 03),
        "State DPH",
        via,
        deliver,
    )
}

pub fn the_export_is_disclosed_only_when_written(store: &TestStore) {
    let [patient, ..] = seed(store);
    let (_dir, trail) = trail();
    let failed = export_to(store, &trail, "written to a file", |_| {
        Err(std::io::Error::other("disk full"))
    });
    assert!(failed.unwrap_err().to_string().contains("disk full"));
    let accounted = || {
        store
            .read(|tx| tx.for_patient::<Disclosure>(patient))
            .unwrap()
    };
    assert!(accounted().is_empty());

    let mut written = String::new();
    let batch = export_to(store, &trail, "written to a file", |batch| {
        written = batch.text.clone();
        Ok(())
    })
    .unwrap();
    assert_eq!(written, batch.text);
    let lines = accounted();
    assert_eq!(lines.len(), 1, "one line for the patient's three messages");
    let line = &lines[0].record;
    assert_eq!(line.recipient, "State DPH");
    assert_eq!(line.channel, "hl7-syndromic");
    assert!(
        line.description.contains("3 ADT message(s) for 2026-03-03"),
        "{}",
        line.description
    );
}

/// Over MLLP: each message in its own frame on one connection, nothing waited for
/// (PH_SS-NoAck), the send named in the audit entry; a receiver that is not there leaves
/// no accounting line.
pub fn the_batch_is_sent_over_mllp_without_waiting_for_acks(store: &TestStore) {
    let [patient, ..] = seed(store);
    let (_dir, trail) = trail();
    let timeout = std::time::Duration::from_secs(5);
    let accounted = || {
        store
            .read(|tx| tx.for_patient::<Disclosure>(patient))
            .unwrap()
    };
    // Nobody listening: refused, nothing entered.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = hl7::Destination::plain(closed.local_addr().unwrap());
    drop(closed);
    let failed = export_to(store, &trail, "sent over MLLP", |batch| {
        hl7::syndromic::send(&nowhere, batch, timeout)
    });
    assert!(failed.is_err());
    assert!(accounted().is_empty());

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let destination = hl7::Destination::plain(listener.local_addr().unwrap());
    let receiver = std::thread::spawn(move || {
        let (mut connection, _) = listener.accept().unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut connection, &mut bytes).unwrap();
        let mut decoder = hl7::mllp::Decoder::new(hl7::mllp::DEFAULT_MAX_FRAME);
        let mut frames = Vec::new();
        while let Some(frame) = decoder.decode(&mut bytes).unwrap() {
            frames.push(String::from_utf8(frame).unwrap());
        }
        frames
    });
    let batch = export_to(
        store,
        &trail,
        "sent over MLLP to the test receiver, no ACK expected (PH_SS-NoAck)",
        |batch| hl7::syndromic::send(&destination, batch, timeout),
    )
    .unwrap();
    let frames = receiver.join().unwrap();
    let sent: Vec<&str> = batch.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(frames, sent);
    assert_eq!(frames.len(), 3);
    assert!(
        frames
            .iter()
            .all(|f| f.starts_with("MSH|") && f.contains("PH_SS-NoAck"))
    );
    assert_eq!(accounted().len(), 1);
    let sent_entries = store
        .audit_entries(&store::AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.event.reason.as_deref().is_some_and(|r| {
                r.ends_with("sent over MLLP to the test receiver, no ACK expected (PH_SS-NoAck)")
            })
        })
        .count();
    assert_eq!(
        sent_entries, 1,
        "the send is audited once, naming how it went"
    );
}

test_support::backend_tests!(
    a_days_visits_become_a_deidentified_batch,
    the_export_is_disclosed_only_when_written,
    the_batch_is_sent_over_mllp_without_waiting_for_acks,
);
