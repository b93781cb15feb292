//! FHIR Bulk Data Access (IG v2) `$export`: the asynchronous kick-off, status and
//! download pattern over `export_jobs`.
//!
//! - `GET /fhir/$export` (every type) and `GET /fhir/Patient/$export` (the Patient
//!   compartment: no Practitioners or Organizations) with `Prefer: respond-async`,
//!   `_outputFormat`, `_type` and `_since`, answer 202 with `Content-Location` naming the
//!   status URL. Charges are exported as `ChargeItem`, stored claims as `Claim` and the
//!   claims an 835 decided as `ExplanationOfBenefit` (the `fhir` crate's mappings, the
//!   same as the reads); a system-level export also writes the Groups.
//! - `GET /fhir/Group/{id}/$export` takes the same parameters and exports the Patient
//!   compartment of exactly the group's current members (read at kick-off; members whose
//!   Patient was deleted are left out): 404 for an unknown group, 410 for a deleted one.
//! - `GET /fhir/$export-status/{id}`: 202 with `X-Progress` while running, 200 with the
//!   completion manifest when done; `DELETE` cancels the job and removes its files.
//! - `GET /fhir/$export-file/{id}/{file}`: one NDJSON file of the manifest, streamed.
//!
//! Invariants:
//! - Every route needs `export-records`; the kick-off also needs the read permission of
//!   every record kind it exports: `_type` naming a type the user may not read is 403,
//!   and without `_type` such types are left out (Claim needs `read-billing`, so an HIM
//!   technician's export holds no Claims).
//! - Unknown parameters, types, formats and malformed `_since` are refused (400), never
//!   ignored, so an export never holds more than was asked for.
//! - The kick-off is audited (`export`, channel `fhir`, the categories exported; at Group
//!   level the group and every member exported) before the job starts; each file download
//!   is audited again, naming its category.

use super::export_jobs::{Job, NewJob, Status, new_job_id};
use super::file_body::FileBody;
use super::headers::fhir_response;
use super::kinds::resource_type;
use super::outcome::{FhirError, OutcomeIssue, outcome_json};
use super::run::{audited, blocking};
use super::trail;
use crate::auth::Principal;
use crate::state::AppState;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fhir::{EXPORT_TYPES, ExportFilter};
use privacy::{Action, DataCategory};
use serde_json::json;
use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// NDJSON as Bulk Data names it.
const NDJSON: &str = "application/fhir+ndjson";

/// Which data a kick-off asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Level {
    /// `/fhir/$export`: everything.
    System,
    /// `/fhir/Patient/$export`: the Patient compartment of every patient.
    Patient,
    /// `/fhir/Group/{id}/$export`: the Patient compartment of the group's members (the id
    /// as the URL gave it).
    Group(String),
}

impl Level {
    fn types(&self) -> Vec<&'static str> {
        EXPORT_TYPES
            .iter()
            .copied()
            .filter(|t| {
                *self == Self::System || !matches!(*t, "Organization" | "Practitioner" | "Group")
            })
            .collect()
    }

    fn path(&self) -> String {
        match self {
            Self::System => "$export".to_owned(),
            Self::Patient => "Patient/$export".to_owned(),
            Self::Group(id) => format!("Group/{id}/$export"),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::System => "system-level".to_owned(),
            Self::Patient => "all patients".to_owned(),
            Self::Group(id) => format!("the members of Group/{id}"),
        }
    }
}

/// Patient ids bound in one query when a group's members are checked.
const MEMBERS_PER_QUERY: usize = 500;

/// The members of group `id` whose records are current, for a Group-level kick-off: 404
/// for an unknown group, 410 for a deleted one.
fn current_members(tx: &mut store::Tx<'_>, id: &str) -> Result<(i64, Vec<i64>), FhirError> {
    let group_type = resource_type("Group").ok_or_else(|| FhirError::internal("no Group type"))?;
    let (_, rid) = group_type
        .parse_id(id)
        .ok_or_else(|| FhirError::not_found("Group", id))?;
    let group = tx
        .find::<records::PatientGroup>(rid)?
        .ok_or_else(|| FhirError::not_found("Group", id))?;
    if group.meta.deleted.is_some() {
        return Err(FhirError::gone("Group", id));
    }
    let listed: Vec<i64> = group.record.members.iter().map(|m| m.0).collect();
    let mut members = Vec::with_capacity(listed.len());
    for chunk in listed.chunks(MEMBERS_PER_QUERY) {
        let ids = chunk.iter().map(|m| store::Value::Int(*m)).collect();
        let live = tx.search::<records::Patient>(
            &[store::Filter::In("id", ids)],
            &[],
            MEMBERS_PER_QUERY as i64,
            0,
        )?;
        members.extend(live.iter().map(|p| p.meta.id));
    }
    members.sort_unstable();
    Ok((rid, members))
}

