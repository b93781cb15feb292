//! The workflow on both stores: upload, draft (and the job going on past failures), edit
//! with versions, the queues, signing into the chart's signed note with the discharge
//! summary's deficiency closed, every step audited.

use crate::audio::tone;
use privacy::{Action, AuditEvent, AuditKey, Channel};
use records::*;
use review::RuleSet;
use store::{Actor, AuditFilter, AuditTrail, Clock, Stored};
use test_support::{TestStore, backend_tests};
use time::macros::{date, datetime};
use transcription::{
    NO_RECOGNISER, NewDictation, NoRecognizer, RecognizeError, Recognizer, Templates, add,
    audio_of, draft_waiting, parse_queue, queue, read_sections, save_text, show, sign, turnaround,
};

struct Chart {
    patient: PatientId,
    stay: EncounterId,
    attending: ProviderId,
    other: ProviderId,
}

fn provider(family: &str) -> Provider {
    Provider {
        npi: None,
        family_name: family.into(),
        given_name: "Cleo".into(),
        credentials: Some("MD".into()),
        taxonomy: None,
        specialty: None,
        organization_id: None,
    }
}

fn chart(store: &TestStore) -> Chart {
    store
        .write(|tx| {
            let actor = Actor::new("test:clerk");
            let patient = Patient::new(
                Mrn::parse("M00000077").unwrap(),
                FACILITY_MRN_AUTHORITY,
                "Testperson",
                "Dana",
                date!(1958 - 02 - 11),
                AdministrativeSex::Female,
            );
            let patient = PatientId(tx.create(&actor, &patient)?.meta.id);
            let attending = ProviderId(tx.create(&actor, &provider("Attending"))?.meta.id);
            let other = ProviderId(tx.create(&actor, &provider("Other"))?.meta.id);
            let stay = tx.create(
                &actor,
                &Encounter {
                    patient_id: patient,
                    class: EncounterClass::Inpatient,
                    status: EncounterStatus::Finished,
                    admit_at: datetime!(2026-02-20 10:00 UTC),
                    discharge_at: Some(datetime!(2026-02-24 10:00 UTC)),
                    attending_id: Some(attending),
                    facility_id: None,
                    payer_id: None,
                    discharge_disposition: None,
                    reason: Some("pneumonia".into()),
                    service: None,
                },
            )?;
            Ok(Chart {
                patient,
                stay: EncounterId(stay.meta.id),
                attending,
                other,
            })
        })
        .unwrap()
}

fn trail(dir: &tempfile::TempDir) -> AuditTrail {
    AuditTrail::with_key(AuditKey::from_bytes(&[5; 32]).unwrap(), dir.path())
}

fn who(store: &TestStore, user: &str) -> AuditEvent {
    AuditEvent::new(store.clock.now(), user, Action::Read, Channel::Cli)
}

/// A recogniser that hears a fixed discharge summary, or fails on the stat one.
struct Scripted;

impl Recognizer for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }

    fn recognize(&self, samples: &[i16]) -> Result<Vec<RecognizedWord>, RecognizeError> {
        if samples.len() < 16_000 {
            return Err(RecognizeError::Failed("the engine crashed".into()));
        }
        let said = "admission date february twentieth discharge date february twenty fourth \
                    diagnoses pneumonia hospital course treated with ceftriaxone";
        Ok(said
            .split(' ')
            .enumerate()
            .map(|(i, w)| RecognizedWord {
                word: w.into(),
                start_ms: i as i64 * 400,
                end_ms: i as i64 * 400 + 350,
                confidence: if w == "ceftriaxone" { 0.3 } else { 0.9 },
            })
            .collect())
    }
}

fn new(chart: &Chart, priority: DictationPriority) -> NewDictation {
    NewDictation {
        patient_id: chart.patient,
        encounter_id: chart.stay,
        provider_id: None,
        note_type: NoteType::DischargeSummary,
        priority,
    }
}

