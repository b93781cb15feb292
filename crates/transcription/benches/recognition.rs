//! `cargo bench -p transcription --bench recognition`: the clinical corpus (espeak-ng, US
//! English, 16 kHz) through PocketSphinx with the general model and with the medical
//! vocabulary: word error rate per note type, and recognition speed against real time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // A bench fails by panicking.

use std::time::Instant;
use transcription::PocketSphinx;
use transcription::evaluation::{Scores, evaluate, speak_corpus};
use transcription::vocabulary::{build, code_set_titles, training_text};

fn main() {
    let engine = PocketSphinx::debian();
    if !engine.installed() {
        eprintln!(
            "PocketSphinx is not installed (apt-get install pocketsphinx pocketsphinx-en-us)"
        );
        return;
    }
    let spoken = speak_corpus().expect("espeak-ng speaks the corpus");
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let cmu = std::fs::read_to_string(engine.dictionary()).unwrap();
    let titles = code_set_titles(time::macros::date!(2026 - 01 - 01));
    let built = build(dir.path(), &training_text(&titles), &cmu).unwrap();
    println!(
        "vocabulary: {} words ({} pronounced by espeak-ng, {} dropped), built in {:.1} s",
        built.words,
        built.from_espeak,
        built.unpronounceable,
        started.elapsed().as_secs_f64()
    );
    let medical = engine
        .clone()
        .with_model(built.lm.clone(), built.dict.clone());
    let seconds = spoken.seconds();
    let run = |name: &str, recognizer: &PocketSphinx| -> Scores {
        let started = Instant::now();
        let scores = evaluate(&spoken, recognizer).unwrap();
        let took = started.elapsed().as_secs_f64();
        println!(
            "{name}: {seconds:.1} s of audio recognised in {took:.1} s ({:.2}x real time, {:.1}x faster than real time)",
            took / seconds,
            seconds / took
        );
        scores
    };
    let general = run("general model", &engine);
    let with = run("medical vocabulary", &medical);
    println!("note type               words  WER general  WER medical");
    for ((name, words, errors), (_, _, medical_errors)) in general.by_type.iter().zip(&with.by_type)
    {
        println!(
            "{name:<22} {words:>6}  {:>10.1}%  {:>10.1}%",
            100.0 * *errors as f64 / *words as f64,
            100.0 * *medical_errors as f64 / *words as f64
        );
    }
    println!(
        "overall                        {:>10.1}%  {:>10.1}%",
        100.0 * general.overall(),
        100.0 * with.overall()
    );
}