/// What the kick-off parameters ask for.
#[derive(Debug)]
struct Asked {
    types: Option<Vec<String>>,
    since: Option<OffsetDateTime>,
}

fn parse_params(level: &Level, pairs: &[(String, String)]) -> Result<Asked, FhirError> {
    let allowed = level.types();
    let mut asked = Asked {
        types: None,
        since: None,
    };
    for (name, value) in pairs {
        match name.as_str() {
            "_outputFormat" => {
                if !matches!(
                    value.as_str(),
                    "application/fhir+ndjson" | "application/ndjson" | "ndjson"
                ) {
                    return Err(FhirError::bad_request(
                        "_outputFormat",
                        format!(
                            "the output format \"{}\" is not supported; use application/fhir+ndjson",
                            shown(value)
                        ),
                    ));
                }
            }
            "_type" => {
                let types = asked.types.get_or_insert_with(Vec::new);
                for part in value.split(',').map(str::trim) {
                    if part.is_empty() {
                        continue;
                    }
                    let Some(known) = allowed.iter().find(|t| **t == part) else {
                        return Err(FhirError::bad_request(
                            "_type",
                            format!(
                                "\"{}\" is not a resource type this export writes; choose from {}",
                                shown(part),
                                allowed.join(", ")
                            ),
                        ));
                    };
                    if !types.iter().any(|t| t == known) {
                        types.push((*known).to_owned());
                    }
                }
            }
            "_since" => {
                let since = OffsetDateTime::parse(value, &Rfc3339).map_err(|_| {
                    FhirError::bad_request(
                        "_since",
                        format!(
                            "\"{}\" is not a FHIR instant (2026-03-01T00:00:00Z)",
                            shown(value)
                        ),
                    )
                })?;
                asked.since = Some(since);
            }
            other => {
                return Err(FhirError::bad_request(
                    other,
                    format!(
                        "the parameter \"{}\" is not supported by $export; supported: _outputFormat, _type, _since",
                        shown(other)
                    ),
                ));
            }
        }
    }
    if asked.types.as_ref().is_some_and(Vec::is_empty) {
        return Err(FhirError::bad_request("_type", "_type names no type"));
    }
    Ok(asked)
}

/// A request value as it may be quoted back.
fn shown(text: &str) -> String {
    text.chars().take(64).flat_map(char::escape_debug).collect()
}

/// The categories of chart data a type holds, and whether the user may read all of it.
fn categories_of(type_name: &str) -> Vec<DataCategory> {
    resource_type(type_name)
        .map(|t| t.kinds.iter().filter_map(|k| k.category()).collect())
        .unwrap_or_default()
}

fn may_read(principal: &Principal, type_name: &str) -> bool {
    resource_type(type_name).is_some_and(|t| {
        t.kinds
            .iter()
            .all(|kind| principal.allows(kind.read_permission()))
    })
}

/// The types to export: those asked for (each must be readable) or every readable one.
fn chosen_types(
    principal: &Principal,
    level: &Level,
    asked: Option<Vec<String>>,
) -> Result<Vec<String>, FhirError> {
    match asked {
        Some(types) => {
            if let Some(refused) = types.iter().find(|t| !may_read(principal, t)) {
                return Err(FhirError::forbidden(format!(
                    "exporting {refused} needs the permission to read every {refused}; leave it out of _type"
                )));
            }
            Ok(types)
        }
        None => {
            let types: Vec<String> = level
                .types()
                .into_iter()
                .filter(|t| may_read(principal, t))
                .map(str::to_owned)
                .collect();
            if types.is_empty() {
                return Err(FhirError::forbidden(
                    "your roles may read none of the resource types an export writes",
                ));
            }
            Ok(types)
        }
    }
}

/// Refuses an `Accept` that rules out FHIR JSON (the kick-off's OperationOutcomes).
fn check_accept(headers: &HeaderMap) -> Result<(), FhirError> {
    let Some(value) = headers.get(header::ACCEPT) else {
        return Ok(());
    };
    let text = value.to_str().unwrap_or_default();
    let acceptable = text.split(',').any(|part| {
        let media = part
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        matches!(
            media.as_str(),
            "application/fhir+json" | "application/json" | "application/*" | "*/*"
        )
    });
    if acceptable {
        Ok(())
    } else {
        Err(FhirError::new(
            StatusCode::NOT_ACCEPTABLE,
            OutcomeIssue::error(
                "not-supported",
                format!(
                    "the kick-off answers application/fhir+json, not \"{}\"",
                    shown(text)
                ),
            )
            .at("Accept"),
        ))
    }
}

fn information(status: StatusCode, message: String) -> Response {
    let issue = OutcomeIssue {
        severity: "information",
        code: "informational",
        diagnostics: message,
        expression: None,
    };
    fhir_response(status, outcome_json(&[issue]).to_string())
}

