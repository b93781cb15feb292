//! The master patient index: who in the population is probably the same person.
//!
//! Matching is Fellegi-Sunter record linkage. Each patient is normalised once
//! (`normalize`), pairs are drawn only from blocks that share a key (`blocking`), each pair
//! is compared field by field into levels (`compare`), and each level carries a weight
//! `log2(m/u)` whose `u` comes from random pairs and whose `m` is estimated by
//! expectation-maximisation over the candidate pairs (`train`), as Splink does. A pair's
//! match probability then falls into one of three classes by the two thresholds of the
//! settings (`score`).
//!
//! Invariants: nothing here reads the clock, the environment or the network; settings and
//! the nickname table are data (`data/`); a pair that looks like twins (same family name
//! and birth date, clearly different given names) is never linked automatically, whatever
//! the weights say.

mod arrivals;
mod blocking;
mod compare;
mod error;
mod evaluate;
mod full_match;
mod incremental;
mod nicknames;
mod normalize;
mod on_file;
mod overlay;
pub mod planted;
mod queue;
mod score;
mod settings;
mod similarity;
mod soundex;
mod train;

pub use arrivals::{Flagged, flag_duplicates, flag_with, probable_duplicates};
pub use blocking::BlockingRule;
pub use compare::{FIELDS, Field, Vector, compare};
pub use error::{Error, Result};
pub use evaluate::{CurvePoint, Evaluation, evaluate, precision_recall};
pub use full_match::{Candidate, MatchRun, match_all};
pub use incremental::{Match, Trained, candidates_for, model_in_force, request_merge, save_model};
pub use nicknames::Nicknames;
pub use normalize::Person;
pub use on_file::{patients_on_file, persons_of};
pub use overlay::{BLOOD_TYPE_CODES, blood_type_disagreements, check_overlay, identity_changes};
pub use queue::{
    FieldRow, IndexStats, PairView, find_patient, pair_view, patient_by_reference, queue, save_run,
    side_by_side, stats,
};
pub use score::{Class, Contribution, Model, Scored};
pub use settings::{Bands, Settings};
pub use soundex::soundex;
pub use train::{Session, estimate_u, train};
