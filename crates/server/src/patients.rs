//! Patient data over the API: a chart filtered to the categories the user may read, and
//! patient search; both audited before anything is returned.
//!
//! Invariants:
//! - A section of the chart is returned only when the user's roles, or a live emergency
//!   grant for this patient, allow reading its category; the response names the sections
//!   withheld.
//! - The audit entry names exactly the categories returned; nothing is returned if the
//!   audit append fails.
//! - Search terms travel in the request body, never in the URL.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use privacy::{Access, Action, BreakGlassGrant, DataCategory, Decision, Outcome, decide};
use records::{Patient, PatientId};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use store::PatientQuery;
use time::format_description::well_known::Rfc3339;

/// The chart's JSON sections for each category.
fn sections(category: DataCategory) -> &'static [&'static str] {
    match category {
        DataCategory::Demographics => &["patient"],
        DataCategory::Insurance => &["coverages"],
        DataCategory::Encounters => &["encounters"],
        DataCategory::Diagnoses => &["diagnoses"],
        DataCategory::Procedures => &["procedures"],
        DataCategory::Immunizations => &["immunizations"],
        DataCategory::Results => &["observations"],
        DataCategory::Medications => &["medications"],
        DataCategory::Allergies => &["allergies"],
        DataCategory::Problems => &["problems"],
        DataCategory::Notes => &["notes"],
        DataCategory::Billing => &["charges", "postings", "balance"],
    }
}

pub(crate) fn parse_id(text: &str) -> Result<i64, WebError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad("id", format!("\"{text}\" is not a record id")))
}

/// A chart with only the sections the user may read filled in.
pub(crate) struct AllowedChart {
    /// The chart; sections of withheld categories are empty.
    pub summary: store::PatientSummary,
    /// The categories shown.
    pub shown: Vec<DataCategory>,
    /// The categories withheld.
    pub withheld: Vec<DataCategory>,
    /// Shown under an emergency grant, which ends then (the latest of the live grants).
    pub emergency_until: Option<time::OffsetDateTime>,
    /// The audit entry recording the look.
    pub audit_seq: i64,
    /// The patient's decided amendment requests whose record the user may read (the
    /// chart itself counts as demographics), oldest first.
    pub amendments: Vec<store::Amendment>,
}

/// The data category a stored kind belongs to.
pub(crate) fn category_of(kind: &str) -> Option<DataCategory> {
    Some(match kind {
        "patient" => DataCategory::Demographics,
        "coverage" => DataCategory::Insurance,
        "encounter" => DataCategory::Encounters,
        "diagnosis" => DataCategory::Diagnoses,
        "procedure" => DataCategory::Procedures,
        "immunization" => DataCategory::Immunizations,
        "observation" => DataCategory::Results,
        "medication" => DataCategory::Medications,
        "allergy" => DataCategory::Allergies,
        "problem" => DataCategory::Problems,
        "note" => DataCategory::Notes,
        "charge" | "posting" => DataCategory::Billing,
        _ => return None,
    })
}

/// The decided amendments among `all` whose record's category is in `shown`.
fn amendments_shown(all: Vec<store::Amendment>, shown: &[DataCategory]) -> Vec<store::Amendment> {
    all.into_iter()
        .filter(|a| {
            let Some(decision) = &a.decision else {
                return false;
            };
            let category = decision
                .linked_kind
                .as_deref()
                .map_or(Some(DataCategory::Demographics), category_of);
            category.is_some_and(|c| shown.contains(&c))
        })
        .collect()
}

impl AllowedChart {
    /// Whether the user may read `category` on this chart.
    pub fn shows(&self, category: DataCategory) -> bool {
        self.shown.contains(&category)
    }
}

/// Empties the chart's sections of `category`.
fn withhold(chart: &mut store::PatientSummary, category: DataCategory) {
    match category {
        // The patient row itself is what names the chart; callers check `shows`.
        DataCategory::Demographics => {}
        DataCategory::Insurance => chart.coverages.clear(),
        DataCategory::Encounters => chart.encounters.clear(),
        DataCategory::Diagnoses => chart.diagnoses.clear(),
        DataCategory::Procedures => chart.procedures.clear(),
        DataCategory::Immunizations => chart.immunizations.clear(),
        DataCategory::Results => chart.observations.clear(),
        DataCategory::Medications => chart.medications.clear(),
        DataCategory::Allergies => chart.allergies.clear(),
        DataCategory::Problems => chart.problems.clear(),
        DataCategory::Notes => chart.notes.clear(),
        DataCategory::Billing => {
            chart.charges.clear();
            chart.postings.clear();
            chart.balance = store::AccountBalance::default();
        }
    }
}