fn set_header(response: &mut Response, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// `GET /fhir/$export`, `GET /fhir/Patient/$export`, `GET /fhir/Group/{id}/$export`.
pub(crate) async fn kick_off(
    state: AppState,
    principal: Principal,
    level: Level,
    query: Option<String>,
    headers: HeaderMap,
    base: String,
) -> Result<Response, FhirError> {
    if !super::headers::Prefer::of(&headers).respond_async {
        return Err(FhirError::bad_request(
            "Prefer",
            "$export runs asynchronously: send the header Prefer: respond-async",
        ));
    }
    check_accept(&headers)?;
    if matches!(level, Level::Group(_)) {
        // Finding the group reads the roster: demographic data.
        super::interactions::check_read(&principal, super::kinds::Kind::Group)?;
    }
    let asked = parse_params(&level, &super::query_pairs(query.clone()))?;
    let types = chosen_types(&principal, &level, asked.types)?;
    let id = new_job_id()?;
    let request = match query.as_deref() {
        Some(q) if !q.is_empty() => format!("{base}/{}?{q}", level.path()),
        _ => format!("{base}/{}", level.path()),
    };
    let since = asked.since;
    let job_types = types.clone();
    let job = blocking(&state, move |state| {
        let (transaction_time, patients) = audited(state, |audited| {
            let now = audited.now();
            let group = match &level {
                Level::Group(group_id) => Some(current_members(&mut audited.records(), group_id)?),
                _ => None,
            };
            let categories: Vec<DataCategory> =
                types.iter().flat_map(|t| categories_of(t)).collect();
            let mut reason = format!(
                "FHIR bulk export job {id} ({}): {}",
                level.describe(),
                types.join(", ")
            );
            if let Some(since) = since {
                reason.push_str(&format!("; changed since {}", super::instant(since)));
            }
            let mut event = trail::event(&principal, now, Action::Export).categories(&categories);
            if let Some((group_id, members)) = &group {
                // Every patient whose chart leaves, in the entry's patient fields, as a
                // search's entry does.
                let members: Vec<records::PatientId> =
                    members.iter().copied().map(records::PatientId).collect();
                event = event.record("group", *group_id).patients(&members);
            }
            audited.append(&event.reason(&reason))?;
            Ok((now, group.map(|(_, members)| members)))
        })?;
        state.exports.start(
            Arc::clone(&state.store),
            NewJob {
                id,
                owner: principal.user_id,
                request,
                transaction_time,
                files: job_types.len(),
                filter: ExportFilter {
                    types: Some(job_types),
                    since,
                    patients,
                },
            },
        )
    })
    .await?;
    let status_url = format!("{base}/$export-status/{}", job.id);
    let mut response = information(
        StatusCode::ACCEPTED,
        format!("the export has started; poll {status_url}"),
    );
    set_header(&mut response, "content-location", &status_url);
    Ok(response)
}

fn not_found(id: &str) -> FhirError {
    FhirError::new(
        StatusCode::NOT_FOUND,
        OutcomeIssue::error(
            "not-found",
            format!(
                "there is no export job \"{}\" of yours (finished jobs are kept for a day)",
                shown(id)
            ),
        ),
    )
}

/// The completion manifest; each file carries its SHA-256 (`extension.sha256`, as in
/// `manifest.sha256` beside the files, which the top-level `extension.sha256Manifest`
/// links), so the receiving side can check what it downloaded (ONC 170.315(d)(8)).
fn manifest(job: &Job, counts: &fhir::ExportCounts, base: &str) -> serde_json::Value {
    let digests = job.digests().unwrap_or_default();
    let output: Vec<serde_json::Value> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(file, n)| {
            let mut item = json!({
                "type": file.trim_end_matches(".ndjson"),
                "url": format!("{base}/$export-file/{}/{file}", job.id),
                "count": n,
            });
            if let Some(digest) = digests.digest(file) {
                item["extension"] = json!({ "sha256": hex::encode(digest) });
            }
            item
        })
        .collect();
    json!({
        "transactionTime": super::instant(job.transaction_time),
        "request": job.request,
        "requiresAccessToken": true,
        "output": output,
        "error": [],
        "extension": {
            "sha256Manifest": format!("{base}/$export-file/{}/{}", job.id, manifest::MANIFEST_FILE),
        },
    })
}

