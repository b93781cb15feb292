//! The FHIR R4 (4.0.1) REST API under `/fhir`, JSON only: the CapabilityStatement,
//! read, vread, history, create (conditional too), update, delete and search for every
//! type the `fhir` crate maps, AuditEvent over the audit trail, and batch/transaction
//! Bundles.
//!
//! - `kinds`: resource types, the record kinds behind them, permissions and ids.
//! - `interactions`: the instance interactions; `search`: type-level search;
//!   `transaction`: batch and transaction Bundles; `audit_event`: the trail as AuditEvents.
//! - `resource`: one record as a resource, and reference resolution; `write`: incoming
//!   resources validated, mapped and stored; `versions`: earlier versions rebuilt from
//!   the store's history. Charges (ChargeItem), stored claims (Claim) and the payers'
//!   decisions on them (ExplanationOfBenefit) are read-only, as are chart review's
//!   deficiencies, physician queries and follow-up tasks (Tasks; `kinds`).
//! - `headers`, `outcome`, `bundles`, `trail`, `run`: HTTP headers, OperationOutcomes,
//!   Bundles the server writes, audit entries, and running work in audited transactions.
//! - `bulk_export`: Bulk Data `$export` at system, Patient and Group level (kick-off,
//!   status, download) over the background jobs of `export_jobs`; `file_body` streams
//!   their files.
//!
//! Invariants:
//! - Every route needs a permission (the type's read or write permission); each record
//!   kind's own permission is checked again (`kinds`).
//! - Every answer is `application/fhir+json`; every refusal and failure is an
//!   OperationOutcome naming what is wrong and where, never a bare status.
//! - Every interaction that shows or changes patient data writes one audit entry on the
//!   `fhir` channel in the same transaction as its reads and writes.

mod audit_event;
mod bulk_export;
mod bundles;
mod emergency;
mod export_jobs;
mod file_body;
mod foreign_bundle;
mod headers;
mod interactions;
mod kinds;
mod match_op;
pub(crate) mod outcome;
mod resource;
pub(crate) mod roi_bundle;
mod run;
mod search;
mod stray;
mod trail;
mod transaction;
mod versions;
mod write;

pub(crate) use export_jobs::ExportJobs;
pub(crate) use stray::{is_fhir_path, no_route, outcomes_only};
pub(crate) use trail::aimed_at;

use crate::auth::Principal;
use crate::guard::Surface;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use axum::Extension;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use headers::Prefer;
use kinds::{ResourceType, TYPES};
use outcome::FhirError;
use privacy::Permission;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A FHIR instant.
pub(crate) fn instant(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// The service base URL the client used (`http://host/fhir`), for `fullUrl`, `Location`
/// and paging links. Only host characters are kept from the `Host` header.
pub(crate) fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host: String = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        .take(255)
        .collect();
    let host = if host.is_empty() {
        "localhost".to_owned()
    } else {
        host
    };
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/fhir")
}

