//! The instance interactions: read, vread, history, create (conditional too), update and
//! delete, each one audited transaction.
//!
//! Invariants:
//! - A read answers the current version with `ETag: W/"n"` and `Last-Modified`; a
//!   deleted record is 410, an unknown id 404, both as OperationOutcomes.
//! - Update and delete with `If-Match` naming another version change nothing and answer
//!   412; without `If-Match` they apply to the version read inside the same transaction.
//! - Creates and updates are validated and mapped before anything is written, and the
//!   write, its history row and its audit entry commit together.

use super::headers::{Prefer, Return, etag, fhir_response, if_match, set_location, set_version};
use super::kinds::{Kind, ResourceType, with_record};
use super::outcome::{FhirError, OutcomeIssue, outcome_json};
use super::resource::{Found, MrnSource, find};
use super::run::{audited, blocking, body_text};
use super::{bundles, emergency, trail, write};
use crate::auth::Principal;
use crate::state::AppState;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use privacy::Action;
use serde_json::json;
use std::collections::HashMap;

/// Refuses a read of a record kind the user's roles do not cover.
pub(crate) fn check_read(principal: &Principal, kind: Kind) -> Result<(), FhirError> {
    let needed = kind.read_permission();
    if principal.allows(needed) {
        Ok(())
    } else {
        Err(FhirError::forbidden(format!(
            "reading this {} needs the permission {needed}",
            super::kinds::type_of(kind).name
        )))
    }
}

/// Records a write refused for the record kind (the route allowed the type): denied, on
/// the fhir channel, as the action it tried, naming the record `path` aims at and its
/// patient, or the patient the create's `body` refers to; then hands the refusal back.
async fn refused_write(
    state: &AppState,
    principal: &Principal,
    action: Action,
    path: String,
    body: Option<serde_json::Value>,
    refusal: FhirError,
) -> FhirError {
    let principal = principal.clone();
    let reason = format!(
        "FHIR {} {path} refused: {}",
        action.as_str(),
        refusal_text(&refusal)
    );
    let audited = blocking(state, move |state| {
        let event = trail::event(&principal, state.store.clock().now(), action)
            .outcome(privacy::Outcome::Denied)
            .reason(&reason);
        let event = state
            .store
            .read(|tx| Ok(trail::aimed_at(tx, event, &path, body.as_ref())))?;
        state.trail.record(&state.store, &event)?;
        Ok(())
    })
    .await;
    match audited {
        Ok(()) => refusal,
        Err(error) => error,
    }
}

/// A refusal's first diagnostics.
fn refusal_text(refusal: &FhirError) -> String {
    refusal
        .issues
        .first()
        .map(|issue| issue.diagnostics.clone())
        .unwrap_or_default()
}

/// Checks the user may write `kind`, auditing a refusal (`refused_write`).
async fn check_write_audited(
    state: &AppState,
    principal: &Principal,
    action: Action,
    kind: Kind,
    path: String,
) -> Result<(), FhirError> {
    match write::check_write(principal, kind) {
        Ok(()) => Ok(()),
        Err(refusal) => Err(refused_write(state, principal, action, path, None, refusal).await),
    }
}

fn record_of(t: &ResourceType, id: &str) -> Result<(Kind, i64), FhirError> {
    t.parse_id(id)
        .ok_or_else(|| FhirError::not_found(t.name, id))
}

/// The answer showing one version of a record.
pub(crate) fn shown(status: StatusCode, found: &Found) -> Response {
    let mut response = fhir_response(status, found.json.clone());
    set_version(&mut response, found.version, found.updated);
    response
}

