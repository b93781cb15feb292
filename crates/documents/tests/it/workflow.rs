//! The workflow on both stores: upload to a chart and to the indexing queue, indexing, a
//! misfiled document moved with both charts' trails showing it, pages read and exported,
//! a damaged file on disk refused, every step audited.

use crate::files::{jpeg, pdf, tiff};
use documents::{
    Filing, Part, add, content_of, content_store, for_patient, index, move_to, queue, show,
};
use privacy::{Action, AuditEvent, AuditKey, Channel, Outcome};
use records::*;
use store::{Actor, AuditFilter, AuditTrail, Clock};
use test_support::{TestStore, backend_tests};
use time::macros::{date, datetime};

struct Charts {
    right: PatientId,
    wrong: PatientId,
    visit: EncounterId,
    wrong_visit: EncounterId,
}

fn charts(store: &TestStore) -> Charts {
    store
        .write(|tx| {
            let actor = Actor::new("test:clerk");
            let mut patient = |mrn: &str, family: &str| {
                let p = Patient::new(
                    Mrn::parse(mrn).unwrap(),
                    FACILITY_MRN_AUTHORITY,
                    family,
                    "Dana",
                    date!(1958 - 02 - 11),
                    AdministrativeSex::Female,
                );
                tx.create(&actor, &p).map(|s| PatientId(s.meta.id))
            };
            let right = patient("M00000101", "Rightchart")?;
            let wrong = patient("M00000102", "Wrongchart")?;
            let visit = |tx: &mut store::Tx<'_>, patient| {
                tx.create(
                    &actor,
                    &Encounter {
                        patient_id: patient,
                        class: EncounterClass::Outpatient,
                        status: EncounterStatus::Finished,
                        admit_at: datetime!(2026-02-20 10:00 UTC),
                        discharge_at: Some(datetime!(2026-02-20 11:00 UTC)),
                        attending_id: None,
                        facility_id: None,
                        payer_id: None,
                        discharge_disposition: None,
                        reason: Some("follow-up".into()),
                        service: None,
                    },
                )
                .map(|s| EncounterId(s.meta.id))
            };
            Ok(Charts {
                right,
                wrong,
                visit: visit(tx, right)?,
                wrong_visit: visit(tx, wrong)?,
            })
        })
        .unwrap()
}

fn who(store: &TestStore, user: &str) -> AuditEvent {
    AuditEvent::new(store.clock.now(), user, Action::Read, Channel::Cli)
}

