//! Dictations over the JSON API and the pages: upload (bad recordings and unknown patients
//! refused naming the problem), the queues, the editor (words tied to the recording,
//! doubtful ones marked, the text by section), saving versions, sending for signature, the
//! physician's signature becoming the chart's signed note, the spelling check, the figures,
//! the start page's counts, every step audited; and the drafting job going on past a
//! failing recording.

use crate::harness::Harness;
use crate::pages::{html, location, token};
use axum::http::StatusCode;
use base64::Engine;
use privacy::{Action, Role};
use records::{
    ClinicalNote, Dictation, DictationStatus, Encounter, EncounterClass, EncounterStatus,
    PatientId, Provider, ProviderId, RecognizedWord,
};
use serde_json::json;
use store::{Actor, Stored};
use transcription::{RecognizeError, Recognizer};

fn wav(seconds: f64, rate: u32) -> Vec<u8> {
    let n = (seconds * f64::from(rate)) as usize;
    let samples: Vec<i16> = (0..n)
        .map(|i| ((i as f64 * 0.07).sin() * 9000.0) as i16)
        .collect();
    transcription::audio::wav_bytes(&samples, rate)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A patient with a finished visit attended by a provider the physician `doc` signs as.
fn chart(h: &Harness) -> (i64, i64, i64) {
    let patient = h.add_patient("M00000301");
    h.store
        .write(|tx| {
            let actor = Actor::new("test");
            let provider = tx.create(
                &actor,
                &Provider {
                    npi: None,
                    family_name: "Dictator".into(),
                    given_name: "Dana".into(),
                    credentials: Some("MD".into()),
                    taxonomy: None,
                    specialty: None,
                    organization_id: None,
                },
            )?;
            let encounter = tx.create(
                &actor,
                &Encounter {
                    patient_id: PatientId(patient),
                    class: EncounterClass::Outpatient,
                    status: EncounterStatus::Finished,
                    admit_at: time::macros::datetime!(2026-02-10 09:00 UTC),
                    discharge_at: None,
                    attending_id: Some(ProviderId(provider.meta.id)),
                    facility_id: None,
                    payer_id: None,
                    discharge_disposition: None,
                    reason: Some("cough".into()),
                    service: None,
                },
            )?;
            tx.link_account_provider("doc", ProviderId(provider.meta.id))?;
            Ok((patient, encounter.meta.id, provider.meta.id))
        })
        .unwrap()
}

/// Says a progress note's four headings, one word doubtful.
struct Scripted;

impl Recognizer for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }

    fn recognize(&self, samples: &[i16]) -> Result<Vec<RecognizedWord>, RecognizeError> {
        if samples.len() < 16_000 {
            return Err(RecognizeError::Failed("too short to hear".into()));
        }
        let said = "subjective cough for three days objective lungs clear assessment bronchitis plan fluids and rest";
        Ok(said
            .split(' ')
            .enumerate()
            .map(|(i, w)| RecognizedWord {
                word: w.into(),
                start_ms: i as i64 * 300,
                end_ms: i as i64 * 300 + 250,
                confidence: if w == "bronchitis" { 0.2 } else { 0.9 },
            })
            .collect())
    }
}

fn dictation(h: &Harness, id: i64) -> Stored<Dictation> {
    h.store.read(|tx| tx.get::<Dictation>(id)).unwrap()
}