fn respond(result: Result<Response, FhirError>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

fn path_error(rejection: &PathRejection) -> FhirError {
    FhirError::bad_request("path", format!("the path cannot be read: {rejection}"))
}

fn query_pairs(query: Option<String>) -> Vec<(String, String)> {
    search::params::form_pairs(query.as_deref().unwrap_or(""))
}

/// `GET /fhir/metadata`.
async fn metadata(State(state): State<AppState>) -> Response {
    let now = instant(state.store.clock().now());
    let statement = fhir::capability_statement(&now, env!("CARGO_PKG_VERSION"));
    match serde_json::to_string(&statement) {
        Ok(text) => headers::fhir_response(StatusCode::OK, text),
        Err(e) => FhirError::internal(e).into_response(),
    }
}

struct TypePaths {
    type_: &'static str,
    search: &'static str,
    instance: &'static str,
    history: &'static str,
    version: &'static str,
}

macro_rules! paths {
    ($name:literal) => {
        TypePaths {
            type_: concat!("/fhir/", $name),
            search: concat!("/fhir/", $name, "/_search"),
            instance: concat!("/fhir/", $name, "/{id}"),
            history: concat!("/fhir/", $name, "/{id}/_history"),
            version: concat!("/fhir/", $name, "/{id}/_history/{vid}"),
        }
    };
}

fn type_routes(t: &'static ResourceType, p: TypePaths) -> Vec<Entry> {
    // Reads are open to emergency access too; the handlers decide per record.
    let read = Access::NeedsOrEmergency(t.read);
    let mut routes = vec![
        route(
            Method::GET,
            p.type_,
            read,
            true,
            "FHIR search (searchset Bundle)",
            get(
                move |State(state): State<AppState>,
                      Extension(principal): Extension<Principal>,
                      RawQuery(query): RawQuery,
                      headers: HeaderMap| async move {
                    let base = base_url(&state, &headers);
                    respond(
                        search::search(
                            state,
                            principal,
                            t,
                            query_pairs(query),
                            Prefer::of(&headers),
                            base,
                        )
                        .await,
                    )
                },
            ),
        ),
        route(
            Method::POST,
            p.search,
            read,
            true,
            "FHIR search with the parameters in a form body",
            post(
                move |State(state): State<AppState>,
                      Extension(principal): Extension<Principal>,
                      RawQuery(query): RawQuery,
                      headers: HeaderMap,
                      body: Body| async move {
                    let base = base_url(&state, &headers);
                    respond(
                        async {
                            headers::check_content_type(&headers, true)?;
                            let text = run::body_text(body).await?;
                            let mut pairs = query_pairs(query);
                            pairs.extend(search::params::form_pairs(&text));
                            search::search(state, principal, t, pairs, Prefer::of(&headers), base)
                                .await
                        }
                        .await,
                    )
                },
            ),
        ),
        route(
            Method::GET,
            p.instance,
            read,
            true,
            "FHIR read (ETag and Last-Modified; 410 when deleted)",
            get(
                move |State(state): State<AppState>,
                      Extension(principal): Extension<Principal>,
                      path: Result<Path<String>, PathRejection>| async move {
                    respond(match path {
                        Ok(Path(id)) => interactions::read(state, principal, t, id).await,
                        Err(e) => Err(path_error(&e)),
                    })
                },
            ),
        ),
        route(
            Method::GET,
            p.history,
            read,
            true,
            "FHIR instance history (history Bundle, newest first)",
            get(
                move |State(state): State<AppState>,
                      Extension(principal): Extension<Principal>,
                      headers: HeaderMap,
                      path: Result<Path<String>, PathRejection>| async move {
                    let base = base_url(&state, &headers);
                    respond(match path {
                        Ok(Path(id)) => interactions::history(state, principal, t, id, base).await,
                        Err(e) => Err(path_error(&e)),
                    })
                },
            ),
        ),
        route(
            Method::GET,
            p.version,
            read,
            true,
            "FHIR vread: one version",
            get(
                move |State(state): State<AppState>,
                      Extension(principal): Extension<Principal>,
                      path: Result<Path<(String, String)>, PathRejection>| async move {
                    respond(match path {
                        Ok(Path((id, vid))) => {
                            interactions::vread(state, principal, t, id, vid).await
                        }
                        Err(e) => Err(path_error(&e)),
                    })
                },
            ),
        ),
    ];
    if let Some(write) = t.write {
        let write = Access::Needs(write);
        routes.extend([
            route(
                Method::POST,
                p.type_,
                write,
                true,
                "FHIR create (If-None-Exist for conditional create; Prefer return=)",
                post(
                    move |State(state): State<AppState>,
                          Extension(principal): Extension<Principal>,
                          headers: HeaderMap,
                          body: Body| async move {
                        let base = base_url(&state, &headers);
                        respond(
                            interactions::create(state, principal, t, headers, body, base).await,
                        )
                    },
                ),
            ),
            route(
                Method::PUT,
                p.instance,
                write,
                true,
                "FHIR update (If-Match W/\"n\": 412 when stale)",
                put(
                    move |State(state): State<AppState>,
                          Extension(principal): Extension<Principal>,
                          headers: HeaderMap,
                          path: Result<Path<String>, PathRejection>,
                          body: Body| async move {
                        let base = base_url(&state, &headers);
                        respond(match path {
                            Ok(Path(id)) => {
                                interactions::update(state, principal, t, id, headers, body, base)
                                    .await
                            }
                            Err(e) => Err(path_error(&e)),
                        })
                    },
                ),
            ),
            route(
                Method::DELETE,
                p.instance,
                write,
                false,
                "FHIR delete (soft; If-Match W/\"n\": 412 when stale)",
                delete(
                    move |State(state): State<AppState>,
                          Extension(principal): Extension<Principal>,
                          headers: HeaderMap,
                          path: Result<Path<String>, PathRejection>| async move {
                        respond(match path {
                            Ok(Path(id)) => {
                                interactions::delete(state, principal, t, id, headers).await
                            }
                            Err(e) => Err(path_error(&e)),
                        })
                    },
                ),
            ),
        ]);
    }
    routes.into_iter().map(|r| r.on(Surface::Fhir)).collect()
}

fn find_type(name: &str) -> &'static ResourceType {
    kinds::resource_type(name).unwrap_or(&TYPES[0])
}

