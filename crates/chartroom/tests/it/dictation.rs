//! `chartroom dictation`: a recording uploaded for a demo patient's stay, bad files refused
//! with their problem named and nothing recorded, the draft (none without an engine), an
//! edit, the signature into the chart, the audio export, every step in the audit trail.

use crate::cli::{chartroom, stdout};
use serde_json::Value;
use std::path::Path;

fn json(data: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&stdout(&chartroom(data, &all))).unwrap()
}

fn failure(data: &Path, args: &[&str]) -> String {
    let output = chartroom(data, args);
    assert!(!output.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// One second of a 16 kHz 16-bit mono WAV (a tone: the CLI checks the container).
fn wav(path: &Path, seconds: u32) {
    let samples = 16_000 * seconds;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + samples * 2).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&16_000u32.to_le_bytes());
    bytes.extend_from_slice(&32_000u32.to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&(samples * 2).to_le_bytes());
    for i in 0..samples {
        let v = ((f64::from(i) * 0.05).sin() * 8000.0) as i16;
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_dictation_goes_from_upload_to_a_signed_note() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "5", "--seed", "3"]));
    // A patient's encounter with an attending.
    let (patient, encounter, attending) = (1..=5)
        .find_map(|p| {
            let chart = json(&data, &["patient", "show", &p.to_string()]);
            chart["encounters"]
                .as_array()
                .unwrap()
                .iter()
                .find_map(|e| {
                    let attending = e["record"]["attending_id"].as_i64()?;
                    Some((p, e["meta"]["id"].as_i64().unwrap(), attending))
                })
        })
        .expect("a demo encounter with an attending");
    let (patient, encounter) = (patient.to_string(), encounter.to_string());
    let recording = dir.path().join("dictation.wav");
    wav(&recording, 2);

    // Bad files and bad arguments: each named, nothing recorded.
    let not_audio = dir.path().join("letter.wav");
    std::fs::write(&not_audio, "Dear colleague").unwrap();
    let add = |file: &Path, kind: &str| -> Vec<String> {
        [
            "dictation",
            "add",
            &file.display().to_string(),
            "--patient",
            &patient,
            "--encounter",
            &encounter,
            "--type",
            kind,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    };
    let args = add(&not_audio, "discharge_summary");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = failure(&data, &args);
    assert!(
        err.contains("not an audio file: expected WAV (RIFF/WAVE), FLAC (fLaC), MP3 (ID3 or an MPEG audio frame) or Ogg Vorbis (OggS)"),
        "{err}"
    );
    assert!(err.contains("nothing was recorded"), "{err}");
    let truncated = dir.path().join("cut.wav");
    let whole = std::fs::read(&recording).unwrap();
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let args = add(&truncated, "discharge_summary");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert!(failure(&data, &args).contains(
        "truncated WAV: its header promises 64000 bytes of audio but the file holds 31978"
    ));
    let args = add(&recording, "x_ray");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert!(failure(&data, &args).contains("unknown note type \"x_ray\" for a dictation; one of history_and_physical, progress, consultation, operative_report, discharge_summary, radiology_report"));
    let listed = json(&data, &["dictation", "list"]);
    assert_eq!(listed["waiting_for_draft"].as_array().unwrap().len(), 0);

    // Upload, draft (PocketSphinx hears little in a tone; without it the draft says so),
    // edit, sign.
    let args = add(&recording, "progress");
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.extend(["--priority", "stat"]);
    let added = json(&data, &args);
    let id = added["meta"]["id"].as_i64().unwrap().to_string();
    assert_eq!(added["record"]["status"], "waiting_for_draft");
    assert_eq!(added["record"]["priority"], "stat");
    assert_eq!(added["record"]["provider_id"].as_i64(), Some(attending));
    let out = stdout(&chartroom(&data, &["dictation", "transcribe"]));
    assert!(
        out.contains(&format!(
            "Dictation {id}: no draft: recogniser not installed."
        )) || out.contains(&format!("Dictation {id}: draft of ")),
        "{out}"
    );
    let shown = stdout(&chartroom(&data, &["dictation", "show", &id]));
    assert!(shown.contains("Objective:  [EMPTY: required]"), "{shown}");
    let text = dir.path().join("note.txt");
    std::fs::write(&text, "Subjective:\nCough for three days.\n\nObjective:\nTemperature 38.1.\n\nAssessment:\nAcute bronchitis.\n\nPlan:\nFluids, rest, return if worse.\n").unwrap();
    let text = text.display().to_string();
    let attending = attending.to_string();
    let sign = ["dictation", "sign", &id, "--provider", &attending];
    let err = failure(&data, &sign);
    assert!(
        err.contains("required sections are empty: ")
            && err.contains("Objective, Assessment, Plan"),
        "{err}"
    );
    let saved = json(
        &data,
        &["dictation", "edit", &id, "--text-file", &text, "--done"],
    );
    assert_eq!(saved["record"]["status"], "waiting_for_signature");
    let signed = json(&data, &sign);
    assert_eq!(signed["dictation"]["record"]["status"], "signed");
    let note = signed["note"]["meta"]["id"].as_i64().unwrap();
    let chart = json(&data, &["patient", "show", &patient]);
    let in_chart = chart["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["meta"]["id"].as_i64() == Some(note))
        .unwrap();
    assert_eq!(in_chart["record"]["signer_id"].to_string(), attending);
    assert!(
        in_chart["record"]["text"]
            .as_str()
            .unwrap()
            .contains("Acute bronchitis.")
    );

    // The audio comes back byte for byte, as an audited export.
    let copy = dir.path().join("copy.wav");
    stdout(&chartroom(
        &data,
        &[
            "dictation",
            "audio",
            &id,
            "--out",
            &copy.display().to_string(),
        ],
    ));
    assert_eq!(std::fs::read(&copy).unwrap(), whole);
    let entries = json(&data, &["audit", "list"]);
    let steps: Vec<String> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["record_kind"] == "dictation" && e["record_id"].as_str() == Some(id.as_str()))
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        steps,
        [
            "create", "read", "update", "read", "update", "update", "export"
        ],
        "{entries}"
    );
    let turnaround = json(&data, &["dictation", "turnaround"]);
    assert_eq!(turnaround["to_signed"]["count"], 1);
    // One edit by the OS user: its lines counted (the clock stands still in no test, so
    // the time is whatever passed since the draft).
    let lines = json(&data, &["dictation", "lines", "--days", "7"]);
    assert_eq!(lines.as_array().unwrap().len(), 1, "{lines}");
    assert_eq!(lines[0]["dictations"], 1);
    assert!(lines[0]["lines"].as_u64().unwrap() >= 1, "{lines}");
}

#[test]
fn a_facility_templates_file_is_used_and_a_bad_one_refused_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "2", "--seed", "3"]));
    let recording = dir.path().join("note.wav");
    wav(&recording, 1);
    let add = [
        "dictation",
        "add",
        recording.to_str().unwrap(),
        "--patient",
        "1",
        "--encounter",
        "1",
        "--type",
        "progress",
    ];
    let shipped = transcription::templates::DEFAULT_TEMPLATES;
    std::fs::write(
        data.join("note-templates.toml"),
        shipped.replacen("name = \"Subjective\"", "name = \"Objective\"", 1),
    )
    .unwrap();
    let err = failure(&data, &add);
    let line = shipped
        .lines()
        .position(|l| l.contains("name = \"Subjective\""))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!(
            "note-templates.toml: line {}: template 2 (progress): section \"Objective\" appears twice",
            line + 1
        )),
        "{err}"
    );
}
