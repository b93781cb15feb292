//! PocketSphinx (Debian's `pocketsphinx` 0.8 with `pocketsphinx-en-us`) as the recogniser:
//! the samples written to a 16 kHz WAV, `pocketsphinx_continuous -infile F -time yes` run
//! on it as a child process, its word lines (`word start end posterior`) read back.
//!
//! Invariants:
//! - Nothing leaves the machine: the engine and its model are local files.
//! - A missing program or model is `NotInstalled`; a run that fails is `Failed` with the
//!   end of what the engine said, never a panic; the temporary WAV is removed either way.
//! - Fillers (`<s>`, `</s>`, `<sil>`, `[NOISE]`, `++...++`) are not words; an alternate
//!   pronunciation's mark (`word(2)`) is dropped.

use crate::audio::{RECOGNISER_RATE, wav_bytes};
use crate::recognizer::{RecognizeError, Recognizer};
use records::RecognizedWord;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where Debian puts the program and the US English model.
pub const DEBIAN_PROGRAM: &str = "/usr/bin/pocketsphinx_continuous";
/// The US English model directory of `pocketsphinx-en-us`.
pub const DEBIAN_MODEL: &str = "/usr/share/pocketsphinx/model/en-us";

/// The engine and the model it runs with.
#[derive(Debug, Clone)]
pub struct PocketSphinx {
    program: PathBuf,
    hmm: PathBuf,
    lm: PathBuf,
    dict: PathBuf,
}

impl PocketSphinx {
    /// Debian's engine with its own language model and dictionary, whether or not they are
    /// installed (recognition says so when they are not).
    pub fn debian() -> Self {
        let model = Path::new(DEBIAN_MODEL);
        Self {
            program: PathBuf::from(DEBIAN_PROGRAM),
            hmm: model.join("en-us"),
            lm: model.join("en-us.lm.bin"),
            dict: model.join("cmudict-en-us.dict"),
        }
    }

    /// The same engine with another language model and dictionary (a vocabulary added).
    pub fn with_model(mut self, lm: PathBuf, dict: PathBuf) -> Self {
        self.lm = lm;
        self.dict = dict;
        self
    }

    /// The dictionary it uses.
    pub fn dictionary(&self) -> &Path {
        &self.dict
    }

    /// Whether the program and every model file are there.
    pub fn installed(&self) -> bool {
        [&self.program, &self.hmm, &self.lm, &self.dict]
            .iter()
            .all(|p| p.exists())
    }
}

/// Debian's engine with the medical vocabulary, built into `DATA_DIR/recogniser` on first
/// use (`vocabulary::ensure`; `on` picks the code-set releases counted). Without the
/// engine it is returned as is (its drafts say it is not installed); when the vocabulary
/// cannot be built, the general model runs and the second value says why.
pub fn with_medical_vocabulary(data_dir: &Path, on: time::Date) -> (PocketSphinx, Option<String>) {
    let engine = PocketSphinx::debian();
    if !engine.installed() {
        return (engine, None);
    }
    match crate::vocabulary::ensure(&data_dir.join("recogniser"), engine.dictionary(), on) {
        Ok((lm, dict)) => (engine.with_model(lm, dict), None),
        Err(e) => (
            engine,
            Some(format!(
                "the medical vocabulary could not be built ({e}); using the general model"
            )),
        ),
    }
}

/// The words of `pocketsphinx_continuous -time yes` output, in order.
pub fn parse_words(output: &str) -> Vec<RecognizedWord> {
    output
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let word = fields.next()?;
            let start: f64 = fields.next()?.parse().ok()?;
            let end: f64 = fields.next()?.parse().ok()?;
            let confidence: f64 = fields.next()?.parse().ok()?;
            if fields.next().is_some() {
                return None;
            }
            let filler = word.starts_with('<') || word.starts_with('[') || word.starts_with("++");
            if filler {
                return None;
            }
            let word = word.split_once('(').map_or(word, |(w, _)| w);
            Some(RecognizedWord {
                word: word.to_owned(),
                start_ms: (start * 1000.0).round() as i64,
                end_ms: (end * 1000.0).round() as i64,
                confidence: if confidence.is_finite() {
                    confidence.clamp(0.0, 1.0)
                } else {
                    0.0
                },
            })
        })
        .collect()
}

static RUN: AtomicU64 = AtomicU64::new(0);

/// A temporary file removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl Recognizer for PocketSphinx {
    fn name(&self) -> &str {
        "pocketsphinx"
    }

    fn recognize(&self, samples: &[i16]) -> Result<Vec<RecognizedWord>, RecognizeError> {
        if !self.installed() {
            return Err(RecognizeError::NotInstalled);
        }
        let wav = wav_bytes(samples, RECOGNISER_RATE);
        let scratch = Scratch(std::env::temp_dir().join(format!(
            "chartroom-dictation-{}-{}.wav",
            std::process::id(),
            RUN.fetch_add(1, Ordering::Relaxed)
        )));
        std::fs::write(&scratch.0, wav)
            .map_err(|e| RecognizeError::Failed(format!("writing {}: {e}", scratch.0.display())))?;
        let output = Command::new(&self.program)
            .arg("-infile")
            .arg(&scratch.0)
            .args(["-time", "yes", "-logfn", "/dev/null"])
            .arg("-hmm")
            .arg(&self.hmm)
            .arg("-lm")
            .arg(&self.lm)
            .arg("-dict")
            .arg(&self.dict)
            .output()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => RecognizeError::NotInstalled,
                _ => RecognizeError::Failed(format!("{}: {e}", self.program.display())),
            })?;
        if !output.status.success() {
            let said = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = said.lines().rev().take(3).collect();
            return Err(RecognizeError::Failed(format!(
                "{} exited with {}: {}",
                self.program.display(),
                output.status,
                tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
            )));
        }
        Ok(parse_words(&String::from_utf8_lossy(&output.stdout)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_come_with_times_and_fillers_are_dropped() {
        let out = "was admitted\n<s> 0.000 0.210 0.998801\nwas 0.680 0.800 0.478124\n<sil> 0.92 1.08 0.99\n[NOISE] 1.1 1.2 0.5\ncommunity(2) 1.480 2.060 0.165281\n</s> 4.830 5.110 1.000000\n";
        let words = parse_words(out);
        assert_eq!(
            words,
            vec![
                RecognizedWord {
                    word: "was".into(),
                    start_ms: 680,
                    end_ms: 800,
                    confidence: 0.478124
                },
                RecognizedWord {
                    word: "community".into(),
                    start_ms: 1480,
                    end_ms: 2060,
                    confidence: 0.165281
                },
            ]
        );
    }

    #[test]
    fn a_missing_engine_is_not_installed() {
        let engine = PocketSphinx {
            program: PathBuf::from("/nonexistent/pocketsphinx_continuous"),
            ..PocketSphinx::debian()
        };
        assert_eq!(
            engine.recognize(&[0; 1600]),
            Err(RecognizeError::NotInstalled)
        );
    }
}