/// Reads chart `id` for `principal`: the sections their roles (or a live emergency
/// grant) allow, after the audit entry naming exactly those categories is written.
pub(crate) fn read_chart(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<AllowedChart, WebError> {
    let mut summary = state.store.read(|tx| tx.chart(id))?;
    let mut shown = Vec::new();
    let mut withheld = Vec::new();
    let mut emergency_until = None;
    let entry = state.trail.write(&state.store, |audited| {
        let now = audited.now();
        let grants = audited
            .security()
            .live_grants(&principal.username, PatientId(id))?;
        for category in DataCategory::ALL {
            let decision = state.config.emergency_set.narrow(
                decide(
                    &principal.username,
                    &principal.roles,
                    Access::Read,
                    *category,
                    PatientId(id),
                    &grants,
                    now,
                ),
                *category,
            );
            // A token narrows what the roles allow, emergency grants included.
            let scoped = principal
                .token
                .as_ref()
                .is_none_or(|t| t.scopes.contains(category.read_permission()));
            if matches!(decision, Decision::Allowed(_)) && scoped {
                shown.push(*category);
            } else {
                withheld.push(*category);
            }
        }
        let mut event = principal
            .event(now, Action::Read)
            .patient(PatientId(id))
            .record("patient", id)
            .categories(&shown);
        emergency_until = grants
            .iter()
            .filter(|g| g.covers(&principal.username, PatientId(id), now))
            .map(|g| g.expires_at)
            .max();
        if emergency_until.is_some() {
            event = event.reason("emergency access (break the glass)");
        }
        audited.append(&event)
    })?;
    for category in &withheld {
        withhold(&mut summary, *category);
    }
    // Every request of the chart in one query; each decided one goes with its record.
    let amendments = amendments_shown(state.store.amendments(PatientId(id))?, &shown);
    Ok(AllowedChart {
        summary,
        shown,
        withheld,
        emergency_until,
        audit_seq: entry.seq,
        amendments,
    })
}

/// `GET /api/patients/{id}`: the chart sections the user may read.
pub async fn chart(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id(&id)?;
    let body = state
        .blocking(move |state| {
            let chart = read_chart(state, &principal, id)?;
            let full = serde_json::to_value(&chart.summary).map_err(WebError::internal)?;
            let mut shown = Map::new();
            for category in &chart.shown {
                for key in sections(*category) {
                    if let Some(value) = full.get(*key) {
                        shown.insert((*key).to_owned(), value.clone());
                    }
                }
            }
            let withheld: Vec<&str> = chart.withheld.iter().map(|c| c.as_str()).collect();
            shown.insert("withheld".into(), json!(withheld));
            shown.insert("amendments".into(), json!(chart.amendments));
            shown.insert("audit_seq".into(), json!(chart.audit_seq));
            Ok(Value::Object(shown))
        })
        .await?;
    Ok(Json(body))
}

/// Patient search request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = PatientSearchBody)]
pub struct SearchBody {
    /// Name parts or an MRN.
    #[serde(default)]
    text: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    #[serde(default)]
    birth_date: Option<String>,
    /// Most results (1 to 100).
    #[serde(default)]
    limit: Option<i64>,
}

/// `POST /api/patients/search` `{text?, birth_date?, limit?}`: matching patients'
/// demographics, one audit entry per patient returned.
pub async fn search(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<SearchBody>,
) -> Result<Json<Value>, WebError> {
    let birth_date = match body.birth_date.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            store::Value::Text(text.to_owned())
                .as_date()
                .ok_or_else(|| {
                    WebError::bad(
                        "birth_date",
                        format!("\"{text}\" is not a date (YYYY-MM-DD)"),
                    )
                })?,
        ),
    };
    let text = body.text.filter(|t| !t.trim().is_empty());
    if text.is_none() && birth_date.is_none() {
        return Err(WebError::bad(
            "text",
            "give name parts or an MRN, and/or birth_date",
        ));
    }
    let limit = body.limit.unwrap_or(25);
    if !(1..=100).contains(&limit) {
        return Err(WebError::bad(
            "limit",
            format!("must be 1 to 100, not {limit}"),
        ));
    }
    let query = PatientQuery {
        text,
        birth_date,
        limit,
    };
    let found = search_audited(&state, principal, query).await?;
    Ok(Json(json!({ "patients": found })))
}