/// The FHIR routes.
pub(crate) fn routes() -> Vec<Entry> {
    let mut table = vec![
        route(
            Method::GET,
            "/fhir/metadata",
            Access::Public,
            false,
            "the FHIR CapabilityStatement",
            get(metadata),
        )
        .on(Surface::Fhir),
        route(
            Method::POST,
            "/fhir",
            Access::Needs(Permission::ReadDemographics),
            true,
            "FHIR batch or transaction Bundle (each entry needs its own permission)",
            post(
                |State(state): State<AppState>,
                 Extension(principal): Extension<Principal>,
                 headers: HeaderMap,
                 body: Body| async move {
                    let base = base_url(&state, &headers);
                    respond(transaction::bundle(state, principal, headers, body, base).await)
                },
            ),
        )
        .on(Surface::Fhir),
        route(
            Method::GET,
            "/fhir/AuditEvent",
            Access::Needs(Permission::ReadAudit),
            true,
            "the audit trail as AuditEvents (patient, date, agent-name, action, _count)",
            get(
                |State(state): State<AppState>,
                 Extension(principal): Extension<Principal>,
                 RawQuery(query): RawQuery,
                 headers: HeaderMap| async move {
                    let base = base_url(&state, &headers);
                    let strict = Prefer::of(&headers).strict;
                    respond(
                        audit_event::search(state, principal, query_pairs(query), strict, base)
                            .await,
                    )
                },
            ),
        )
        .on(Surface::Fhir),
        route(
            Method::GET,
            "/fhir/AuditEvent/{id}",
            Access::Needs(Permission::ReadAudit),
            true,
            "one audit entry as an AuditEvent",
            get(
                |State(state): State<AppState>,
                 Extension(principal): Extension<Principal>,
                 path: Result<Path<String>, PathRejection>| async move {
                    respond(match path {
                        Ok(Path(id)) => audit_event::read(state, principal, id).await,
                        Err(e) => Err(path_error(&e)),
                    })
                },
            ),
        )
        .on(Surface::Fhir),
    ];
    table.extend(type_routes(find_type("Patient"), paths!("Patient")));
    table.extend(type_routes(
        find_type("Practitioner"),
        paths!("Practitioner"),
    ));
    table.extend(type_routes(
        find_type("Organization"),
        paths!("Organization"),
    ));
    table.extend(type_routes(find_type("Coverage"), paths!("Coverage")));
    table.extend(type_routes(find_type("Encounter"), paths!("Encounter")));
    table.extend(type_routes(find_type("Condition"), paths!("Condition")));
    table.extend(type_routes(find_type("Procedure"), paths!("Procedure")));
    table.extend(type_routes(
        find_type("Immunization"),
        paths!("Immunization"),
    ));
    table.extend(type_routes(find_type("Observation"), paths!("Observation")));
    table.extend(type_routes(
        find_type("MedicationStatement"),
        paths!("MedicationStatement"),
    ));
    table.extend(type_routes(
        find_type("AllergyIntolerance"),
        paths!("AllergyIntolerance"),
    ));
    table.extend(type_routes(
        find_type("DocumentReference"),
        paths!("DocumentReference"),
    ));
    table.extend(type_routes(find_type("Group"), paths!("Group")));
    table.extend(type_routes(find_type("ChargeItem"), paths!("ChargeItem")));
    table.extend(type_routes(find_type("Claim"), paths!("Claim")));
    table.extend(type_routes(
        find_type("ExplanationOfBenefit"),
        paths!("ExplanationOfBenefit"),
    ));
    table.extend(type_routes(find_type("Task"), paths!("Task")));
    table.extend(export_routes());
    table.push(
        route(
            Method::POST,
            "/fhir/Patient/$match",
            Access::Needs(Permission::ReadDemographics),
            true,
            "FHIR Patient $match: patients on file who may be the Patient sent, scored (search.score, match-grade)",
            post(
                |State(state): State<AppState>,
                 Extension(principal): Extension<Principal>,
                 headers: HeaderMap,
                 body: Body| async move {
                    let base = base_url(&state, &headers);
                    respond(
                        async {
                            headers::check_content_type(&headers, false)?;
                            let text = run::body_text(body).await?;
                            match_op::patient_match(state, principal, text, base).await
                        }
                        .await,
                    )
                },
            ),
        )
        .on(Surface::Fhir),
    );
    table
}

