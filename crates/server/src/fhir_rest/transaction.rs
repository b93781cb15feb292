//! `POST /fhir` with a batch or transaction Bundle.
//!
//! Invariants:
//! - A transaction is one audited store transaction: every entry is validated, mapped and
//!   written, or nothing is (and the answer is the OperationOutcome of the first failing
//!   entry, its expressions under `Bundle.entry[n]`).
//! - Entries run in the order R4 prescribes (DELETE, POST, PUT, GET); creates go in
//!   dependency order (organizations and practitioners, patients, then what refers to
//!   them), so `urn:uuid:` references between entries resolve whatever order they were
//!   written in.
//! - A batch runs each entry in its own transaction; one failing entry answers its own
//!   status and OperationOutcome and the others still apply.
//! - Every entry checks its own permission and writes its own audit entry.

use super::bundles::{BundleOut, EntryOut, raw};
use super::headers::{etag, fhir_response, parse_etag};
use super::interactions::check_read;
use super::kinds::{Kind, ResourceType, resource_type, with_record};
use super::outcome::{FhirError, OutcomeIssue, outcome_json};
use super::resource::{Found, MrnSource, find};
use super::run::{audited, blocking, body_text};
use super::{instant, search, trail, write};
use crate::auth::Principal;
use crate::state::AppState;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use privacy::Action;
use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;
use std::collections::HashMap;
use store::Audited;

#[derive(Deserialize)]
struct BundleIn<'a> {
    #[serde(rename = "resourceType", default)]
    resource_type: Option<String>,
    #[serde(rename = "type", default)]
    type_: Option<String>,
    #[serde(default, borrow)]
    entry: Vec<EntryIn<'a>>,
}

#[derive(Deserialize)]
struct EntryIn<'a> {
    #[serde(rename = "fullUrl", default)]
    full_url: Option<String>,
    #[serde(default, borrow)]
    resource: Option<&'a RawValue>,
    #[serde(default)]
    request: Option<RequestIn>,
}

#[derive(Deserialize)]
struct RequestIn {
    method: String,
    url: String,
    #[serde(rename = "ifNoneExist", default)]
    if_none_exist: Option<String>,
    #[serde(rename = "ifMatch", default)]
    if_match: Option<String>,
}

/// Creates in dependency order: what is referred to first.
const CREATE_ORDER: &[&str] = &[
    "Organization",
    "Practitioner",
    "Patient",
    "Coverage",
    "Encounter",
    "Condition",
    "Procedure",
    "Immunization",
    "Observation",
    "MedicationStatement",
    "AllergyIntolerance",
    "DocumentReference",
    "Group",
];

struct Ctx<'p> {
    principal: &'p Principal,
    base: String,
    representation: bool,
    now: time::OffsetDateTime,
    assign_mrn: bool,
}

fn at(idx: usize) -> String {
    format!("Bundle.entry[{idx}]")
}

/// The error of entry `idx`, located under it.
fn located(mut error: FhirError, idx: usize) -> FhirError {
    for issue in &mut error.issues {
        if issue.expression.is_none() {
            issue.expression = Some(at(idx));
        }
        if !issue.diagnostics.starts_with("Bundle.entry[") {
            issue.diagnostics = format!("{}: {}", at(idx), issue.diagnostics);
        }
    }
    error
}

/// The type and id a request URL names (`Patient`, `Patient/12`, with or without the
/// base and a query).
fn target(url: &str, idx: usize) -> Result<(&'static ResourceType, Option<&str>, &str), FhirError> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path = path.rsplit_once("/fhir/").map_or(path, |(_, rest)| rest);
    let mut parts = path.trim_matches('/').split('/');
    let type_name = parts.next().unwrap_or_default();
    let id = parts.next();
    let t = resource_type(type_name).ok_or_else(|| {
        FhirError::bad_request(
            &format!("{}.request.url", at(idx)),
            format!("\"{type_name}\" is not a resource type Chartroom serves in Bundles"),
        )
    })?;
    Ok((t, id, query))
}