/// Patients matching `query` (typos tolerated); each one listed is an audited look at
/// their demographics.
pub(crate) async fn search_audited(
    state: &AppState,
    principal: Principal,
    query: PatientQuery,
) -> Result<Vec<store::Stored<Patient>>, WebError> {
    state
        .blocking(move |state| {
            let found = state.store.read(|tx| tx.search_patients_tolerant(&query))?;
            state.trail.write(&state.store, |audited| {
                for patient in &found {
                    let event = principal
                        .event(audited.now(), Action::Read)
                        .patient(PatientId(patient.meta.id))
                        .record("patient", patient.meta.id)
                        .categories(&[DataCategory::Demographics])
                        .reason("patient search");
                    audited.append(&event)?;
                }
                Ok(())
            })?;
            Ok(found)
        })
        .await
}

/// Audits a listing: one read of `categories` per patient listed, for `reason`, in one
/// transaction, before the list is shown.
pub(crate) fn audit_listed(
    state: &AppState,
    principal: &Principal,
    patients: &[i64],
    categories: &[DataCategory],
    reason: &str,
) -> Result<(), WebError> {
    state.trail.write(&state.store, |audited| {
        for patient in patients {
            let event = principal
                .event(audited.now(), Action::Read)
                .patient(PatientId(*patient))
                .record("patient", *patient)
                .categories(categories)
                .reason(reason);
            audited.append(&event)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Emergency-access request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BreakGlassBody {
    /// Why, in the user's words (at least 10 characters).
    #[schema(min_length = 10, pattern = r"\S")]
    reason: String,
    /// How long (default 60, at most 480 minutes).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 480)]
    minutes: Option<i64>,
}

/// `POST /api/patients/{id}/break-glass` `{reason, minutes?}`: time-limited read access
/// to one chart the user's roles do not cover; audited as `break-glass` and listed for
/// the privacy officer's review.
pub async fn break_glass(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<BreakGlassBody>,
) -> Result<(StatusCode, Json<Value>), WebError> {
    let id = parse_id(&id)?;
    let stored = grant_emergency_access(&state, principal, id, body.reason, body.minutes).await?;
    let at = |t: time::OffsetDateTime| t.format(&Rfc3339).ok();
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "grant": stored.id,
            "patient_id": id,
            "granted_at": at(stored.grant.granted_at),
            "expires_at": at(stored.grant.expires_at),
        })),
    ))
}

/// Grants `principal` time-limited read access to chart `id` for `reason`, audited as
/// `break-glass` and listed for the privacy officer's review.
pub(crate) async fn grant_emergency_access(
    state: &AppState,
    principal: Principal,
    id: i64,
    reason: String,
    minutes: Option<i64>,
) -> Result<store::StoredGrant, WebError> {
    let minutes = minutes.unwrap_or(privacy::BREAK_GLASS_DEFAULT_MINUTES);
    state
        .blocking(move |state| {
            state.store.read(|tx| tx.get::<Patient>(id))?;
            let now = state.store.clock().now();
            let refusal = state
                .config
                .emergency_staff
                .refusal(&principal.username, &principal.roles);
            // Who may break the glass is the facility's policy (403); what they send
            // (reason, minutes) is input (422).
            let forbidden = refusal.is_some();
            let grant = if let Some(refusal) = refusal {
                Err(refusal)
            } else {
                BreakGlassGrant::request(
                    &principal.username,
                    &principal.roles,
                    PatientId(id),
                    &reason,
                    now,
                    minutes,
                )
                .map_err(|e| e.to_string())
            };
            let grant = match grant {
                Ok(grant) => grant,
                Err(message) => {
                    // A refused request is audited too: the privacy officer reviews who
                    // tried to open a chart, not only who succeeded.
                    let event = principal
                        .event(now, Action::BreakGlass)
                        .outcome(Outcome::Denied)
                        .patient(PatientId(id))
                        .reason(&format!("emergency access refused: {message}"));
                    state.trail.record(&state.store, &event)?;
                    let field = if message.contains("minutes") {
                        "minutes"
                    } else {
                        "reason"
                    };
                    return Err(if forbidden {
                        WebError::Forbidden(message)
                    } else {
                        WebError::bad(field, message)
                    });
                }
            };
            Ok(state.trail.write(&state.store, |audited| {
                let stored = audited.security().create_grant(principal.user_id, &grant)?;
                let event = principal
                    .event(audited.now(), Action::BreakGlass)
                    .patient(PatientId(id))
                    .record("break_glass_grant", stored.id)
                    .reason(&grant.reason);
                audited.append(&event)?;
                Ok(stored)
            })?)
        })
        .await
}