fn kick_off_route(path: &'static str, level: bulk_export::Level, summary: &'static str) -> Entry {
    route(
        Method::GET,
        path,
        Access::Needs(Permission::ExportRecords),
        true,
        summary,
        get(
            move |State(state): State<AppState>,
                  Extension(principal): Extension<Principal>,
                  RawQuery(query): RawQuery,
                  headers: HeaderMap| async move {
                let base = base_url(&state, &headers);
                let level = level.clone();
                respond(bulk_export::kick_off(state, principal, level, query, headers, base).await)
            },
        ),
    )
}

/// The Bulk Data `$export` routes.
fn export_routes() -> Vec<Entry> {
    let export = Access::Needs(Permission::ExportRecords);
    let routes = vec![
        kick_off_route(
            "/fhir/$export",
            bulk_export::Level::System,
            "FHIR Bulk Data system-level export (Prefer: respond-async; _type, _since, _outputFormat)",
        ),
        kick_off_route(
            "/fhir/Patient/$export",
            bulk_export::Level::Patient,
            "FHIR Bulk Data export of every patient's compartment (Prefer: respond-async)",
        ),
        route(
            Method::GET,
            "/fhir/Group/{id}/$export",
            export,
            true,
            "FHIR Bulk Data export of a Group's members' compartments (Prefer: respond-async)",
            get(
                |State(state): State<AppState>,
                 Extension(principal): Extension<Principal>,
                 RawQuery(query): RawQuery,
                 headers: HeaderMap,
                 path: Result<Path<String>, PathRejection>| async move {
                    let base = base_url(&state, &headers);
                    respond(match path {
                        Ok(Path(id)) => {
                            let level = bulk_export::Level::Group(id);
                            bulk_export::kick_off(state, principal, level, query, headers, base)
                                .await
                        }
                        Err(e) => Err(path_error(&e)),
                    })
                },
            ),
        ),
        route(
            Method::GET,
            "/fhir/$export-status/{id}",
            export,
            true,
            "Bulk Data job status: 202 with X-Progress, then 200 with the manifest",
            get(
                |State(state): State<AppState>,
                 Extension(principal): Extension<Principal>,
                 headers: HeaderMap,
                 path: Result<Path<String>, PathRejection>| async move {
                    let base = base_url(&state, &headers);
                    respond(match path {
                        Ok(Path(id)) => bulk_export::status(state, principal, id, base).await,
                        Err(e) => Err(path_error(&e)),
                    })
                },
            ),
        ),
        route(
            Method::DELETE,
            "/fhir/$export-status/{id}",
            export,
            false,
            "cancel a Bulk Data job and remove its files",
            delete(
                |State(state): State<AppState>,
                 Extension(principal): Extension<Principal>,
                 path: Result<Path<String>, PathRejection>| async move {
                    respond(match path {
                        Ok(Path(id)) => bulk_export::cancel(state, principal, id).await,
                        Err(e) => Err(path_error(&e)),
                    })
                },
            ),
        ),
        route(
            Method::GET,
            "/fhir/$export-file/{id}/{file}",
            export,
            true,
            "one NDJSON file of a finished Bulk Data export",
            get(
                |State(state): State<AppState>,
                 Extension(principal): Extension<Principal>,
                 path: Result<Path<(String, String)>, PathRejection>| async move {
                    respond(match path {
                        Ok(Path((id, file))) => {
                            bulk_export::download(state, principal, id, file).await
                        }
                        Err(e) => Err(path_error(&e)),
                    })
                },
            ),
        ),
    ];
    routes.into_iter().map(|r| r.on(Surface::Fhir)).collect()
}

/// Reads `query` as a search on the `pick`th resource type, as the search route does, for
/// the fuzz target (`fuzz/fuzz_targets/fhir_search.rs`); the answer is dropped.
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_search(pick: usize, query: &str) {
    let t = &kinds::TYPES[pick % kinds::TYPES.len()];
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let _ = search::Query::parse(t, query, pick % 2 == 0, now);
}
