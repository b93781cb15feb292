//! Incoming resources: read, validated, mapped onto records (references resolved) and
//! stored, for create, update and Bundle entries alike.
//!
//! Invariants:
//! - Nothing is mapped before `fhir::validate_value` passed; every error it finds is
//!   reported at once, with its FHIRPath expression.
//! - A reference that resolves to nothing is a 422 naming the element, never a store
//!   error.
//! - The kind a resource maps to must be one the user may write (a Condition coded in
//!   SNOMED CT is a problem-list entry and needs `write-clinical`).

use super::kinds::{Kind, type_of};
use super::outcome::{FhirError, OutcomeIssue};
use super::resource::{Found, MrnSource, Resolver};
use crate::auth::Principal;
use axum::http::StatusCode;
use fhir::Mapped;
use serde_json::Value;
use std::collections::HashMap;
use store::{Actor, Tx};

/// Who the store's history names for writes by `principal`.
pub(crate) fn actor(principal: &Principal) -> Actor {
    Actor::new(format!("user:{}", principal.username))
}

/// Issues whose expressions start with the resource type, moved under `prefix`
/// (`Bundle.entry[3].resource`) when the resource sits inside a Bundle.
fn relocate(issues: Vec<OutcomeIssue>, type_name: &str, prefix: Option<&str>) -> Vec<OutcomeIssue> {
    let Some(prefix) = prefix else {
        return issues;
    };
    issues
        .into_iter()
        .map(|mut issue| {
            issue.expression = Some(match issue.expression.as_deref() {
                Some(expression) => {
                    let rest = expression.strip_prefix(type_name).unwrap_or("");
                    format!("{prefix}{rest}")
                }
                None => prefix.to_owned(),
            });
            issue
        })
        .collect()
}

/// Parses and validates a resource of `type_name` (`None`: any type) given as JSON text.
pub(crate) fn validated(
    text: &str,
    type_name: Option<&str>,
    prefix: Option<&str>,
) -> Result<Value, FhirError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        FhirError::new(
            StatusCode::BAD_REQUEST,
            OutcomeIssue::error(
                "structure",
                format!(
                    "the body is not JSON (line {}, column {}): {e}",
                    e.line(),
                    e.column()
                ),
            )
            .at(prefix.unwrap_or("")),
        )
    })?;
    let found = value.get("resourceType").and_then(Value::as_str);
    if let Some(expected) = type_name
        && found != Some(expected)
    {
        let at = prefix.map_or("resourceType".to_owned(), |p| format!("{p}.resourceType"));
        return Err(FhirError::bad_request(
            &at,
            format!(
                "expected a {expected} resource, found {}",
                found.map_or("no resourceType".to_owned(), |f| format!("a {f}"))
            ),
        ));
    }
    let resource_type = found.unwrap_or_default().to_owned();
    let errors: Vec<OutcomeIssue> = fhir::validate_value(&value)
        .iter()
        .filter(|i| i.severity == fhir::IssueSeverity::Error)
        .map(OutcomeIssue::from)
        .collect();
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(FhirError::unprocessable(relocate(
            errors,
            &resource_type,
            prefix,
        )))
    }
}

/// Maps a validated resource to the record(s) it becomes.
pub(crate) fn map(
    tx: &mut Tx<'_>,
    text: &str,
    type_name: &str,
    local: &HashMap<String, (Kind, i64)>,
    prefix: Option<&str>,
    mrn: MrnSource,
) -> Result<Mapped, FhirError> {
    let mapped = fhir::from_json(text, &mut Resolver { tx, local, mrn }).map_err(|issues| {
        let issues = issues.iter().map(OutcomeIssue::from).collect();
        FhirError::unprocessable(relocate(issues, type_name, prefix))
    })?;
    if let Mapped::Skipped(reason) = &mapped {
        let issue = OutcomeIssue::error(
            "not-supported",
            format!("Chartroom does not keep this {type_name}: {reason}"),
        );
        return Err(FhirError::unprocessable(relocate(
            vec![issue],
            type_name,
            prefix,
        )));
    }
    Ok(mapped)
}

/// The record kind a mapping produced.
pub(crate) fn mapped_kind(mapped: &Mapped) -> Option<Kind> {
    Some(match mapped {
        Mapped::Patient(_) => Kind::Patient,
        Mapped::Provider(_) => Kind::Provider,
        Mapped::Organization(_) => Kind::Organization,
        Mapped::Payer(_) => Kind::Payer,
        Mapped::Coverage(_) => Kind::Coverage,
        Mapped::Encounter(_) => Kind::Encounter,
        Mapped::Diagnosis(_) => Kind::Diagnosis,
        Mapped::Problem(_) => Kind::Problem,
        Mapped::Procedure(_) => Kind::Procedure,
        Mapped::Immunization(_) => Kind::Immunization,
        Mapped::Observations(_) => Kind::Observation,
        Mapped::Medication(_) => Kind::Medication,
        Mapped::Allergy(_) => Kind::Allergy,
        Mapped::Note(_) => Kind::Note,
        Mapped::Group(_) => Kind::Group,
        Mapped::Skipped(_) => return None,
    })
}

/// Refuses a write the user's roles do not cover.
pub(crate) fn check_write(principal: &Principal, kind: Kind) -> Result<(), FhirError> {
    if kind == Kind::Document {
        return Err(FhirError::new(
            axum::http::StatusCode::METHOD_NOT_ALLOWED,
            super::outcome::OutcomeIssue::error(
                "not-supported",
                "scanned documents (DocumentReference/scan-N) are read-only over FHIR: upload, index and move them through /api/documents",
            ),
        ));
    }
    let needed = kind.write_permission();
    if principal.allows(needed) {
        Ok(())
    } else {
        Err(FhirError::forbidden(format!(
            "writing this {} needs the permission {needed}",
            type_of(kind).name
        )))
    }
}

