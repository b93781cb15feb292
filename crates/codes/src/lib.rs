//! Chartroom's code-set engine: ICD-10-CM, ICD-10-PCS, HCPCS Level II, CVX and CPT, each
//! versioned by date of service, with typeahead search and validation.
//!
//! This crate owns the processed code-set data (`data/codes/`, compiled in with
//! `include_bytes!`), the parsers for the publishers' release files, and every rule about
//! which code is valid when. It is a leaf: no I/O besides reading release files and writing
//! imported releases into a directory the caller names, no clock (the date of service is
//! always an argument), no async.
//!
//! Start with [`CodeSets::embedded`] or [`CodeSets::open`], then
//! [`CodeSets::validate`], [`CodeSets::search`], [`CodeSets::show`],
//! [`CodeSets::import`] and [`CodeSets::releases`].
//! For the hot path, take the release in force once ([`CodeSets::icd10cm`]) and call
//! [`CmRelease::is_billable_packed`] with codes packed by [`pack`].
#![deny(missing_docs)]

mod abbreviations;
pub mod cm;
mod cm_search;
pub mod code;
mod coding_edits;
mod crossref;
pub mod edits;
mod encoder;
mod engine;
mod error;
pub mod index;
mod index_search;
mod lay;
pub mod ncci;
mod packfile;
pub mod pcs;
mod pcs_builder;
mod poa_exempt;
mod query;
mod release;
mod search;
pub mod search_cache;
pub mod simple;
pub mod sources;
mod terminology;
mod word_parts;

pub use abbreviations::{Meaning as AbbreviationMeaning, meanings as abbreviation_meanings};
pub use cm::CmRelease;
pub use code::{normalize, pack, unpack};
pub use coding_edits::{
    ClaimDiagnosis, CodingEdit, PROCEDURE_RULES, ProcedureLine, ProcedureRule,
    RULES as CODING_EDIT_RULES, Rule as CodingEditRule, Setting, Severity,
};
pub use edits::{EditFlag, EditKind, Patient, Sex};
pub use encoder::{Choice, EncodeRequest, EncodedCode, Encoding, Question, Step, StepKind};
pub use engine::{CodeSets, IMPORT_DIR, ImportRequest, Loaded, NCCI_DIR, build_release};
pub use error::{Error, Result};
pub use index_search::IndexHit;
pub use pcs::PcsRelease;
pub use pcs_builder::definitions as pcs_definitions;
pub use pcs_builder::{PcsAxisValue, PcsBuild, PcsBuildRequest, PcsChoice, PcsHow, PcsQuestion};
pub use poa_exempt::PoaExempt;
pub use query::{CodeDetail, CodeTitle, InheritedNote, SearchHit, Validation};
pub use release::{Origin, ReleaseInfo, System, parse_date};
pub use search::{SearchIndex, Source};
pub use simple::SimpleRelease;
pub use terminology::{LayName, SplitWord, TermHelp};
pub use word_parts::{PartKind, WordPart, split_word, word_parts};
