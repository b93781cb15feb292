//! The audit report over the API: entries by patient, user, date range and action, and
//! whole-chain verification, for holders of `read-audit`.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use privacy::{Action, Channel, DataCategory, Outcome};
use records::PatientId;
use serde::Deserialize;
use serde_json::{Value, json};
use store::AuditFilter;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Which entries (every field optional; filters travel in the body, not the URL).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct AuditQuery {
    #[serde(default)]
    patient_id: Option<i64>,
    #[serde(default)]
    user: Option<String>,
    /// RFC 3339 instant, inclusive.
    #[serde(default)]
    #[schema(schema_with = crate::api_schema::instant)]
    since: Option<String>,
    /// RFC 3339 instant, exclusive.
    #[serde(default)]
    #[schema(schema_with = crate::api_schema::instant)]
    until: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api_schema::audit_action)]
    action: Option<String>,
    /// web, api, fhir, cli, job, hl7...
    #[serde(default)]
    #[schema(schema_with = crate::api_schema::audit_channel)]
    channel: Option<String>,
    /// success, denied or failure.
    #[serde(default)]
    #[schema(schema_with = crate::api_schema::audit_outcome)]
    outcome: Option<String>,
    /// At most the newest N (default 500, at most 10000).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10000)]
    limit: Option<i64>,
}

fn instant(field: &str, text: Option<&str>) -> Result<Option<OffsetDateTime>, WebError> {
    text.map(|t| {
        OffsetDateTime::parse(t, &Rfc3339)
            .map_err(|_| WebError::bad(field, format!("\"{t}\" is not an RFC 3339 instant")))
    })
    .transpose()
}

/// `POST /api/audit/search`: matching entries, oldest first.
pub async fn search(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(query): JsonBody<AuditQuery>,
) -> Result<Json<Value>, WebError> {
    let action = query
        .action
        .as_deref()
        .map(|a| {
            Action::parse(a)
                .ok_or_else(|| WebError::bad("action", format!("\"{a}\" is not an audited action")))
        })
        .transpose()?;
    let channel = query
        .channel
        .as_deref()
        .map(|c| {
            Channel::parse(c)
                .ok_or_else(|| WebError::bad("channel", format!("\"{c}\" is not a channel")))
        })
        .transpose()?;
    let outcome = query
        .outcome
        .as_deref()
        .map(|o| {
            Outcome::parse(o).ok_or_else(|| {
                WebError::bad(
                    "outcome",
                    format!("\"{o}\" is not success, denied or failure"),
                )
            })
        })
        .transpose()?;
    let limit = query.limit.unwrap_or(500);
    if !(1..=10_000).contains(&limit) {
        return Err(WebError::bad(
            "limit",
            format!("must be 1 to 10000, not {limit}"),
        ));
    }
    let filter = AuditFilter {
        patient_id: query.patient_id.map(PatientId),
        user: query.user,
        since: instant("since", query.since.as_deref())?,
        until: instant("until", query.until.as_deref())?,
        action,
        channel,
        outcome,
        limit: Some(limit),
    };
    state
        .blocking(move |state| {
            // A patient's report reads only the writes to that chart (a bulk entry listing
            // the patient seals thousands to other charts: other patients' record ids, not
            // the minimum necessary, and megabytes to read).
            let listed: Vec<(privacy::AuditEntry, (Value, Value))> = match filter.patient_id {
                Some(patient) => state
                    .store
                    .audit_entries_of_patient(patient, &filter)?
                    .into_iter()
                    .map(|(entry, writes)| {
                        let shown = writes.map_or((Value::Null, Value::Null), |w| {
                            (json!(w.notes), json!(w.total))
                        });
                        (entry, shown)
                    })
                    .collect(),
                None => state
                    .store
                    .audit_entries(&filter)?
                    .into_iter()
                    .map(|entry| {
                        let shown = all_writes(entry.event.writes.as_deref());
                        (entry, shown)
                    })
                    .collect(),
            };
            record_report_view(state, &principal, &filter, listed.len())?;
            let rows: Vec<Value> = listed
                .into_iter()
                .map(|(entry, (writes, writes_total))| {
                    let e = &entry.event;
                    json!({
                        "seq": entry.seq,
                        "at": e.at.format(&Rfc3339).ok(),
                        "user": e.user,
                        "roles": e.roles.to_list(),
                        "action": e.action.as_str(),
                        "outcome": e.outcome.as_str(),
                        "channel": e.channel.as_str(),
                        "patient_id": e.patient_id,
                        "record_kind": e.record_kind,
                        "record_id": e.record_id,
                        "categories": DataCategory::to_list(&e.categories),
                        "source": e.source,
                        "client": e.client,
                        "reason": e.reason,
                        "old_values": e.old_values,
                        "new_values": e.new_values,
                        "writes": writes,
                        "writes_total": writes_total,
                    })
                })
                .collect();
            Ok(Json(json!({ "entries": rows })))
        })
        .await
}

/// An entry's writes as the unfiltered report shows them (all of them), and how many.
fn all_writes(writes: Option<&str>) -> (Value, Value) {
    match writes.map(serde_json::from_str::<Value>) {
        Some(Ok(Value::Array(all))) => {
            let total = all.len();
            (Value::Array(all), json!(total))
        }
        Some(Ok(other)) => (other, Value::Null),
        _ => (Value::Null, Value::Null),
    }
}

/// `POST /api/audit/verify`: checks the whole chain and the head; the check is audited.
pub async fn verify(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
) -> Result<Json<Value>, WebError> {
    Ok(Json(match verify_audited(&state, principal).await? {
        Ok(v) => json!({ "ok": true, "entries": v.entries, "head": v.head.seq }),
        Err(tamper) => json!({ "ok": false, "problem": tamper.to_string() }),
    }))
}

/// Verifies the chain and records the check (a failure too) as `principal`'s.
pub(crate) async fn verify_audited(
    state: &AppState,
    principal: Principal,
) -> Result<Result<privacy::Verified, privacy::Tamper>, WebError> {
    state
        .blocking(move |state| {
            let by = principal.event(state.store.clock().now(), Action::Verify);
            Ok(state.trail.verify_and_record(&state.store, by)?)
        })
        .await
}

/// Records that `principal` viewed (or exported) the audit report, with the filters
/// used and how many entries it showed: who watched the watchers.
pub(crate) fn record_report_view(
    state: &AppState,
    principal: &Principal,
    filter: &AuditFilter,
    shown: usize,
) -> store::Result<()> {
    let filters = filter.describe();
    let mut event = principal
        .event(state.store.clock().now(), Action::Read)
        .reason(&format!("audit report viewed ({filters}; {shown} entries)"));
    event.record_kind = Some("audit_log".into());
    state.trail.record(&state.store, &event).map(|_| ())
}