fn scanned_documents(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = AuditTrail::with_key(AuditKey::from_bytes(&[7; 32]).unwrap(), dir.path());
    let content = content_store(dir.path());
    let c = charts(store);
    let him = who(store, "os:him");

    // A referral letter filed to the wrong chart by mistake, with its visit.
    let letter = add(
        store,
        &trail,
        &him,
        &content,
        &Filing {
            patient_id: Some(c.wrong),
            document_type: Some("referral".into()),
            service_date: Some(date!(2026 - 02 - 20)),
            encounter_id: Some(c.wrong_visit),
            title: Some("Referral letter".into()),
        },
        &jpeg(3),
    )
    .unwrap();
    assert_eq!(letter.record.status, DocumentStatus::Indexed);
    assert_eq!(letter.record.pages, 1);
    assert!(letter.record.thumbnail_sha256.is_some());
    assert_eq!(letter.record.content_sha1, documents::sha1_base64(&jpeg(3)));

    // A fax nobody has read yet, and a TIFF whose type is not known: the queue.
    let fax = add(store, &trail, &him, &content, &Filing::default(), &pdf(3)).unwrap();
    let typeless = add(
        store,
        &trail,
        &him,
        &content,
        &Filing {
            patient_id: Some(c.right),
            ..Filing::default()
        },
        &tiff(2),
    )
    .unwrap();
    assert_eq!(fax.record.status, DocumentStatus::Unindexed);
    assert_eq!((fax.record.pages, typeless.record.pages), (3, 2));
    let waiting = queue(store, &trail, &him, 50).unwrap();
    let ids: Vec<i64> = waiting.iter().map(|l| l.document.meta.id).collect();
    assert_eq!(ids, vec![fax.meta.id, typeless.meta.id], "oldest first");
    assert_eq!(waiting[1].mrn.as_deref(), Some("M00000101"));

    // Refusals write nothing: a damaged file, an unknown type, another chart's encounter.
    let before = store.read(|tx| tx.count::<ScannedDocument>(&[])).unwrap();
    let j = jpeg(4);
    let err = add(
        store,
        &trail,
        &him,
        &content,
        &Filing::default(),
        &j[..j.len() / 3],
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("damaged JPEG"), "{err}");
    let err = add(
        store,
        &trail,
        &him,
        &content,
        &Filing {
            document_type: Some("napkin".into()),
            ..Filing::default()
        },
        &jpeg(4),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("\"napkin\" is not a document type"),
        "{err}"
    );
    let err = add(
        store,
        &trail,
        &him,
        &content,
        &Filing {
            patient_id: Some(c.right),
            encounter_id: Some(c.wrong_visit),
            ..Filing::default()
        },
        &jpeg(4),
    )
    .unwrap_err();
    assert!(err.to_string().contains("encounter_id: encounter"), "{err}");
    assert_eq!(
        store.read(|tx| tx.count::<ScannedDocument>(&[])).unwrap(),
        before
    );

    // Indexing from the queue.
    let filed = index(
        store,
        &trail,
        &him,
        fax.meta.id,
        &Filing {
            patient_id: Some(c.right),
            document_type: Some("outside_records".into()),
            service_date: Some(date!(2026 - 01 - 05)),
            ..Filing::default()
        },
    )
    .unwrap();
    assert_eq!(filed.record.status, DocumentStatus::Indexed);
    assert_eq!(filed.record.indexed_by.as_deref(), Some("os:him"));
    let err = index(
        store,
        &trail,
        &him,
        fax.meta.id,
        &Filing {
            patient_id: Some(c.wrong),
            ..Filing::default()
        },
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("move it to another chart"),
        "{err}"
    );
    let waiting = queue(store, &trail, &him, 50).unwrap();
    assert_eq!(waiting.len(), 1);

    // The misfiled letter moves to the right chart; its old visit does not follow.
    let err = move_to(store, &trail, &him, letter.meta.id, c.right, None, "  ").unwrap_err();
    assert!(err.to_string().contains("reason: say why"), "{err}");
    let moved = move_to(
        store,
        &trail,
        &him,
        letter.meta.id,
        c.right,
        Some(c.visit),
        "misfiled: Rightchart's name on the letter",
    )
    .unwrap();
    assert_eq!(moved.record.patient_id, Some(c.right));
    assert_eq!(moved.record.encounter_id, Some(c.visit));
    assert!(
        for_patient(store, &trail, &him, c.wrong)
            .unwrap()
            .is_empty()
    );
    let on_right = for_patient(store, &trail, &him, c.right).unwrap();
    assert_eq!(on_right.len(), 3);
    assert_eq!(
        on_right[0].meta.id, letter.meta.id,
        "newest date of service first"
    );

    let trail_of = |patient: PatientId| {
        store
            .audit_entries(&AuditFilter {
                patient_id: Some(patient),
                action: Some(Action::Update),
                ..AuditFilter::default()
            })
            .unwrap()
            .into_iter()
            .filter(|e| e.event.record_id == Some(letter.meta.id))
            .map(|e| e.event.reason.clone().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        trail_of(c.wrong),
        vec![
            "scanned document moved out of this chart to M00000101: misfiled: Rightchart's name on the letter"
        ]
    );
    assert_eq!(
        trail_of(c.right),
        vec![
            "scanned document moved into this chart from M00000102: misfiled: Rightchart's name on the letter"
        ]
    );
    let history = store
        .read(|tx| tx.history("scanned_document", letter.meta.id))
        .unwrap();
    assert!(!history.is_empty(), "the earlier filing is kept");

    // Pages and thumbnail read back checked; an export is audited as one.
    let (_, bytes) = content_of(
        store,
        &trail,
        &him,
        &content,
        letter.meta.id,
        Part::Content,
        None,
    )
    .unwrap();
    assert_eq!(bytes.unwrap(), jpeg(3));
    let (_, thumb) = content_of(
        store,
        &trail,
        &him,
        &content,
        letter.meta.id,
        Part::Thumbnail,
        None,
    )
    .unwrap();
    assert!(image::load_from_memory(&thumb.unwrap()).is_ok());
    let (_, drawn) = content_of(
        store,
        &trail,
        &him,
        &content,
        fax.meta.id,
        Part::Thumbnail,
        None,
    )
    .unwrap();
    let drawn = image::load_from_memory(&drawn.expect("the PDF's first page was drawn")).unwrap();
    assert!(drawn.height() > drawn.width(), "a portrait first page");
    content_of(
        store,
        &trail,
        &him,
        &content,
        fax.meta.id,
        Part::Content,
        Some("/tmp/fax.pdf"),
    )
    .unwrap();
    let shown = show(store, &trail, &him, fax.meta.id).unwrap();
    assert_eq!(shown.mrn.as_deref(), Some("M00000101"));

    // A file changed on disk is refused and the failure audited.
    let sha = &typeless.record.content_sha256;
    std::fs::write(
        dir.path().join("documents").join(&sha[..2]).join(sha),
        b"tampered",
    )
    .unwrap();
    let err = content_of(
        store,
        &trail,
        &him,
        &content,
        typeless.meta.id,
        Part::Content,
        None,
    )
    .unwrap_err();
    assert!(err.to_string().contains("fails its checksum"), "{err}");

    let entries = store
        .audit_entries(&AuditFilter {
            user: Some("os:him".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    let actions = |id: i64| -> Vec<(Action, Outcome)> {
        entries
            .iter()
            .filter(|e| {
                e.event.record_kind.as_deref() == Some("scanned_document")
                    && e.event.record_id == Some(id)
            })
            .map(|e| (e.event.action, e.event.outcome))
            .collect()
    };
    assert_eq!(
        actions(fax.meta.id),
        vec![
            (Action::Create, Outcome::Success),
            (Action::Update, Outcome::Success),
            // The drawn first page is a look at the document like any other.
            (Action::Read, Outcome::Success),
            (Action::Export, Outcome::Success),
            (Action::Read, Outcome::Success),
        ]
    );
    assert_eq!(
        actions(typeless.meta.id),
        vec![
            (Action::Create, Outcome::Success),
            (Action::Read, Outcome::Failure)
        ]
    );
}

backend_tests!(scanned_documents);