#[tokio::test]
async fn a_dictation_is_uploaded_drafted_edited_sent_and_signed_into_the_chart() {
    let h = Harness::new();
    h.add_user("him", &[Role::HimTechnician]);
    h.add_user("doc", &[Role::Physician]);
    h.add_user("bill", &[Role::Billing]);
    let (patient, encounter, provider) = chart(&h);
    let him = h.login("him").await;
    let doc = h.login("doc").await;
    let bill = h.login("bill").await;
    let upload = |content: String, patient: i64| json!({ "content": content, "patient_id": patient, "encounter_id": encounter, "note_type": "progress", "priority": "stat" });

    // Bad input: each refused naming the problem, nothing recorded.
    let cases = [
        (
            upload(b64(b"%PDF-1.4 not audio"), patient),
            "content: not an audio file",
        ),
        (
            upload(b64(&wav(2.0, 16_000)[..3000]), patient),
            "content: truncated WAV",
        ),
        (
            upload(b64(&wav(0.0, 16_000)), patient),
            "content: the recording is empty",
        ),
        (
            upload(b64(&wav(3.0 * 3600.0 + 60.0, 100)), patient),
            "content: the recording is 3 h 01 min 00 s long; at most 3 hours are accepted",
        ),
        (
            upload(b64(&wav(2.0, 16_000)), 999_999),
            "patient_id: patient 999999 does not exist",
        ),
        (
            json!({ "content": b64(&wav(2.0, 16_000)), "patient_id": patient, "encounter_id": encounter, "note_type": "letter" }),
            "note_type: unknown note type",
        ),
        (
            json!({ "content": "%%%", "patient_id": patient, "encounter_id": encounter, "note_type": "progress" }),
            "content: is not base64",
        ),
    ];
    for (body, expected) in cases {
        let refused = h
            .call("POST", "/api/dictations", Some(&him), Some(body))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(
            refused.body["error"]
                .as_str()
                .unwrap()
                .starts_with(expected),
            "{expected}: {}",
            refused.body
        );
    }
    let refused = h
        .call(
            "POST",
            "/api/dictations",
            Some(&bill),
            Some(upload(b64(&wav(2.0, 16_000)), patient)),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        h.store
            .read(|tx| tx.select::<Dictation>("1 = 1", &[], "id", 10))
            .unwrap()
            .is_empty()
    );

    // Uploaded, then drafted by the job's step.
    let added = h
        .call(
            "POST",
            "/api/dictations",
            Some(&him),
            Some(upload(b64(&wav(2.0, 16_000)), patient)),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(added.body["status"], "waiting_for_draft");
    let id = added.body["id"].as_i64().unwrap();
    let audio = transcription::audio_store::in_data_dir(h.trail.dir());
    let templates = transcription::Templates::defaults().unwrap();
    let drafted =
        transcription::draft_waiting(&h.store, &h.trail, &audio, &Scripted, &templates).unwrap();
    assert_eq!(drafted.len(), 1);
    let queues = h.call("GET", "/api/dictations", Some(&him), None).await;
    assert_eq!(
        queues.body["queues"]["editing"][0]["id"], id,
        "{}",
        queues.body
    );
    assert_eq!(queues.body["queues"]["editing"][0]["mrn"], "M00000301");

    // The editor: the words tied to the recording, the doubtful one marked, the sections.
    let page = h
        .call("GET", &format!("/dictations/{id}"), Some(&him), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let text = html(&page);
    assert!(
        text.contains("Draft as heard (14 words, 1 doubtful)"),
        "{text}"
    );
    assert!(
        text.contains("Testpatient, Tess</a> <small>MRN M00000301</small>"),
        "{text}"
    );
    assert!(
        text.contains(r#"class="word low" type="button" data-start="2700""#),
        "{text}"
    );
    assert!(text.contains(r#"data-heading="Assessment""#));
    assert!(text.contains(">bronchitis</textarea>"), "{text}");
    assert!(text.contains("Save and send for signature"));
    // The department's shortcuts travel with the form, for the editor's script to expand.
    assert!(
        text.contains("data-shortcuts=\"{&quot;.aox3&quot;:")
            && text.contains("No known drug allergies."),
        "{text}"
    );
    assert!(text.contains(" back 3 s "), "{text}");
    assert!(
        !text.contains("Sign as my note"),
        "an HIM technician signs nothing"
    );
    let heard = h
        .call("GET", &format!("/dictations/{id}/audio"), Some(&him), None)
        .await;
    assert_eq!(heard.status, StatusCode::OK);
    assert_eq!(heard.headers["content-type"], "audio/wav");
    assert_eq!(heard.headers["accept-ranges"], "bytes");
    let part = h
        .send(
            "GET",
            &format!("/dictations/{id}/audio"),
            &[("cookie", &him), ("range", "bytes=0-9")],
            None,
        )
        .await;
    assert_eq!(
        part.status,
        StatusCode::PARTIAL_CONTENT,
        "a player seeks by ranges"
    );
    assert_eq!(
        part.headers["content-range"],
        format!("bytes 0-9/{}", wav(2.0, 16_000).len())
    );

    // The transcriptionist changes a word and saves, then sends it for signature.
    let form_token = token(&page);
    let version = dictation(&h, id).meta.version.to_string();
    let saved = h
        .form(
            &format!("/dictations/{id}/save"),
            Some(&him),
            &[
                ("token", &form_token),
                ("version", &version),
                ("section-0", "Cough for three days."),
                ("section-1", "Lungs clear."),
                ("section-2", "Acute bronchitis."),
                ("section-3", "Fluids and rest."),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(location(&saved), format!("/dictations/{id}?saved=2"));
    let stale = h
        .form(
            &format!("/dictations/{id}/save"),
            Some(&him),
            &[
                ("token", &form_token),
                ("version", &version),
                ("section-0", "x"),
                ("section-1", "x"),
                ("section-2", "x"),
                ("section-3", "x"),
            ],
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::CONFLICT,
        "a stale copy is refused"
    );
    let now = dictation(&h, id);
    let sent = h
        .call(
            "POST",
            &format!("/api/dictations/{id}/text"),
            Some(&him),
            Some(json!({ "version": now.meta.version, "text": now.record.text, "done": true })),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(sent.body["status"], "waiting_for_signature");
    assert_eq!(sent.body["transcriptionist"], "him");

    // Spelling: a misspelt drug gets the medical word.
    let spelt = h
        .call(
            "POST",
            "/api/dictations/spelling",
            Some(&him),
            Some(json!({ "text": "Plan:\nStart amoxicilin." })),
        )
        .await;
    assert_eq!(spelt.status, StatusCode::OK, "{}", spelt.body);
    assert_eq!(spelt.body["misspelt"][0]["word"], "amoxicilin");
    assert_eq!(spelt.body["misspelt"][0]["suggestions"][0], "amoxicillin");

    // The start pages count the queues.
    let start = h.call("GET", "/", Some(&him), None).await;
    assert!(
        html(&start).contains("0 waiting for a draft · 0 to edit · 1 waiting for signature"),
        "{}",
        html(&start)
    );
    let start = h.call("GET", "/", Some(&doc), None).await;
    assert!(
        html(&start).contains("1 waiting for your signature"),
        "{}",
        html(&start)
    );

    // The physician signs on the page: the note is on the chart, signed.
    let page = h
        .call("GET", &format!("/dictations/{id}"), Some(&doc), None)
        .await;
    assert!(html(&page).contains("Sign as my note"));
    let now = dictation(&h, id);
    let signed = h
        .form(
            &format!("/dictations/{id}/sign"),
            Some(&doc),
            &[
                ("token", &token(&page)),
                ("version", &now.meta.version.to_string()),
            ],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert!(location(&signed).starts_with(&format!("/patients/{patient}?dictation_signed=")));
    let done = dictation(&h, id);
    assert_eq!(done.record.status, DictationStatus::Signed);
    let note: Stored<ClinicalNote> = h
        .store
        .read(|tx| tx.get(done.record.note_id.unwrap().0))
        .unwrap();
    assert_eq!(note.record.signer_id, Some(ProviderId(provider)));
    assert!(note.record.text.contains("Acute bronchitis."));
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&doc), None)
        .await;
    assert!(html(&chart).contains("Acute bronchitis."));
    let again = h
        .call(
            "POST",
            &format!("/api/dictations/{id}/sign"),
            Some(&doc),
            Some(json!({ "version": done.meta.version })),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

    // Figures: the transcriptionist's lines.
    let figures = h
        .call("GET", "/api/dictations/figures?days=7", Some(&him), None)
        .await;
    assert_eq!(figures.status, StatusCode::OK, "{}", figures.body);
    assert_eq!(figures.body["lines_per_hour"][0]["transcriptionist"], "him");
    assert_eq!(figures.body["turnaround"]["to_signed"]["count"], 1);
    let report = h.call("GET", "/dictations/report", Some(&him), None).await;
    assert!(html(&report).contains("<td>him</td>"), "{}", html(&report));

    // Every step is in the trail.
    let steps: Vec<(String, Action)> = h
        .audit()
        .into_iter()
        .filter(|e| {
            e.event.record_kind.as_deref() == Some("dictation") && e.event.record_id == Some(id)
        })
        .map(|e| (e.event.user.clone(), e.event.action))
        .collect();
    for wanted in [
        ("him".to_owned(), Action::Create),
        (transcription::JOB_USER.to_owned(), Action::Update),
        ("him".to_owned(), Action::Read),
        ("him".to_owned(), Action::Update),
        ("doc".to_owned(), Action::Update),
    ] {
        assert!(steps.contains(&wanted), "{wanted:?} in {steps:?}");
    }
    assert!(
        h.audit()
            .iter()
            .any(|e| e.event.action == Action::Sign && e.event.user == "doc")
    );
}

#[tokio::test]
async fn the_drafting_job_records_a_failure_and_drafts_the_next() {
    let h = Harness::new();
    h.add_user("doc", &[Role::Physician]);
    let (patient, encounter, _) = chart(&h);
    let doc = h.login("doc").await;
    h.state
        .keep_dictations_drafted(|| Box::new(Scripted))
        .unwrap();
    let mut ids = Vec::new();
    for seconds in [0.5, 2.0] {
        let added = h
            .call(
                "POST",
                "/api/dictations",
                Some(&doc),
                Some(json!({ "content": b64(&wav(seconds, 16_000)), "patient_id": patient, "encounter_id": encounter, "note_type": "progress" })),
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
        ids.push(added.body["id"].as_i64().unwrap());
    }
    let mut waited = 0;
    while ids
        .iter()
        .any(|id| dictation(&h, *id).record.status == DictationStatus::WaitingForDraft)
    {
        assert!(waited < 200, "the job drafted nothing in 20 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    let failed = dictation(&h, ids[0]);
    assert_eq!(failed.record.status, DictationStatus::Editing);
    assert_eq!(
        failed.record.draft_problem.as_deref(),
        Some("no draft: recognition failed: too short to hear")
    );
    let drafted = dictation(&h, ids[1]);
    assert_eq!(drafted.record.draft_problem, None);
    assert_eq!(drafted.record.words.len(), 14);
    assert!(
        drafted
            .record
            .text
            .starts_with("Subjective:\ncough for three days")
    );
}

#[tokio::test]
async fn without_a_recogniser_the_job_says_so_and_the_dictation_waits_for_a_person() {
    let h = Harness::new();
    h.add_user("doc", &[Role::Physician]);
    let (patient, encounter, _) = chart(&h);
    let doc = h.login("doc").await;
    h.state
        .keep_dictations_drafted(|| Box::new(transcription::NoRecognizer))
        .unwrap();
    let added = h
        .call(
            "POST",
            "/api/dictations",
            Some(&doc),
            Some(json!({ "content": b64(&wav(1.0, 8_000)), "patient_id": patient, "encounter_id": encounter, "note_type": "consultation" })),
        )
        .await;
    let id = added.body["id"].as_i64().unwrap();
    let mut waited = 0;
    while dictation(&h, id).record.status == DictationStatus::WaitingForDraft {
        assert!(waited < 200, "the job drafted nothing in 20 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    let d = dictation(&h, id);
    assert_eq!(
        d.record.draft_problem.as_deref(),
        Some(transcription::NO_RECOGNISER)
    );
    let page = h
        .call("GET", &format!("/dictations/{id}"), Some(&doc), None)
        .await;
    assert!(html(&page).contains("no draft: recogniser not installed"));
}

/// A recording made for the transcription crate's tests (`test_data/audio/README.md`).
fn recording(name: &str) -> Vec<u8> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../transcription/test_data/audio");
    std::fs::read(dir.join(name)).unwrap()
}

#[tokio::test]
async fn mp3_and_ogg_vorbis_are_uploaded_and_played_back_as_themselves() {
    let h = Harness::new();
    h.add_user("him", &[Role::HimTechnician]);
    let (patient, encounter, _) = chart(&h);
    let him = h.login("him").await;
    let upload = |content: &[u8]| json!({ "content": b64(content), "patient_id": patient, "encounter_id": encounter, "note_type": "progress" });

    let page = h.call("GET", "/dictations", Some(&him), None).await;
    let text = html(&page);
    assert!(
        text.contains("Recording (WAV, FLAC, MP3 or Ogg Vorbis, at most 3 hours)")
            && text.contains("audio/mpeg")
            && text.contains(".mp3")
            && text.contains(".ogg"),
        "the form offers the new types: {text}"
    );

    let mut damaged = recording("stereo-44k-2s.mp3");
    let at = damaged.len() / 3;
    damaged[at..]
        .iter_mut()
        .for_each(|b| *b = b.wrapping_mul(7).wrapping_add(3));
    let ogg = recording("stereo-44k-2s.ogg");
    for (content, expected) in [
        (damaged, "content: damaged MP3: malformed stream: "),
        (
            ogg[..ogg.len() / 2].to_vec(),
            "content: truncated Ogg Vorbis: the file ends after ",
        ),
        (
            recording("tone-1.5s.opus"),
            "content: Ogg Opus is not accepted: expected WAV, FLAC, MP3 or Ogg Vorbis",
        ),
    ] {
        let refused = h
            .call(
                "POST",
                "/api/dictations",
                Some(&him),
                Some(upload(&content)),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        let error = refused.body["error"].as_str().unwrap();
        assert!(error.starts_with(expected), "{expected}: {error}");
    }
    assert!(
        h.store
            .read(|tx| tx.select::<Dictation>("1 = 1", &[], "id", 10))
            .unwrap()
            .is_empty(),
        "nothing recorded"
    );

    for (name, format, media_type, ms) in [
        ("tone-1.5s.mp3", "mp3", "audio/mpeg", 1584),
        ("stereo-44k-2s.ogg", "ogg", "audio/ogg", 2000),
    ] {
        let bytes = recording(name);
        let added = h
            .call("POST", "/api/dictations", Some(&him), Some(upload(&bytes)))
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
        let id = added.body["id"].as_i64().unwrap();
        let d = dictation(&h, id);
        assert_eq!(
            (d.record.audio_format.as_str(), d.record.duration_ms),
            (format, ms)
        );
        let heard = h
            .call("GET", &format!("/dictations/{id}/audio"), Some(&him), None)
            .await;
        assert_eq!(heard.status, StatusCode::OK);
        assert_eq!(heard.headers["content-type"], media_type);
        assert_eq!(
            heard.headers["content-length"],
            bytes.len().to_string().as_str()
        );
    }
}