fn dictation_to_signed_note(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    let audio = transcription::audio_store::in_data_dir(dir.path());
    let templates = Templates::defaults().unwrap();
    let rules = RuleSet::defaults().unwrap();
    let chart = chart(store);
    let poa = review::PoaExempt::embedded().unwrap();
    let cx = review::Context {
        codes: None,
        poa_exempt: &poa,
    };
    store
        .write(|tx| {
            review::review_patient(tx, &Actor::new("job:review"), chart.patient.0, &rules, &cx)
        })
        .unwrap();
    let missing: Vec<Stored<Deficiency>> = store
        .read(|tx| review::deficiencies_of(tx, chart.patient.0))
        .unwrap()
        .into_iter()
        .filter(|d| d.record.rule_id == "discharge-summary-missing")
        .collect();
    assert_eq!(missing.len(), 1, "the stay lacks its discharge summary");

    // Upload: a routine one, then a stat one (too short for the scripted engine), and a
    // file that is not audio, refused with nothing written.
    let doctor = who(store, "os:dr");
    let routine = add(
        store,
        &trail,
        &doctor,
        &audio,
        &templates,
        &new(&chart, DictationPriority::Routine),
        &tone(2.0, 16_000),
    )
    .unwrap();
    assert_eq!(routine.record.status, DictationStatus::WaitingForDraft);
    assert_eq!(
        routine.record.provider_id, chart.attending,
        "the attending by default"
    );
    assert_eq!(routine.record.duration_ms, 2000);
    store.clock.advance(time::Duration::minutes(5));
    let stat = add(
        store,
        &trail,
        &doctor,
        &audio,
        &templates,
        &new(&chart, DictationPriority::Stat),
        &tone(0.5, 8000),
    )
    .unwrap();
    let refused = add(
        store,
        &trail,
        &doctor,
        &audio,
        &templates,
        &new(&chart, DictationPriority::Stat),
        b"not audio",
    )
    .unwrap_err();
    assert!(
        refused.to_string().starts_with("not an audio file"),
        "{refused}"
    );
    let wrong_patient = NewDictation {
        patient_id: PatientId(chart.patient.0 + 100),
        ..new(&chart, DictationPriority::Routine)
    };
    let refused = add(
        store,
        &trail,
        &doctor,
        &audio,
        &templates,
        &wrong_patient,
        &tone(1.0, 16_000),
    )
    .unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!(
            "dictation.patient_id: patient {} does not exist",
            chart.patient.0 + 100
        )
    );

    let clerk = who(store, "os:clerk");
    let waiting = queue(store, &trail, &clerk, parse_queue("draft").unwrap(), 10).unwrap();
    let order: Vec<i64> = waiting.iter().map(|q| q.dictation.meta.id).collect();
    assert_eq!(order, vec![stat.meta.id, routine.meta.id], "stat first");
    assert_eq!(waiting[1].age_minutes, 5);
    assert_eq!(waiting[0].mrn, "M00000077");

    // The job: the stat one fails, the routine one is drafted; neither stops the other.
    store.clock.advance(time::Duration::minutes(3));
    let drafted = draft_waiting(store, &trail, &audio, &Scripted, &templates).unwrap();
    assert_eq!(drafted.len(), 2);
    let failed = drafted[0].outcome.as_ref().unwrap();
    assert_eq!(failed.record.status, DictationStatus::Editing);
    assert_eq!(
        failed.record.draft_problem.as_deref(),
        Some("no draft: recognition failed: the engine crashed")
    );
    let routine = drafted[1].outcome.as_ref().unwrap().clone();
    assert_eq!(routine.record.draft_problem, None);
    assert_eq!(routine.record.words.len(), 16);
    let template = templates.of(NoteType::DischargeSummary).unwrap();
    let (sections, _) = read_sections(template, &routine.record.text);
    assert_eq!(sections[3].text, "treated with ceftriaxone");
    let flagged: Vec<&str> = sections
        .iter()
        .filter(|s| s.flagged())
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(flagged, vec!["Discharge medications", "Follow-up"]);

    // Without an engine the upload still works and the draft says why.
    let third = add(
        store,
        &trail,
        &doctor,
        &audio,
        &templates,
        &new(&chart, DictationPriority::Routine),
        &tone(1.0, 16_000),
    )
    .unwrap();
    let drafted = draft_waiting(store, &trail, &audio, &NoRecognizer, &templates).unwrap();
    let third = drafted
        .into_iter()
        .find(|d| d.id == third.meta.id)
        .unwrap()
        .outcome
        .unwrap();
    assert_eq!(third.record.draft_problem.as_deref(), Some(NO_RECOGNISER));
    assert_eq!(third.record.status, DictationStatus::Editing);

    // Signing with empty required sections is refused, naming them.
    let signer = who(store, "os:dr");
    let err = sign(
        store,
        &trail,
        &signer,
        &templates,
        &rules,
        routine.meta.id,
        routine.meta.version,
        chart.attending,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "dictation {} cannot be signed: required sections are empty: Discharge medications, Follow-up",
            routine.meta.id
        )
    );

    // The transcriptionist fills them in (a version each save) and hands it on.
    store.clock.advance(time::Duration::minutes(20));
    let typist = who(store, "os:typist");
    let text = routine
        .record
        .text
        .replace(
            "Discharge medications:",
            "Discharge medications:\namoxicillin 500 mg three times a day for five days",
        )
        .replace("Follow-up:", "Follow-up:\nprimary care in one week");
    let edited = save_text(
        store,
        &trail,
        &typist,
        routine.meta.id,
        routine.meta.version,
        &text,
        false,
    )
    .unwrap();
    assert_eq!(edited.record.text_version, 2);
    let stale = save_text(
        store,
        &trail,
        &typist,
        routine.meta.id,
        routine.meta.version,
        &text,
        true,
    )
    .unwrap_err();
    assert!(
        stale.to_string().contains("changed by someone else"),
        "{stale}"
    );
    let done = save_text(
        store,
        &trail,
        &typist,
        routine.meta.id,
        edited.meta.version,
        &text,
        true,
    )
    .unwrap();
    assert_eq!(done.record.status, DictationStatus::WaitingForSignature);
    assert_eq!(done.record.transcriptionist.as_deref(), Some("os:typist"));
    assert_eq!(
        done.record.text_version, 2,
        "saved unchanged: no new version"
    );
    let (_, versions) = show(store, &trail, &typist, routine.meta.id).unwrap();
    let kinds: Vec<(i64, &str)> = versions
        .iter()
        .map(|v| (v.record.number, v.record.kind.as_str()))
        .collect();
    assert_eq!(kinds, vec![(1, "draft"), (2, "edit")]);
    let signature = queue(store, &trail, &clerk, parse_queue("signature").unwrap(), 10).unwrap();
    assert_eq!(signature.len(), 1);

    // Only the author or attending signs; the attending's signature makes the chart's note.
    store.clock.advance(time::Duration::hours(2));
    let err = sign(
        store,
        &trail,
        &signer,
        &templates,
        &rules,
        done.meta.id,
        done.meta.version,
        chart.other,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("neither the note's author nor the encounter's attending"),
        "{err}"
    );
    let signed = sign(
        store,
        &trail,
        &signer,
        &templates,
        &rules,
        done.meta.id,
        done.meta.version,
        chart.attending,
    )
    .unwrap();
    assert_eq!(signed.dictation.record.status, DictationStatus::Signed);
    assert_eq!(signed.note.record.signer_id, Some(chart.attending));
    assert_eq!(signed.note.record.note_type, NoteType::DischargeSummary);
    assert!(signed.note.record.text.contains("amoxicillin 500 mg"));
    assert_eq!(signed.resolved.len(), 1);
    assert_eq!(signed.resolved[0].record.status, DeficiencyStatus::Resolved);
    let again = save_text(
        store,
        &trail,
        &typist,
        done.meta.id,
        signed.dictation.meta.version,
        "changed",
        false,
    )
    .unwrap_err();
    assert!(
        again.to_string().contains("is signed; it cannot be edited"),
        "{again}"
    );
    // Review agrees: the summary is there, the deficiency stays resolved.
    store
        .write(|tx| {
            review::review_patient(tx, &Actor::new("job:review"), chart.patient.0, &rules, &cx)
        })
        .unwrap();
    let after: Stored<Deficiency> = store.read(|tx| tx.get(missing[0].meta.id)).unwrap();
    assert_eq!(after.record.status, DeficiencyStatus::Resolved);

    // Listening and exporting are audited; so was every step.
    let (_, bytes) = audio_of(store, &trail, &typist, &audio, done.meta.id, None).unwrap();
    assert_eq!(bytes, tone(2.0, 16_000));
    audio_of(
        store,
        &trail,
        &typist,
        &audio,
        done.meta.id,
        Some("/tmp/x.wav"),
    )
    .unwrap();
    let entries = store
        .audit_entries(&AuditFilter {
            patient_id: Some(chart.patient),
            ..AuditFilter::default()
        })
        .unwrap();
    let about_routine: Vec<(String, Action)> = entries
        .iter()
        .filter(|e| {
            e.event.record_kind.as_deref() == Some("dictation")
                && e.event.record_id == Some(done.meta.id)
        })
        .map(|e| (e.event.user.clone(), e.event.action))
        .collect();
    assert_eq!(
        about_routine,
        vec![
            ("os:dr".into(), Action::Create),
            ("job:transcription".into(), Action::Read),
            ("job:transcription".into(), Action::Update),
            ("os:typist".into(), Action::Update),
            ("os:typist".into(), Action::Update),
            ("os:typist".into(), Action::Read),
            ("os:dr".into(), Action::Update),
            ("os:typist".into(), Action::Read),
            ("os:typist".into(), Action::Export),
        ]
    );
    assert!(
        entries
            .iter()
            .any(|e| e.event.action == Action::Sign
                && e.event.record_id == Some(signed.note.meta.id))
    );

    // Turnaround: the routine one drafted at 8 min, transcribed at 28, signed at 148.
    let figures = turnaround(store, &trail, &clerk, datetime!(2026-03-01 00:00 UTC)).unwrap();
    assert_eq!(figures.dictations, 3);
    assert_eq!(figures.stat, 1);
    assert_eq!(figures.without_draft, 2);
    assert_eq!(figures.to_signed.count, 1);
    assert!(
        (figures.to_signed.median_minutes - 148.0).abs() < 1e-6,
        "{figures:?}"
    );
    assert_eq!(figures.to_draft.count, 3);
}

backend_tests!(dictation_to_signed_note);
