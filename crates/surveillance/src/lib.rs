//! Public-health surveillance, the way health departments run syndromic surveillance (CDC
//! NSSP / ESSENCE): syndromes as data, daily visit counts by syndrome, place and age band
//! kept in step with the encounters written, outbreak detection on those counts, and alerts
//! for the public-health role to work. No HTTP here: the CLI and the server call in.
//!
//! - `syndromes`: the syndrome definitions (defaults in `default_syndromes.toml`, a facility
//!   file over them), every code checked against the ICD-10-CM releases, every problem with
//!   its line.
//! - `pattern`: ICD-10-CM code patterns (a code and what is below it, `R50*`, `A00-A09`).
//! - `counts`: daily visits by syndrome, ZIP3 and age band with the all-visits denominator
//!   (schema 24), kept in step with the encounters written by `counts::step`.
//! - `detect`: EARS C1/C2/C3, EWMA (as pynssp) and CUSUM (as R surveillance) on a daily
//!   series, each day's observed, expected, statistic, threshold, p-value and level.
//! - `cases`: reportable-condition triggers as data, case finding kept in step with the
//!   diagnoses and results written (schema 41), the case queue and reports sent (the one
//!   patient-level part, audited).
//! - `alerts`: detection over the counts kept as `records::SurveillanceAlert` (one per
//!   syndrome, place, day and method), the public-health work queue, epi curves, places by
//!   alert level, small-cell suppression.
//!
//! Invariants:
//! - Syndromic surveillance is aggregate: nothing outside `cases` returns a patient.
//! - A syndromes file is used whole or not at all.

pub mod alerts;
pub mod cases;
pub mod counts;
pub mod detect;
mod pattern;
pub mod syndromes;
mod watermark;

pub use pattern::CodePattern;
pub use syndromes::{
    ALL_VISITS, DEFAULT_SYNDROMES, Syndrome, SyndromeProblem, SyndromeSet, SyndromesError, words,
};
