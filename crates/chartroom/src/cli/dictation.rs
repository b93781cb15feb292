//! `chartroom dictation add|list|show|transcribe|edit|sign|audio|turnaround|lines`: dictation to a
//! signed note from the terminal (`crates/transcription` does the work and the auditing).
//!
//! Invariants:
//! - Audio lives in the data directory's `audio/` (by SHA-256), also when the records are
//!   in PostgreSQL.
//! - What is printed was audited first: a command whose audit fails shows nothing.

use crate::cli::audited::CliAuditor;
use crate::cli::patient::patient_id;
use crate::cli::review::rules_in_force;
use anyhow::{Context, Result, bail};
use privacy::Action;
use records::{
    Dictation, DictationPriority, DictationStatus, EncounterId, Npi, ProviderId, RecognizedWord,
};
use std::path::{Path, PathBuf};
use store::{Store, Stored};
use transcription::{
    NewDictation, QUEUES, Recognizer, Templates, parse_queue, parse_type, read_sections, type_name,
};

/// Dictation.
#[derive(Debug, clap::Subcommand)]
pub enum DictationCmd {
    /// Upload a recording (WAV, FLAC, MP3 or Ogg Vorbis) for a patient's encounter.
    Add {
        /// The recording.
        file: PathBuf,
        /// The patient (record id or MRN).
        #[arg(long)]
        patient: String,
        /// The encounter (record id).
        #[arg(long)]
        encounter: i64,
        /// The note type: history_and_physical, progress, consultation, operative_report,
        /// discharge_summary, radiology_report.
        #[arg(long = "type")]
        note_type: String,
        /// stat or routine.
        #[arg(long, default_value = "routine")]
        priority: String,
        /// The dictating provider (record id or NPI; default: the encounter's attending).
        #[arg(long)]
        provider: Option<String>,
    },
    /// The queues: waiting for a draft, editing, signature (stat first, then oldest).
    List {
        /// One queue: draft, editing, signature or signed (default: the three open ones).
        #[arg(long)]
        queue: Option<String>,
        /// At most this many per queue.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// One dictation: its steps, its text by section (empty required ones flagged), the
    /// words the recogniser was unsure of, its text versions.
    Show {
        /// The dictation's number.
        id: i64,
    },
    /// Make drafts: run the recogniser over the dictations waiting for one (or one).
    Transcribe {
        /// Only this dictation.
        id: Option<i64>,
    },
    /// Save a new text version (from a file, or standard input with `-`).
    Edit {
        /// The dictation's number.
        id: i64,
        /// The text file.
        #[arg(long = "text-file")]
        text_file: PathBuf,
        /// Hand it on for signature.
        #[arg(long)]
        done: bool,
        /// The dictation's version as read (default: the current one).
        #[arg(long = "at-version")]
        at_version: Option<i64>,
    },
    /// Sign: the text becomes the chart's signed note.
    Sign {
        /// The dictation's number.
        id: i64,
        /// The signing provider (record id or NPI): the dictating provider or the attending.
        #[arg(long)]
        provider: String,
        /// The dictation's version as read (default: the current one).
        #[arg(long = "at-version")]
        at_version: Option<i64>,
        /// A facility review rules file (default: review-rules.toml in the data directory).
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Save the recording to a file (an audited export).
    Audio {
        /// The dictation's number.
        id: i64,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Turnaround of the dictations of the last days: to draft, transcribed, signed.
    Turnaround {
        /// How many days back.
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
    /// Lines per hour per transcriptionist over the last days (65-character lines of each
    /// one's last saved version, per hour of editing read from the versions' times).
    Lines {
        /// How many days back.
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
}

fn provider_id(store: &Store, text: &str) -> Result<ProviderId> {
    let text = text.trim();
    if text.len() == 10
        && let Ok(npi) = Npi::parse(text)
    {
        return match store.read(|tx| tx.provider_by_npi(&npi))? {
            Some(p) => Ok(ProviderId(p.meta.id)),
            None => bail!("no provider has NPI {text}"),
        };
    }
    match text.parse::<i64>() {
        Ok(id) => Ok(ProviderId(id)),
        Err(_) => bail!("--provider: {text:?} is neither a provider's record id nor an NPI"),
    }
}

/// The facility's note templates file in the data directory, read instead of the shipped
/// templates when it is there.
pub const TEMPLATES_FILE: &str = "note-templates.toml";

/// The note templates in force: `DATA_DIR/note-templates.toml` when present (a bad file is
/// refused naming each problem's line), else the shipped ones.
pub fn templates_in_force(data_dir: &Path) -> Result<Templates> {
    let file = data_dir.join(TEMPLATES_FILE);
    let read = if file.is_file() {
        Templates::from_file(&file)
    } else {
        Templates::defaults()
    };
    read.map_err(|problems| anyhow::anyhow!("note templates: {}", problems.join("; ")))
}

fn row(item: &transcription::QueueItem) -> Vec<String> {
    let d = &item.dictation.record;
    vec![
        item.dictation.meta.id.to_string(),
        d.priority.as_str().into(),
        format!("{} min", item.age_minutes),
        format!("{} ({})", item.patient_name, item.mrn),
        type_name(d.note_type).into(),
        transcription::audio::describe_duration(d.duration_ms),
        d.draft_problem.clone().unwrap_or_default(),
    ]
}

/// The recogniser: Debian's PocketSphinx with the medical vocabulary (built into
/// `DATA_DIR/recogniser` on first use); drafts say "recogniser not installed" without it.
pub fn recognizer(store: &Store, data_dir: &Path) -> Box<dyn Recognizer> {
    let today = store.clock().now().date();
    let (engine, warning) = transcription::pocketsphinx::with_medical_vocabulary(data_dir, today);
    if let Some(warning) = warning {
        crate::say!("{warning}.");
    }
    Box::new(engine)
}

fn current_version(store: &Store, id: i64, given: Option<i64>) -> Result<i64> {
    match given {
        Some(v) => Ok(v),
        None => Ok(store.read(|tx| tx.get::<Dictation>(id))?.meta.version),
    }
}

fn low_confidence(words: &[RecognizedWord]) -> Vec<String> {
    words
        .iter()
        .filter(|w| w.confidence < transcription::LOW_CONFIDENCE)
        .map(|w| {
            format!(
                "{} ({:.1} s, {:.0}%)",
                w.word,
                w.start_ms as f64 / 1000.0,
                w.confidence * 100.0
            )
        })
        .collect()
}

fn describe(stored: &Stored<Dictation>) {
    let d = &stored.record;
    crate::say!(
        "Dictation {} ({}, {}): {} for patient {}, encounter {}, by provider {}.",
        stored.meta.id,
        d.status.as_str().replace('_', " "),
        d.priority.as_str(),
        type_name(d.note_type),
        d.patient_id.0,
        d.encounter_id.0,
        d.provider_id.0
    );
    crate::say!(
        "Audio: {} {}, {} Hz, SHA-256 {}.",
        d.audio_format,
        transcription::audio::describe_duration(d.duration_ms),
        d.sample_rate,
        d.audio_sha256
    );
    let step = |name: &str, at: Option<time::OffsetDateTime>| {
        if let Some(at) = at {
            crate::say!("{name}: {at}");
        }
    };
    step("Dictated", Some(d.dictated_at));
    step("Drafted", d.draft_at);
    step("Transcribed", d.transcribed_at);
    step("Signed", d.signed_at);
    if let Some(problem) = &d.draft_problem {
        crate::say!("Draft: {problem}");
    }
    if let Some(note) = d.note_id {
        crate::say!("Signed note: {}", note.0);
    }
}

/// Runs a dictation command.
pub fn run(
    store: &Store,
    auditor: &CliAuditor,
    data_dir: &Path,
    cmd: DictationCmd,
    json: bool,
) -> Result<()> {
    let audio = transcription::audio_store::in_data_dir(data_dir);
    let trail = auditor.trail();
    match cmd {
        DictationCmd::Add {
            file,
            patient,
            encounter,
            note_type,
            priority,
            provider,
        } => {
            let note_type = parse_type(&note_type).map_err(anyhow::Error::msg)?;
            let priority = match priority.trim().to_ascii_lowercase().as_str() {
                "stat" => DictationPriority::Stat,
                "routine" => DictationPriority::Routine,
                other => bail!("--priority: {other:?} is neither stat nor routine"),
            };
            let provider_id = provider.map(|p| provider_id(store, &p)).transpose()?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let new = NewDictation {
                patient_id: records::PatientId(patient_id(store, &patient)?),
                encounter_id: EncounterId(encounter),
                provider_id,
                note_type,
                priority,
            };
            let who = auditor.event(store, Action::Create);
            let added = transcription::add(
                store,
                trail,
                &who,
                &audio,
                &templates_in_force(data_dir)?,
                &new,
                &bytes,
            )
            .with_context(|| format!("{} (nothing was recorded)", file.display()))?;
            if json {
                return crate::output::json(&added);
            }
            crate::say!(
                "Dictation {} added: {} {}, {}; waiting for a draft.",
                added.meta.id,
                type_name(added.record.note_type),
                added.record.priority.as_str(),
                transcription::audio::describe_duration(added.record.duration_ms)
            );
            Ok(())
        }
        DictationCmd::List { queue, limit } => {
            let statuses: Vec<DictationStatus> = match queue {
                Some(name) => vec![parse_queue(&name).map_err(anyhow::Error::msg)?],
                None => QUEUES
                    .iter()
                    .map(|(_, s)| *s)
                    .filter(|s| *s != DictationStatus::Signed)
                    .collect(),
            };
            let who = auditor.event(store, Action::Read);
            let mut all = Vec::new();
            for status in statuses {
                let items = transcription::queue(store, trail, &who, status, limit)?;
                all.push((status, items));
            }
            if json {
                let out: serde_json::Map<String, serde_json::Value> = all
                    .iter()
                    .map(|(s, items)| (s.as_str().to_owned(), serde_json::json!(items)))
                    .collect();
                return crate::output::json(&out);
            }
            for (status, items) in &all {
                crate::say!("{} ({}):", status.as_str().replace('_', " "), items.len());
                if !items.is_empty() {
                    let rows: Vec<Vec<String>> = items.iter().map(row).collect();
                    crate::output::table(
                        &[
                            "id", "priority", "age", "patient", "type", "length", "draft",
                        ],
                        &rows,
                    );
                }
            }
            Ok(())
        }
        DictationCmd::Show { id } => {
            let who = auditor.event(store, Action::Read);
            let (stored, versions) = transcription::show(store, trail, &who, id)?;
            if json {
                return crate::output::json(
                    &serde_json::json!({ "dictation": stored, "versions": versions }),
                );
            }
            describe(&stored);
            let templates = templates_in_force(data_dir)?;
            if let Some(template) = templates.of(stored.record.note_type) {
                let (sections, stray) = read_sections(template, &stored.record.text);
                crate::say!();
                for section in &sections {
                    let flag = if section.flagged() {
                        "  [EMPTY: required]"
                    } else {
                        ""
                    };
                    crate::say!("{}:{flag}", section.name);
                    if !section.text.is_empty() {
                        crate::say!("{}", section.text);
                    }
                }
                if !stray.is_empty() {
                    crate::say!("Outside any section: {}", stray.join(" / "));
                }
            }
            let unsure = low_confidence(&stored.record.words);
            if !unsure.is_empty() {
                crate::say!();
                crate::say!("Low-confidence words: {}", unsure.join(", "));
            }
            crate::say!();
            for v in &versions {
                crate::say!(
                    "Version {} ({}) saved by {} at {}",
                    v.record.number,
                    v.record.kind,
                    v.record.saved_by,
                    v.record.saved_at
                );
            }
            Ok(())
        }
        DictationCmd::Transcribe { id } => {
            let engine = recognizer(store, data_dir);
            let templates = templates_in_force(data_dir)?;
            let drafted = match id {
                Some(id) => vec![transcription::Drafted {
                    id,
                    outcome: transcription::draft_one(
                        store,
                        trail,
                        &audio,
                        engine.as_ref(),
                        &templates,
                        id,
                    ),
                }],
                None => {
                    transcription::draft_waiting(store, trail, &audio, engine.as_ref(), &templates)?
                }
            };
            let mut failed = 0;
            for one in &drafted {
                match &one.outcome {
                    Ok(d) => match &d.record.draft_problem {
                        Some(problem) => crate::say!("Dictation {}: {problem}.", one.id),
                        None => crate::say!(
                            "Dictation {}: draft of {} words.",
                            one.id,
                            d.record.words.len()
                        ),
                    },
                    Err(e) => {
                        failed += 1;
                        crate::say!("Dictation {}: {e}", one.id);
                    }
                }
            }
            if drafted.is_empty() {
                crate::say!("No dictation is waiting for a draft.");
            }
            if failed > 0 {
                bail!("{failed} dictation(s) could not be drafted");
            }
            Ok(())
        }
        DictationCmd::Edit {
            id,
            text_file,
            done,
            at_version,
        } => {
            let text = if text_file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading standard input")?
            } else {
                std::fs::read_to_string(&text_file)
                    .with_context(|| format!("reading {}", text_file.display()))?
            };
            let version = current_version(store, id, at_version)?;
            let who = auditor.event(store, Action::Update);
            let saved = transcription::save_text(store, trail, &who, id, version, &text, done)
                .with_context(|| format!("saving dictation {id} (nothing was saved)"))?;
            if json {
                return crate::output::json(&saved);
            }
            crate::say!(
                "Dictation {} saved as text version {}; {}.",
                id,
                saved.record.text_version,
                saved.record.status.as_str().replace('_', " ")
            );
            Ok(())
        }
        DictationCmd::Sign {
            id,
            provider,
            at_version,
            rules,
        } => {
            let signer = provider_id(store, &provider)?;
            let rules = rules_in_force(rules.as_deref(), data_dir)?;
            let version = current_version(store, id, at_version)?;
            let who = auditor.event(store, Action::Sign);
            let signed = transcription::sign(
                store,
                trail,
                &who,
                &templates_in_force(data_dir)?,
                &rules,
                id,
                version,
                signer,
            )
            .with_context(|| format!("signing dictation {id} (nothing was signed)"))?;
            if json {
                return crate::output::json(&serde_json::json!({
                    "dictation": signed.dictation, "note": signed.note, "resolved": signed.resolved,
                }));
            }
            crate::say!(
                "Dictation {id} signed by provider {}: note {} is in the chart.",
                signer.0,
                signed.note.meta.id
            );
            for d in &signed.resolved {
                crate::say!("Deficiency {} ({}) resolved.", d.meta.id, d.record.rule_id);
            }
            Ok(())
        }
        DictationCmd::Audio { id, out } => {
            let who = auditor.event(store, Action::Export);
            let to = out.display().to_string();
            let (_, bytes) = transcription::audio_of(store, trail, &who, &audio, id, Some(&to))?;
            std::fs::write(&out, &bytes).with_context(|| format!("writing {to}"))?;
            crate::say!(
                "Dictation {id}'s audio written to {to} ({} bytes).",
                bytes.len()
            );
            Ok(())
        }
        DictationCmd::Lines { days } => {
            if !(1..=3660).contains(&days) {
                bail!("--days: {days} is not from 1 to 3660");
            }
            let who = auditor.event(store, Action::Read);
            let since = store.clock().now() - time::Duration::days(days);
            let figures = transcription::productivity(store, trail, &who, since)?;
            if json {
                return crate::output::json(&figures);
            }
            if figures.is_empty() {
                crate::say!("No edits saved in the last {days} days.");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = figures
                .iter()
                .map(|p| {
                    vec![
                        p.transcriptionist.clone(),
                        p.dictations.to_string(),
                        p.lines.to_string(),
                        format!("{:.0} min", p.editing_minutes),
                        p.lines_per_hour
                            .map_or_else(|| "-".to_owned(), |r| format!("{r:.1}")),
                    ]
                })
                .collect();
            crate::output::table(
                &[
                    "transcriptionist",
                    "dictations",
                    "lines",
                    "editing",
                    "lines/hour",
                ],
                &rows,
            );
            Ok(())
        }
        DictationCmd::Turnaround { days } => {
            if !(1..=3660).contains(&days) {
                bail!("--days: {days} is not from 1 to 3660");
            }
            let who = auditor.event(store, Action::Read);
            let since = store.clock().now() - time::Duration::days(days);
            let figures = transcription::turnaround(store, trail, &who, since)?;
            if json {
                return crate::output::json(&figures);
            }
            crate::say!(
                "{} dictations in the last {days} days ({} stat; {} without a draft).",
                figures.dictations,
                figures.stat,
                figures.without_draft
            );
            for (status, n) in &figures.waiting {
                crate::say!("  {}: {n}", status.replace('_', " "));
            }
            let rows: Vec<Vec<String>> = [
                ("dictation to draft", figures.to_draft),
                ("dictation to transcribed", figures.to_transcribed),
                ("dictation to signed", figures.to_signed),
            ]
            .iter()
            .map(|(name, s)| {
                vec![
                    (*name).to_owned(),
                    s.count.to_string(),
                    format!("{:.0} min", s.median_minutes),
                    format!("{:.0} min", s.p90_minutes),
                ]
            })
            .collect();
            crate::output::table(&["step", "count", "median", "90th centile"], &rows);
            Ok(())
        }
    }
}