/// A demographics correction: the version read and the fields to change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DemographicsBody {
    /// The version the user read (a stale version is refused: someone else changed it).
    version: i64,
    /// Field name to new value, as in the chart's `patient.record`.
    #[schema(schema_with = crate::api_schema::changes, required = true)]
    changes: Map<String, Value>,
}

/// `POST /api/patients/{id}/demographics` `{version, changes}`: corrects demographics;
/// the change and its audit entry (old and new values of the changed fields) commit
/// together, so the chart's history can be rebuilt from the audit trail.
pub async fn correct_demographics(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DemographicsBody>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id(&id)?;
    if body.changes.is_empty() {
        return Err(WebError::bad(
            "changes",
            "name at least one field to change",
        ));
    }
    state
        .blocking(move |state| correct(state, &principal, id, body.version, &body.changes))
        .await
        .map(|version| Json(json!({ "id": id, "version": version })))
}

/// Applies `changes` (field name to new value) to patient `id` at `version`; the change
/// and its audit entry (old and new values of the changed fields) commit together.
/// Returns the new version.
pub(crate) fn correct(
    state: &AppState,
    principal: &Principal,
    id: i64,
    version: i64,
    changes: &Map<String, Value>,
) -> Result<i64, WebError> {
    Ok(state.trail.write(&state.store, |audited| {
        let current = audited.records().get::<Patient>(id)?;
        let mut record = serde_json::to_value(&current.record)
            .map_err(|e| store::Error::Database(e.to_string()))?;
        let mut old = Map::new();
        for (field, value) in changes {
            let Some(slot) = record.get_mut(field) else {
                return Err(invalid(
                    &format!("changes.{field}"),
                    "is not a demographics field",
                ));
            };
            old.insert(field.clone(), slot.clone());
            *slot = value.clone();
        }
        let patient: Patient =
            serde_json::from_value(record).map_err(|e| invalid("changes", &e.to_string()))?;
        let actor = store::Actor::new(format!("user:{}", principal.username));
        let stored = audited.records().update(&actor, id, version, &patient)?;
        let event = principal
            .event(audited.now(), Action::Update)
            .patient(PatientId(id))
            .record("patient", id)
            .categories(&[DataCategory::Demographics])
            .changes(
                Some(Value::Object(old).to_string()),
                Some(Value::Object(changes.clone()).to_string()),
            );
        audited.append(&event)?;
        // The chart is matched again: a probable duplicate joins the /mpi queue, and an
        // identity change (another sex or birth date, another person) is flagged as a
        // possible overlay.
        let by = principal.event(audited.now(), Action::Create);
        let why = "demographics corrected";
        mpi::flag_duplicates(audited, id, &by, why)?;
        mpi::check_overlay(audited, id, Some(&current.record), &by, why)?;
        Ok(stored.meta.version)
    })?)
}

/// A validation failure on one field, as the store reports them.
fn invalid(path: &str, message: &str) -> store::Error {
    store::Error::Invalid {
        kind: "patient",
        errors: records::ValidationErrors(vec![records::FieldError {
            path: path.to_owned(),
            message: message.to_owned(),
        }]),
    }
}
