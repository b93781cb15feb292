//! `POST /fhir/Patient/$match`: the patient index over FHIR. A `Parameters` resource names
//! the Patient to look for (`resource`), optionally `onlyCertainMatches` and `count`; the
//! answer is a `searchset` Bundle of the patients on file who may be that person, most
//! probable first, each with `search.mode` `match`, `search.score` (the match probability
//! under the model the last full match kept) and the `match-grade` extension (`certain`
//! for a pair the model would link, `probable` or `possible` for one it would queue), as
//! the FHIR specification's operation defines them. It needs the permission to read
//! Patients (no emergency access: a search of the whole index is not one chart).
//!
//! Invariants: the same incremental match as registration (`mpi::candidates_for`); the
//! Patient sent is mapped and never stored; the look is one audit entry naming every
//! patient returned; patients the caller may not read are not listed at all.

use super::bundles::{BundleOut, entry};
use super::outcome::{FhirError, OutcomeIssue};
use super::resource::Found;
use super::run::{audited, blocking};
use super::{interactions, kinds, trail};
use crate::auth::Principal;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::Response;
use privacy::Action;
use serde_json::{Value, json};

/// The match-grade extension of R4.
const MATCH_GRADE: &str = "http://hl7.org/fhir/StructureDefinition/match-grade";

/// Most matches answered when `count` is not given.
const DEFAULT_COUNT: usize = 10;

/// A Patient sent to `$match` carries no references to resolve, and needs no MRN.
struct Unstored;

impl fhir::ReferenceResolver for Unstored {
    fn resolve(&mut self, _kind: &'static str, _reference: &str) -> Option<i64> {
        None
    }

    fn mrn_for_unidentified(&mut self) -> Option<(records::Mrn, String)> {
        Some((
            records::Mrn::parse("M00000000").ok()?,
            records::FACILITY_MRN_AUTHORITY.to_owned(),
        ))
    }
}

/// What `$match` was asked.
struct Asked {
    patient: records::Patient,
    only_certain: bool,
    count: usize,
}

fn parameter<'a>(parameters: &'a Value, name: &str) -> Option<&'a Value> {
    parameters
        .get("parameter")?
        .as_array()?
        .iter()
        .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
}

fn read_request(text: &str) -> Result<Asked, FhirError> {
    let body: Value = serde_json::from_str(text)
        .map_err(|e| FhirError::bad_request("Parameters", format!("not JSON: {e}")))?;
    let (resource, only_certain, count) = match body.get("resourceType").and_then(Value::as_str) {
        Some("Parameters") => {
            let resource = parameter(&body, "resource")
                .and_then(|p| p.get("resource"))
                .cloned()
                .ok_or_else(|| {
                    FhirError::bad_request(
                        "Parameters.parameter",
                        "name the Patient to match in a parameter named resource",
                    )
                })?;
            let only_certain = parameter(&body, "onlyCertainMatches")
                .and_then(|p| p.get("valueBoolean"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let count = match parameter(&body, "count") {
                None => DEFAULT_COUNT,
                Some(p) => p
                    .get("valueInteger")
                    .and_then(Value::as_u64)
                    .filter(|n| *n > 0)
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        FhirError::bad_request(
                            "Parameters.parameter",
                            "count is a positive valueInteger",
                        )
                    })?,
            };
            (resource, only_certain, count)
        }
        Some("Patient") => (body, false, DEFAULT_COUNT),
        _ => {
            return Err(FhirError::bad_request(
                "Parameters",
                "send a Parameters resource with the Patient in a parameter named resource",
            ));
        }
    };
    if resource.get("resourceType").and_then(Value::as_str) != Some("Patient") {
        return Err(FhirError::bad_request(
            "Parameters.parameter",
            "the resource to match is a Patient",
        ));
    }
    let mapped = fhir::from_json(&resource.to_string(), &mut Unstored).map_err(|issues| {
        FhirError::unprocessable(issues.iter().map(OutcomeIssue::from).collect())
    })?;
    let fhir::Mapped::Patient(patient) = mapped else {
        return Err(FhirError::bad_request(
            "Parameters.parameter",
            "the resource to match is a Patient",
        ));
    };
    Ok(Asked {
        patient,
        only_certain,
        count: count.min(100),
    })
}

/// The grade and score of one match.
fn grade(found: &mpi::Match) -> (&'static str, f64) {
    match (found.score, found.likeness) {
        (Some(score), _) => (
            match score.class {
                mpi::Class::AutoLink => "certain",
                mpi::Class::Review if score.probability >= 0.9 => "probable",
                mpi::Class::Review => "possible",
                mpi::Class::NonMatch => "possible",
            },
            score.probability,
        ),
        // Without a kept model the name search's likeness stands in.
        (None, Some(store::Likeness::SameNameAndBirthDate)) => ("probable", 0.8),
        (None, Some(store::Likeness::SimilarNameSameBirthDate)) => ("possible", 0.5),
        (None, _) => ("possible", 0.2),
    }
}

/// `POST /fhir/Patient/$match`.
pub(crate) async fn patient_match(
    state: AppState,
    principal: Principal,
    text: String,
    base: String,
) -> Result<Response, FhirError> {
    let patient_kind = kinds::Kind::Patient;
    interactions::check_read(&principal, patient_kind)?;
    let asked = read_request(&text)?;
    let bundle = blocking(&state, move |state| {
        audited(state, |audited| {
            let matches = {
                let mut tx = audited.records();
                let trained = mpi::model_in_force(&mut tx)?;
                mpi::candidates_for(
                    &mut tx,
                    &asked.patient,
                    None,
                    trained.as_ref(),
                    mpi::Nicknames::shared(),
                )?
            };
            let mut bundle = BundleOut::new("searchset");
            let mut shown: Vec<Found> = Vec::new();
            for found in &matches {
                let (grade, score) = grade(found);
                if asked.only_certain && grade != "certain" {
                    continue;
                }
                if shown.len() >= asked.count {
                    break;
                }
                let record = Found::of(&mut audited.records(), patient_kind, &found.patient)?;
                let mut out = entry(&base, &record);
                out.search = Some(json!({
                    "extension": [{ "url": MATCH_GRADE, "valueCode": grade }],
                    "mode": "match",
                    "score": (score * 1e6).round() / 1e6,
                }));
                bundle.entry.push(out);
                shown.push(record);
            }
            bundle.total = Some(shown.len() as u64);
            let refs: Vec<&Found> = shown.iter().collect();
            let event = trail::event(&principal, audited.now(), Action::Read);
            audited.append(&trail::about_many(event, &refs, "Patient/$match"))?;
            Ok(bundle.to_text())
        })
    })
    .await?;
    Ok(super::headers::fhir_response(StatusCode::OK, bundle))
}