fn status_entry(
    status: &str,
    found: Option<&Found>,
    ctx: &Ctx<'_>,
    with_resource: bool,
) -> EntryOut {
    let mut response = json!({ "status": status });
    let mut entry = EntryOut::default();
    if let Some(found) = found {
        response["location"] = json!(format!("{}/_history/{}", found.reference(), found.version));
        response["etag"] = json!(etag(found.version));
        response["lastModified"] = json!(instant(found.updated));
        entry.full_url = Some(format!("{}/{}", ctx.base, found.reference()));
        if with_resource {
            entry.resource = raw(&found.json);
        }
    }
    entry.response = Some(response);
    entry
}

fn process(
    audited: &mut Audited<'_>,
    ctx: &Ctx<'_>,
    idx: usize,
    entry: &EntryIn<'_>,
    local: &mut HashMap<String, (Kind, i64)>,
) -> Result<EntryOut, FhirError> {
    let request = entry.request.as_ref().ok_or_else(|| {
        FhirError::bad_request(
            &format!("{}.request", at(idx)),
            "every entry needs a request (method and url)",
        )
    })?;
    let (t, id, query) = target(&request.url, idx)?;
    let prefix = format!("{}.resource", at(idx));
    let principal = ctx.principal;
    let event = |action| trail::event(principal, ctx.now, action);
    match (request.method.as_str(), id) {
        ("POST", None) => {
            if t.write.is_none() {
                return Err(FhirError::bad_request(
                    &format!("{}.request", at(idx)),
                    format!("{} is read-only", t.name),
                ));
            }
            let text = entry
                .resource
                .map(RawValue::get)
                .ok_or_else(|| FhirError::bad_request(&prefix, "a create needs a resource"))?;
            write::validated(text, Some(t.name), Some(&prefix))?;
            if let Some(condition) = &request.if_none_exist {
                let query =
                    search::Query::parse(t, condition.trim_start_matches('?'), true, ctx.now)?;
                let matches = search::matching(&mut audited.records(), principal, &query, 2)?;
                match matches.as_slice() {
                    [] => {}
                    [one] => {
                        if let Some(url) = &entry.full_url {
                            local.insert(url.clone(), (one.kind, one.id));
                        }
                        audited.append(
                            &trail::about(event(Action::Read), one)
                                .reason("conditional create: already exists"),
                        )?;
                        return Ok(status_entry("200 OK", Some(one), ctx, ctx.representation));
                    }
                    _ => {
                        return Err(FhirError::new(
                            StatusCode::PRECONDITION_FAILED,
                            OutcomeIssue::error(
                                "multiple-matches",
                                "ifNoneExist matches more than one record",
                            )
                            .at(format!("{}.request.ifNoneExist", at(idx))),
                        ));
                    }
                }
            }
            let mut tx = audited.records();
            let mrn = MrnSource::for_create(ctx.assign_mrn);
            let mapped = write::map(&mut tx, text, t.name, local, Some(&prefix), mrn)?;
            let kind = write::mapped_kind(&mapped).ok_or_else(|| FhirError::internal("no kind"))?;
            write::check_write(principal, kind)?;
            let created = write::create(&mut tx, &write::actor(principal), mapped)?;
            drop(tx);
            let first = created
                .first()
                .ok_or_else(|| FhirError::internal("a create stored nothing"))?;
            if let Some(url) = &entry.full_url {
                local.insert(url.clone(), (first.kind, first.id));
            }
            audited.append(&trail::about(event(Action::Create), first))?;
            write::flag_patient(audited, first, None, &event(Action::Create))?;
            Ok(status_entry(
                "201 Created",
                Some(first),
                ctx,
                ctx.representation,
            ))
        }
        ("PUT", Some(id)) => {
            let (kind, rid) = t
                .parse_id(id)
                .ok_or_else(|| FhirError::not_found(t.name, id))?;
            write::check_write(principal, kind)?;
            let text = entry
                .resource
                .map(RawValue::get)
                .ok_or_else(|| FhirError::bad_request(&prefix, "an update needs a resource"))?;
            let value = write::validated(text, Some(t.name), Some(&prefix))?;
            if value.get("id").and_then(|v| v.as_str()) != Some(id) {
                return Err(FhirError::bad_request(
                    &format!("{prefix}.id"),
                    format!("the resource's id must be {id}, as in the request url"),
                ));
            }
            let mut tx = audited.records();
            let current =
                find(&mut tx, kind, rid)?.ok_or_else(|| FhirError::not_found(t.name, id))?;
            if current.deleted {
                return Err(FhirError::gone(t.name, id));
            }
            if let Some(tag) = &request.if_match {
                let expected = parse_etag(tag).ok_or_else(|| {
                    FhirError::bad_request(
                        &format!("{}.request.ifMatch", at(idx)),
                        "not a version tag",
                    )
                })?;
                if expected != current.version {
                    return Err(FhirError::stale(t.name, id, expected, current.version));
                }
            }
            let before = write::patient_before(&mut tx, kind, rid)?;
            let mrn = MrnSource::for_update(&mut tx, kind, rid);
            let mapped = write::map(&mut tx, text, t.name, local, Some(&prefix), mrn)?;
            let found = write::update(
                &mut tx,
                &write::actor(principal),
                kind,
                rid,
                current.version,
                mapped,
            )?;
            drop(tx);
            audited.append(&trail::about(event(Action::Update), &found))?;
            write::flag_patient(audited, &found, before.as_ref(), &event(Action::Create))?;
            Ok(status_entry(
                "200 OK",
                Some(&found),
                ctx,
                ctx.representation,
            ))
        }
        ("DELETE", Some(id)) => {
            let (kind, rid) = t
                .parse_id(id)
                .ok_or_else(|| FhirError::not_found(t.name, id))?;
            write::check_write(principal, kind)?;
            let mut tx = audited.records();
            let current =
                find(&mut tx, kind, rid)?.ok_or_else(|| FhirError::not_found(t.name, id))?;
            if !current.deleted {
                let actor = write::actor(principal);
                with_record!(kind, R => tx.delete::<R>(&actor, rid, current.version, "deleted through a FHIR Bundle"))?;
                drop(tx);
                audited.append(&trail::about(event(Action::Delete), &current))?;
            }
            Ok(status_entry("204 No Content", None, ctx, false))
        }
        ("GET", Some(id)) => {
            let (kind, rid) = t
                .parse_id(id)
                .ok_or_else(|| FhirError::not_found(t.name, id))?;
            check_read(principal, kind)?;
            let found = find(&mut audited.records(), kind, rid)?
                .ok_or_else(|| FhirError::not_found(t.name, id))?;
            if found.deleted {
                return Err(FhirError::gone(t.name, id));
            }
            audited.append(&trail::about(event(Action::Read), &found))?;
            Ok(status_entry("200 OK", Some(&found), ctx, true))
        }
        ("GET", None) => {
            let query = search::Query::parse(t, query, false, ctx.now)?;
            let (bundle, shown) =
                search::searchset(&mut audited.records(), principal, &query, &ctx.base)?;
            let refs: Vec<&Found> = shown.iter().collect();
            audited.append(&trail::about_many(
                event(Action::Read),
                &refs,
                &format!("FHIR search {} in a Bundle", t.name),
            ))?;
            Ok(EntryOut {
                resource: raw(&bundle.to_text()),
                response: Some(json!({"status": "200 OK"})),
                ..EntryOut::default()
            })
        }
        (method, _) => Err(FhirError::bad_request(
            &format!("{}.request", at(idx)),
            format!(
                "{method} {} is not an interaction Chartroom runs in Bundles (POST Type, PUT/DELETE/GET Type/id, GET Type?query)",
                request.url
            ),
        )),
    }
}