/// `GET /fhir/<Type>/{id}`.
pub(crate) async fn read(
    state: AppState,
    principal: Principal,
    t: &'static ResourceType,
    id: String,
) -> Result<Response, FhirError> {
    let (kind, rid) = record_of(t, &id)?;
    emergency::check_read(&principal, kind)?;
    let found = blocking(&state, move |state| {
        audited(state, |audited| {
            let found = find(&mut audited.records(), kind, rid)?
                .ok_or_else(|| FhirError::not_found(t.name, &id))?;
            if found.deleted {
                return Err(FhirError::gone(t.name, &id));
            }
            let basis = match emergency::may_see(audited, state, &principal, &[&found])? {
                Ok(basis) => basis,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let event = trail::event(&principal, audited.now(), Action::Read);
            let event = emergency::noted(trail::about(event, &found), basis);
            audited.append(&trail::with_clinical_time(event, &found))?;
            Ok(Ok(found))
        })
    })
    .await??;
    Ok(shown(StatusCode::OK, &found))
}

/// `GET /fhir/<Type>/{id}/_history/{vid}`.
pub(crate) async fn vread(
    state: AppState,
    principal: Principal,
    t: &'static ResourceType,
    id: String,
    vid: String,
) -> Result<Response, FhirError> {
    let (kind, rid) = record_of(t, &id)?;
    let version: i64 = vid.parse().ok().filter(|v| *v > 0).ok_or_else(|| {
        FhirError::not_found(&format!("version of {}/{id} with id", t.name), &vid)
    })?;
    emergency::check_read(&principal, kind)?;
    let found = blocking(&state, move |state| {
        audited(state, |audited| {
            let versions = super::versions::versions(&mut audited.records(), kind, rid)?;
            if versions.is_empty() {
                return Err(FhirError::not_found(t.name, &id));
            }
            let found = versions
                .into_iter()
                .find(|v| v.found.version == version)
                .map(|v| v.found)
                .ok_or_else(|| {
                    FhirError::not_found(&format!("version of {}/{id} numbered", t.name), &vid)
                })?;
            if found.deleted {
                return Err(FhirError::gone(t.name, &format!("{id}/_history/{vid}")));
            }
            let basis = match emergency::may_see(audited, state, &principal, &[&found])? {
                Ok(basis) => basis,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let event = trail::event(&principal, audited.now(), Action::Read);
            let event = trail::about(event, &found).reason(&format!("version {version}"));
            let event = trail::with_clinical_time(event, &found);
            audited.append(&emergency::noted(event, basis))?;
            Ok(Ok(found))
        })
    })
    .await??;
    Ok(shown(StatusCode::OK, &found))
}

/// `GET /fhir/<Type>/{id}/_history`: every version, newest first.
pub(crate) async fn history(
    state: AppState,
    principal: Principal,
    t: &'static ResourceType,
    id: String,
    base: String,
) -> Result<Response, FhirError> {
    let (kind, rid) = record_of(t, &id)?;
    emergency::check_read(&principal, kind)?;
    let bundle = blocking(&state, move |state| {
        audited(state, |audited| {
            let versions = super::versions::versions(&mut audited.records(), kind, rid)?;
            let Some(newest) = versions.first() else {
                return Err(FhirError::not_found(t.name, &id));
            };
            let basis = match emergency::may_see(audited, state, &principal, &[&newest.found])? {
                Ok(basis) => basis,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let event = trail::event(&principal, audited.now(), Action::Read);
            let event = trail::about(event, &newest.found).reason("history");
            audited.append(&emergency::noted(event, basis))?;
            let mut bundle = bundles::BundleOut::new("history");
            bundle.total = Some(versions.len() as u64);
            for version in &versions {
                let found = &version.found;
                let url = found.reference();
                let (method, status) = match version.action.as_str() {
                    "create" => ("POST", "201 Created"),
                    "delete" => ("DELETE", "204 No Content"),
                    _ => ("PUT", "200 OK"),
                };
                let mut entry = bundles::entry(&base, found);
                entry.request = Some(json!({
                    "method": method,
                    "url": if method == "POST" { t.name.to_owned() } else { url },
                }));
                entry.response = Some(json!({
                    "status": status,
                    "etag": etag(found.version),
                    "lastModified": super::instant(found.updated),
                }));
                bundle.entry.push(entry);
            }
            Ok(Ok(bundle.to_text()))
        })
    })
    .await??;
    Ok(fhir_response(StatusCode::OK, bundle))
}

/// The body of a successful write, as `Prefer: return=` asks.
pub(crate) fn written(status: StatusCode, found: &Found, prefer: Prefer, base: &str) -> Response {
    let mut response = match prefer.return_ {
        Return::Representation => fhir_response(status, found.json.clone()),
        Return::Minimal => fhir_response(status, String::new()),
        Return::OperationOutcome => fhir_response(
            status,
            outcome_json(&[OutcomeIssue {
                severity: "information",
                code: "informational",
                diagnostics: format!("{} stored as version {}", found.reference(), found.version),
                expression: None,
            }])
            .to_string(),
        ),
    };
    set_version(&mut response, found.version, found.updated);
    set_location(
        &mut response,
        &format!("{base}/{}/_history/{}", found.reference(), found.version),
    );
    response
}

/// `POST /fhir/<Type>`: create, or with `If-None-Exist` create only when no record
/// matches that search (one match: 200 with it; several: 412).
pub(crate) async fn create(
    state: AppState,
    principal: Principal,
    t: &'static ResourceType,
    headers: HeaderMap,
    body: Body,
    base: String,
) -> Result<Response, FhirError> {
    super::headers::check_content_type(&headers, false)?;
    let text = body_text(body).await?;
    write::validated(&text, Some(t.name), None)?;
    let prefer = Prefer::of(&headers);
    let condition = headers
        .get("if-none-exist")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let condition = match condition {
        Some(query) => Some(super::search::Query::parse(
            t,
            query.trim_start_matches('?'),
            true,
            state.store.clock().now(),
        )?),
        None => None,
    };
    let assign_mrn = state.config.assign_mrn;
    // For the audit entry of a create refused for its record kind.
    let refused_as = (principal.clone(), serde_json::from_str(&text).ok());
    let created = blocking(&state, move |state| {
        audited(state, |audited| {
            let now = audited.now();
            if let Some(query) = &condition {
                let matches = super::search::matching(&mut audited.records(), &principal, query, 2)?;
                match matches.as_slice() {
                    [] => {}
                    [one] => {
                        let event = trail::event(&principal, now, Action::Read);
                        audited.append(&trail::about(event, one).reason("conditional create: already exists"))?;
                        return Ok((StatusCode::OK, one.clone()));
                    }
                    _ => {
                        return Err(FhirError::new(
                            StatusCode::PRECONDITION_FAILED,
                            OutcomeIssue::error(
                                "multiple-matches",
                                "If-None-Exist matches more than one record; make the condition narrower",
                            )
                            .at("If-None-Exist"),
                        ));
                    }
                }
            }
            let mut tx = audited.records();
            let mrn = MrnSource::for_create(assign_mrn);
            let mapped = write::map(&mut tx, &text, t.name, &HashMap::new(), None, mrn)?;
            let kind = write::mapped_kind(&mapped)
                .ok_or_else(|| FhirError::internal("a mapping produced no kind"))?;
            write::check_write(&principal, kind)?;
            let created = write::create(&mut tx, &write::actor(&principal), mapped)?;
            drop(tx);
            let first = created
                .first()
                .cloned()
                .ok_or_else(|| FhirError::internal("a create stored nothing"))?;
            let mut event = trail::about(trail::event(&principal, now, Action::Create), &first);
            if created.len() > 1 {
                let ids: Vec<String> = created.iter().map(|f| f.id.to_string()).collect();
                event = event.reason(&format!("panel stored as observations {}", ids.join(",")));
            }
            audited.append(&event)?;
            write::flag_patient(audited, &first, None, &trail::event(&principal, now, Action::Create))?;
            Ok((StatusCode::CREATED, first))
        })
    })
    .await;
    let (status, found) = match created {
        Err(refusal) if refusal.status == StatusCode::FORBIDDEN => {
            let (principal, body) = refused_as;
            let path = format!("/fhir/{}", t.name);
            return Err(
                refused_write(&state, &principal, Action::Create, path, body, refusal).await,
            );
        }
        created => created?,
    };
    Ok(written(status, &found, prefer, &base))
}

/// `PUT /fhir/<Type>/{id}`: replace the record (it must exist; Chartroom assigns ids).
pub(crate) async fn update(
    state: AppState,
    principal: Principal,
    t: &'static ResourceType,
    id: String,
    headers: HeaderMap,
    body: Body,
    base: String,
) -> Result<Response, FhirError> {
    super::headers::check_content_type(&headers, false)?;
    let (kind, rid) = record_of(t, &id)?;
    let text = body_text(body).await?;
    let value = write::validated(&text, Some(t.name), None)?;
    match value.get("id").and_then(|v| v.as_str()) {
        None => {
            return Err(FhirError::bad_request(
                &format!("{}.id", t.name),
                "an update must carry the resource's id",
            ));
        }
        Some(body_id) if body_id != id => {
            return Err(FhirError::bad_request(
                &format!("{}.id", t.name),
                format!("the body's id \"{body_id}\" is not the id in the URL ({id})"),
            ));
        }
        Some(_) => {}
    }
    let expected = if_match(&headers)?;
    let prefer = Prefer::of(&headers);
    let path = format!("/fhir/{}/{id}", t.name);
    check_write_audited(&state, &principal, Action::Update, kind, path).await?;
    let found = blocking(&state, move |state| {
        audited(state, |audited| {
            let now = audited.now();
            let mut tx = audited.records();
            let current =
                find(&mut tx, kind, rid)?.ok_or_else(|| FhirError::not_found(t.name, &id))?;
            if current.deleted {
                return Err(FhirError::gone(t.name, &id));
            }
            if let Some(expected) = expected
                && expected != current.version
            {
                return Err(FhirError::stale(t.name, &id, expected, current.version));
            }
            let before = write::patient_before(&mut tx, kind, rid)?;
            let mrn = MrnSource::for_update(&mut tx, kind, rid);
            let mapped = write::map(&mut tx, &text, t.name, &HashMap::new(), None, mrn)?;
            let found = write::update(
                &mut tx,
                &write::actor(&principal),
                kind,
                rid,
                current.version,
                mapped,
            )?;
            drop(tx);
            let event = trail::event(&principal, now, Action::Update);
            audited.append(&trail::about(event, &found))?;
            write::flag_patient(
                audited,
                &found,
                before.as_ref(),
                &trail::event(&principal, now, Action::Create),
            )?;
            Ok(found)
        })
    })
    .await?;
    Ok(written(StatusCode::OK, &found, prefer, &base))
}

/// `DELETE /fhir/<Type>/{id}`: a soft delete (the record stays in history); deleting a
/// deleted record again is a success with nothing to do.
pub(crate) async fn delete(
    state: AppState,
    principal: Principal,
    t: &'static ResourceType,
    id: String,
    headers: HeaderMap,
) -> Result<Response, FhirError> {
    let (kind, rid) = record_of(t, &id)?;
    let expected = if_match(&headers)?;
    let path = format!("/fhir/{}/{id}", t.name);
    check_write_audited(&state, &principal, Action::Delete, kind, path).await?;
    blocking(&state, move |state| {
        audited(state, |audited| {
            let now = audited.now();
            let mut tx = audited.records();
            let current = find(&mut tx, kind, rid)?.ok_or_else(|| FhirError::not_found(t.name, &id))?;
            if current.deleted {
                return Ok(());
            }
            if let Some(expected) = expected
                && expected != current.version
            {
                return Err(FhirError::stale(t.name, &id, expected, current.version));
            }
            let actor = write::actor(&principal);
            with_record!(kind, R => tx.delete::<R>(&actor, rid, current.version, "deleted through the FHIR API"))?;
            drop(tx);
            let event = trail::event(&principal, now, Action::Delete);
            audited.append(&trail::about(event, &current))?;
            Ok(())
        })
    })
    .await?;
    Ok(fhir_response(StatusCode::NO_CONTENT, String::new()))
}