/// `GET /fhir/$export-status/{id}`.
pub(crate) async fn status(
    state: AppState,
    principal: Principal,
    id: String,
    base: String,
) -> Result<Response, FhirError> {
    let job = state
        .exports
        .find(&id, principal.user_id)
        .ok_or_else(|| not_found(&id))?;
    match job.status() {
        Status::Running {
            resource_type,
            file,
            written,
        } => {
            let progress = if resource_type.is_empty() {
                "starting".to_owned()
            } else {
                format!(
                    "{resource_type} (file {file} of {}): {written} resources",
                    job.files
                )
            };
            let mut response = information(
                StatusCode::ACCEPTED,
                format!("the export is running: {progress}"),
            );
            set_header(&mut response, "x-progress", &progress);
            set_header(&mut response, "retry-after", "2");
            Ok(response)
        }
        Status::Done(counts) => {
            let mut response =
                (StatusCode::OK, manifest(&job, &counts, &base).to_string()).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Ok(response)
        }
        Status::Failed => Err(FhirError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            OutcomeIssue::error(
                "exception",
                "the export failed (the server log has the cause); start it again",
            ),
        )),
    }
}

/// `DELETE /fhir/$export-status/{id}`.
pub(crate) async fn cancel(
    state: AppState,
    principal: Principal,
    id: String,
) -> Result<Response, FhirError> {
    let exports = Arc::clone(&state.exports);
    let owner = principal.user_id;
    let key = id.clone();
    // Removing a finished job's files is file-system work.
    let cancelled = blocking(&state, move |_| Ok(exports.cancel(&key, owner))).await?;
    if !cancelled {
        return Err(not_found(&id));
    }
    Ok(information(
        StatusCode::ACCEPTED,
        format!("export job {id} is cancelled and its files removed"),
    ))
}

/// `GET /fhir/$export-file/{id}/{file}`.
pub(crate) async fn download(
    state: AppState,
    principal: Principal,
    id: String,
    file: String,
) -> Result<Response, FhirError> {
    let job = state
        .exports
        .find(&id, principal.user_id)
        .ok_or_else(|| not_found(&id))?;
    let (path, n_resources) = job.file(&file).ok_or_else(|| {
        FhirError::new(
            StatusCode::NOT_FOUND,
            OutcomeIssue::error(
                "not-found",
                format!(
                    "export job {id} has no finished file \"{}\"; its manifest lists the files",
                    shown(&file)
                ),
            ),
        )
    })?;
    let is_manifest = file == manifest::MANIFEST_FILE;
    let (file, length) = blocking(&state, move |state| {
        let opened = std::fs::File::open(&path)
            .map_err(|e| FhirError::internal(format!("opening {}: {e}", path.display())))?;
        let length = opened.metadata().map(|m| m.len()).ok();
        let type_name = file.trim_end_matches(".ndjson");
        audited(state, |audited| {
            let event = trail::event(&principal, audited.now(), Action::Export)
                .categories(&categories_of(type_name))
                .reason(&format!(
                    "FHIR bulk export job {id}: downloaded {file} ({n_resources} resources)"
                ));
            audited.append(&event)?;
            Ok(())
        })?;
        Ok((opened, length))
    })
    .await?;
    let mut response = (StatusCode::OK, Body::new(FileBody::new(file))).into_response();
    let headers = response.headers_mut();
    let content_type = if is_manifest {
        "text/plain; charset=utf-8"
    } else {
        NDJSON
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn parameters_are_checked_and_never_ignored() {
        let asked = parse_params(
            &Level::System,
            &pairs(&[
                ("_type", "Patient,Observation"),
                ("_type", "Patient"),
                ("_outputFormat", "ndjson"),
                ("_since", "2026-03-01T00:00:00Z"),
            ]),
        );
        let asked = asked.ok().unwrap_or(Asked {
            types: None,
            since: None,
        });
        assert_eq!(
            asked.types,
            Some(vec!["Patient".to_owned(), "Observation".to_owned()])
        );
        assert!(asked.since.is_some());
        let claims = parse_params(&Level::Patient, &pairs(&[("_type", "Claim")]));
        assert!(
            claims.is_ok_and(|a| a.types == Some(vec!["Claim".to_owned()])),
            "stored claims are exported as Claims"
        );
        for bad in [
            ("_type", "AuditEvent"),
            ("_type", "Nonsense"),
            ("_type", ","),
            ("_outputFormat", "text/csv"),
            ("_since", "2026-03-01"),
            ("_typeFilter", "Patient?gender=female"),
        ] {
            let refused = parse_params(&Level::System, &pairs(&[bad]));
            assert!(
                refused.is_err_and(|e| e.status == StatusCode::BAD_REQUEST),
                "{bad:?}"
            );
        }
        let practitioner = parse_params(&Level::Patient, &pairs(&[("_type", "Practitioner")]));
        assert!(practitioner.is_err(), "not in the Patient compartment");
        let group = Level::Group("3".into());
        assert!(parse_params(&group, &pairs(&[("_type", "Group")])).is_err());
        assert!(parse_params(&group, &pairs(&[("_type", "Claim,Patient")])).is_ok());
        assert!(parse_params(&Level::System, &pairs(&[("_type", "Group")])).is_ok());
    }
}