/// The order entries run in: deletes, creates (by dependency), updates, reads.
fn order(entries: &[EntryIn<'_>]) -> Vec<usize> {
    let rank = |entry: &EntryIn<'_>| {
        let Some(request) = &entry.request else {
            return (4, 0);
        };
        let type_name = request.url.split(['/', '?']).next().unwrap_or_default();
        let by_type = CREATE_ORDER
            .iter()
            .position(|t| *t == type_name)
            .unwrap_or(CREATE_ORDER.len());
        match request.method.as_str() {
            "DELETE" => (0, 0),
            "POST" => (1, by_type),
            "PUT" => (2, 0),
            _ => (3, 0),
        }
    };
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|idx| entries.get(*idx).map(rank).unwrap_or((5, 0)));
    order
}

/// `POST /fhir`.
pub(crate) async fn bundle(
    state: AppState,
    principal: Principal,
    headers: HeaderMap,
    body: Body,
    base: String,
) -> Result<Response, FhirError> {
    super::headers::check_content_type(&headers, false)?;
    let text = body_text(body).await?;
    let representation = headers.get_all("prefer").iter().any(|v| {
        v.to_str()
            .unwrap_or_default()
            .contains("return=representation")
    });
    let answer = blocking(&state, move |state| {
        let bundle: BundleIn<'_> = serde_json::from_str(&text).map_err(|e| {
            FhirError::new(
                StatusCode::BAD_REQUEST,
                OutcomeIssue::error(
                    "structure",
                    format!(
                        "not a Bundle (line {}, column {}): {e}",
                        e.line(),
                        e.column()
                    ),
                )
                .at("Bundle"),
            )
        })?;
        if bundle.resource_type.as_deref() != Some("Bundle") {
            return Err(FhirError::bad_request(
                "resourceType",
                "POST /fhir takes a Bundle",
            ));
        }
        let transaction = match bundle.type_.as_deref() {
            Some("transaction") => true,
            Some("batch") => false,
            other => {
                return Err(FhirError::bad_request(
                    "Bundle.type",
                    format!(
                        "expected a batch or transaction Bundle, found {}",
                        other.unwrap_or("no type")
                    ),
                ));
            }
        };
        if transaction {
            let types: Vec<Option<String>> = bundle
                .entry
                .iter()
                .map(|e| super::foreign_bundle::type_of(e.resource))
                .collect();
            if super::foreign_bundle::is_foreign(types.iter().cloned()) {
                return super::foreign_bundle::import(state, &principal, &text, &types, &base);
            }
        }
        let ctx = Ctx {
            principal: &principal,
            base,
            representation,
            now: state.store.clock().now(),
            assign_mrn: state.config.assign_mrn,
        };
        let order = order(&bundle.entry);
        let mut answers: Vec<Option<EntryOut>> = bundle.entry.iter().map(|_| None).collect();
        if transaction {
            // Validate every entry first so a rejected transaction lists all its problems.
            let mut issues = Vec::new();
            for (idx, entry) in bundle.entry.iter().enumerate() {
                if let Some(resource) = entry.resource
                    && let Err(error) = write::validated(
                        resource.get(),
                        None,
                        Some(&format!("{}.resource", at(idx))),
                    )
                {
                    issues.extend(error.issues);
                }
            }
            if !issues.is_empty() {
                return Err(FhirError::unprocessable(issues));
            }
            audited(state, |audited| {
                let mut local = HashMap::new();
                for idx in &order {
                    let Some(entry) = bundle.entry.get(*idx) else {
                        continue;
                    };
                    let answer = process(audited, &ctx, *idx, entry, &mut local)
                        .map_err(|e| located(e, *idx))?;
                    if let Some(slot) = answers.get_mut(*idx) {
                        *slot = Some(answer);
                    }
                }
                Ok(())
            })?;
        } else {
            let mut local = HashMap::new();
            for idx in &order {
                let Some(entry) = bundle.entry.get(*idx) else {
                    continue;
                };
                let answer = audited(state, |audited| {
                    process(audited, &ctx, *idx, entry, &mut local)
                })
                .unwrap_or_else(|error| EntryOut {
                    resource: raw(
                        &outcome_json(&located(error.clone_issues(), *idx).issues).to_string()
                    ),
                    response: Some(json!({"status": error.status.as_str()})),
                    ..EntryOut::default()
                });
                if let Some(slot) = answers.get_mut(*idx) {
                    *slot = Some(answer);
                }
            }
        }
        let mut out = BundleOut::new(if transaction {
            "transaction-response"
        } else {
            "batch-response"
        });
        out.entry = answers.into_iter().map(Option::unwrap_or_default).collect();
        Ok(out.to_text())
    })
    .await?;
    Ok(fhir_response(StatusCode::OK, answer))
}