/// Stores new records; a panel Observation becomes one record per component.
pub(crate) fn create(
    tx: &mut Tx<'_>,
    actor: &Actor,
    mapped: Mapped,
) -> Result<Vec<Found>, FhirError> {
    macro_rules! one {
        ($kind:expr, $record:expr) => {{
            let stored = tx.create(actor, &$record)?;
            vec![Found::of(tx, $kind, &stored)?]
        }};
    }
    Ok(match mapped {
        Mapped::Patient(r) => one!(Kind::Patient, r),
        Mapped::Provider(r) => one!(Kind::Provider, r),
        Mapped::Organization(r) => one!(Kind::Organization, r),
        Mapped::Payer(r) => one!(Kind::Payer, r),
        Mapped::Coverage(r) => one!(Kind::Coverage, r),
        Mapped::Encounter(r) => one!(Kind::Encounter, r),
        Mapped::Diagnosis(r) => one!(Kind::Diagnosis, r),
        Mapped::Problem(r) => one!(Kind::Problem, r),
        Mapped::Procedure(r) => one!(Kind::Procedure, r),
        Mapped::Immunization(r) => one!(Kind::Immunization, r),
        Mapped::Medication(r) => one!(Kind::Medication, r),
        Mapped::Allergy(r) => one!(Kind::Allergy, r),
        Mapped::Note(r) => one!(Kind::Note, r),
        Mapped::Group(r) => one!(Kind::Group, r),
        Mapped::Observations(observations) => {
            let mut found = Vec::new();
            for observation in &observations {
                let stored = tx.create(actor, observation)?;
                found.push(Found::of(tx, Kind::Observation, &stored)?);
            }
            found
        }
        Mapped::Skipped(reason) => {
            return Err(FhirError::unprocessable(vec![OutcomeIssue::error(
                "not-supported",
                reason,
            )]));
        }
    })
}

/// Replaces record `kind` `id` (at `version`) with what the resource maps to.
pub(crate) fn update(
    tx: &mut Tx<'_>,
    actor: &Actor,
    kind: Kind,
    id: i64,
    version: i64,
    mapped: Mapped,
) -> Result<Found, FhirError> {
    let wrong = |became: &str| {
        FhirError::unprocessable(vec![OutcomeIssue::error(
            "invariant",
            format!(
                "{}/{} is a {}, but this resource describes a {became}; a record cannot change its kind",
                type_of(kind).name,
                kind.fhir_id(id),
                kind.store_kind()
            ),
        )])
    };
    // The kind was checked above, so each record goes to its own table.
    macro_rules! replace {
        ($record:expr) => {{
            let stored = tx.update(actor, id, version, &$record)?;
            Found::of(tx, kind, &stored)
        }};
    }
    let became = mapped_kind(&mapped);
    let mapped_name = became.map_or("nothing Chartroom keeps", Kind::store_kind);
    if became != Some(kind) {
        return Err(wrong(mapped_name));
    }
    match mapped {
        Mapped::Patient(r) => replace!(r),
        Mapped::Provider(r) => replace!(r),
        Mapped::Organization(r) => replace!(r),
        Mapped::Payer(r) => replace!(r),
        Mapped::Coverage(r) => replace!(r),
        Mapped::Encounter(r) => replace!(r),
        Mapped::Diagnosis(r) => replace!(r),
        Mapped::Problem(r) => replace!(r),
        Mapped::Procedure(r) => replace!(r),
        Mapped::Immunization(r) => replace!(r),
        Mapped::Medication(r) => replace!(r),
        Mapped::Allergy(r) => replace!(r),
        Mapped::Note(r) => replace!(r),
        Mapped::Group(r) => replace!(r),
        Mapped::Observations(mut observations) => {
            if observations.len() != 1 {
                return Err(FhirError::unprocessable(vec![OutcomeIssue::error(
                    "not-supported",
                    "a panel Observation is stored as one record per component and cannot replace one record; update each component Observation",
                )]));
            }
            let observation = observations.remove(0);
            replace!(observation)
        }
        Mapped::Skipped(reason) => Err(FhirError::unprocessable(vec![OutcomeIssue::error(
            "not-supported",
            reason,
        )])),
    }
}

/// The Patient an update is about to replace (`None` for other kinds), for the overlay
/// check.
pub(crate) fn patient_before(
    tx: &mut Tx<'_>,
    kind: Kind,
    id: i64,
) -> Result<Option<records::Patient>, FhirError> {
    if kind == Kind::Patient {
        Ok(Some(tx.get::<records::Patient>(id)?.record))
    } else {
        Ok(None)
    }
}

/// A Patient just created or replaced (from `before`) through FHIR is matched against the
/// patient index with the kept model: each probable duplicate joins the `/mpi` review
/// queue (never merged), and a replaced Patient whose identity changed is flagged as a
/// possible overlay, each audited as `by`'s. Other kinds: nothing.
pub(crate) fn flag_patient(
    audited: &mut store::Audited<'_>,
    found: &Found,
    before: Option<&records::Patient>,
    by: &privacy::AuditEvent,
) -> Result<(), FhirError> {
    if found.kind == Kind::Patient {
        let why = "FHIR Patient write";
        mpi::flag_duplicates(audited, found.id, by, why)?;
        if before.is_some() {
            mpi::check_overlay(audited, found.id, before, by, why)?;
        }
    }
    Ok(())
}
