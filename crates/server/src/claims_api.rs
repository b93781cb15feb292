//! Claims over JSON for billing (`/api/claims`): the claims with their status, one claim
//! with its scrub results, the denials queue by reason and A/R aging by payer. The pages
//! (`web::claims`) call the same cores, so both read and audit alike: a listing is a read
//! of each listed patient's billing; the aging report names no patient.

use crate::auth::Principal;
use crate::error::WebError;
use crate::guard::{Access, Entry as Route, route};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::routing::{get, post};
use axum::{Extension, Json};
use privacy::{Action, DataCategory, Permission};
use records::{Claim, ClaimStatus, Patient, Payer};
use serde::Deserialize;
use serde_json::{Value as JsonValue, json};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use store::{Stored, Tx, Value};

/// Most claims one listing shows.
pub(crate) const LISTED: i64 = 200;

/// A claim as billing reads it: with whose it is and the payer's name.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct ClaimRow {
    /// The claim.
    #[serde(flatten)]
    pub claim: Stored<Claim>,
    /// "Family, Given".
    pub patient_name: String,
    /// The patient's MRN.
    pub mrn: String,
    /// The payer's name.
    pub payer: String,
}

/// Names read once however many claims name them.
#[derive(Default)]
struct Names {
    patients: HashMap<i64, (String, String)>,
    payers: HashMap<i64, String>,
}

impl Names {
    fn row(&mut self, tx: &mut Tx<'_>, claim: Stored<Claim>) -> store::Result<ClaimRow> {
        let patient = claim.record.patient_id.0;
        let (patient_name, mrn) = match self.patients.entry(patient) {
            Entry::Occupied(known) => known.get().clone(),
            Entry::Vacant(slot) => {
                let record = tx.get::<Patient>(patient)?.record;
                slot.insert((record.display_name(), record.mrn.to_string()))
                    .clone()
            }
        };
        let payer = match self.payers.entry(claim.record.payer_id.0) {
            Entry::Occupied(known) => known.get().clone(),
            Entry::Vacant(slot) => {
                let name = tx.get::<Payer>(claim.record.payer_id.0)?.record.name;
                slot.insert(name).clone()
            }
        };
        Ok(ClaimRow {
            patient_name,
            mrn,
            payer,
            claim,
        })
    }

    fn rows(
        &mut self,
        tx: &mut Tx<'_>,
        claims: Vec<Stored<Claim>>,
    ) -> store::Result<Vec<ClaimRow>> {
        claims.into_iter().map(|c| self.row(tx, c)).collect()
    }
}

/// Audits a look at the billing of each patient in `rows`.
fn audit_rows(
    state: &AppState,
    principal: &Principal,
    rows: &[&ClaimRow],
    reason: &str,
) -> Result<(), WebError> {
    let mut patients: Vec<i64> = rows.iter().map(|r| r.claim.record.patient_id.0).collect();
    patients.sort_unstable();
    patients.dedup();
    crate::patients::audit_listed(
        state,
        principal,
        &patients,
        claims::CLAIM_CATEGORIES,
        reason,
    )
}

/// The status a `?status=` names, or a refusal naming the field.
pub(crate) fn parse_status(text: Option<&str>) -> Result<Option<ClaimStatus>, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty() && *t != "all") {
        None => Ok(None),
        Some(text) => ClaimStatus::parse(text).map(Some).ok_or_else(|| {
            let names: Vec<&str> = ClaimStatus::ALL.iter().map(|s| s.as_str()).collect();
            WebError::bad(
                "status",
                format!("{text:?} is not a claim status ({})", names.join(", ")),
            )
        }),
    }
}

/// The newest claims (of `status`), with counts by status; audited.
pub(crate) async fn list(
    state: &AppState,
    principal: &Principal,
    status: Option<ClaimStatus>,
) -> Result<(Vec<ClaimRow>, Vec<(ClaimStatus, i64)>), WebError> {
    let viewer = principal.clone();
    state
        .blocking(move |state| {
            let (rows, counts) = state.store.read(|tx| {
                let claims = match status {
                    Some(status) => tx.select::<Claim>(
                        "status = ?",
                        &[Value::from(status.as_str())],
                        "id DESC",
                        LISTED,
                    )?,
                    None => tx.select::<Claim>("1 = 1", &[], "id DESC", LISTED)?,
                };
                let rows = Names::default().rows(tx, claims)?;
                let mut counts = Vec::new();
                for status in ClaimStatus::ALL {
                    let n = tx.count::<Claim>(&[store::Filter::Compare(
                        "status",
                        store::Op::Eq,
                        Value::from(status.as_str()),
                    )])?;
                    if n > 0 {
                        counts.push((status, n));
                    }
                }
                Ok((rows, counts))
            })?;
            let listed: Vec<&ClaimRow> = rows.iter().collect();
            audit_rows(state, &viewer, &listed, "claims listed")?;
            Ok((rows, counts))
        })
        .await
}

/// One claim with its names; audited.
pub(crate) async fn one(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<ClaimRow, WebError> {
    let viewer = principal.clone();
    state
        .blocking(move |state| {
            let row = state.store.read(|tx| {
                let claim = tx.get::<Claim>(id)?;
                Names::default().row(tx, claim)
            })?;
            audit_rows(state, &viewer, &[&row], "claim shown")?;
            Ok(row)
        })
        .await
}

/// A denial reason with its claims.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct DenialRows {
    pub reason: String,
    pub description: String,
    pub cents: i64,
    pub claims: Vec<ClaimRow>,
}

/// The denials queue by reason; audited.
pub(crate) async fn denials(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<DenialRows>, WebError> {
    let viewer = principal.clone();
    state
        .blocking(move |state| {
            let groups = state.store.read(|tx| {
                let mut names = Names::default();
                claims::denials(tx)?
                    .into_iter()
                    .map(|g| {
                        Ok(DenialRows {
                            claims: names.rows(tx, g.claims)?,
                            reason: g.reason,
                            description: g.description,
                            cents: g.cents,
                        })
                    })
                    .collect::<store::Result<Vec<_>>>()
            })?;
            let listed: Vec<&ClaimRow> = groups.iter().flat_map(|g| g.claims.iter()).collect();
            audit_rows(state, &viewer, &listed, "denials queue")?;
            Ok(groups)
        })
        .await
}

/// A/R aging by payer today, audited as a read of billing naming no patient.
pub(crate) async fn aging(
    state: &AppState,
    principal: &Principal,
) -> Result<claims::Aging, WebError> {
    let viewer = principal.clone();
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            let report = state.store.read(|tx| claims::aging(tx, now.date()))?;
            let event = viewer
                .event(now, Action::Read)
                .categories(&[DataCategory::Billing])
                .reason("A/R aging by payer");
            state.trail.record(&state.store, &event)?;
            Ok(report)
        })
        .await
}

/// The categories a statement shows: who the patient is and their account.
const STATEMENT_CATEGORIES: &[DataCategory] = &[DataCategory::Demographics, DataCategory::Billing];

/// Most patients the aging by patient lists (the totals count every one).
pub(crate) const PATIENTS_LISTED: usize = 200;

/// A/R aging by patient today, the patients listed (most owed first) audited as reads of
/// their billing.
pub(crate) async fn patient_aging(
    state: &AppState,
    principal: &Principal,
) -> Result<claims::PatientAgingReport, WebError> {
    let viewer = principal.clone();
    state
        .blocking(move |state| {
            let today = state.store.clock().now().date();
            let mut report = state.store.read(|tx| claims::patient_aging(tx, today))?;
            report.patients.truncate(PATIENTS_LISTED);
            let listed: Vec<i64> = report.patients.iter().map(|p| p.patient_id).collect();
            crate::patients::audit_listed(
                state,
                &viewer,
                &listed,
                STATEMENT_CATEGORIES,
                "A/R aging by patient",
            )?;
            Ok(report)
        })
        .await
}

/// Patient `id`'s statement today (settled services of the last 90 days shown), audited
/// before it is returned: `Read` for the page and the JSON, `Export` for the PDF.
pub(crate) async fn statement(
    state: &AppState,
    principal: &Principal,
    id: i64,
    action: Action,
) -> Result<claims::Statement, WebError> {
    let viewer = principal.clone();
    state
        .blocking(move |state| {
            let today = state.store.clock().now().date();
            let from = claims::StatementFrom {
                name: state.config.facility_name.clone(),
                contact: None,
            };
            let since = today - time::Duration::days(90);
            let found = state
                .store
                .read(|tx| claims::statement(tx, id, today, since, &from))?
                .ok_or(store::Error::NotFound {
                    kind: "patient",
                    id,
                })?;
            state.trail.write(&state.store, |audited| {
                let event = viewer
                    .event(audited.now(), action)
                    .patient(records::PatientId(id))
                    .record("patient", id)
                    .categories(STATEMENT_CATEGORIES)
                    .reason("patient statement");
                audited.append(&event)?;
                Ok(())
            })?;
            Ok(found)
        })
        .await
}

/// Overrides blocking edit `key` of claim `id` with `reason`, with its audit entry.
pub(crate) async fn override_claim(
    state: &AppState,
    principal: &Principal,
    id: i64,
    key: String,
    reason: String,
) -> Result<Stored<Claim>, WebError> {
    let by = principal.username.clone();
    change_claim(state, principal, Action::Update, move |tx, actor, _| {
        let now = tx.now();
        let (before, after) =
            claims::override_edit(tx, actor, records::ClaimId(id), &key, &reason, &by, now)?;
        Ok((Some(before), after))
    })
    .await
}

/// Runs `change` on claim `id` as `principal` in one audited transaction: the claim as
/// read (none when `change` creates it) and as written, with its audit entry.
async fn change_claim(
    state: &AppState,
    principal: &Principal,
    action: Action,
    change: impl FnOnce(
        &mut Tx<'_>,
        &store::Actor,
        &AppState,
    ) -> store::Result<(Option<Stored<Claim>>, Stored<Claim>)>
    + Send
    + 'static,
) -> Result<Stored<Claim>, WebError> {
    let principal = principal.clone();
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            let who = principal.event(now, action);
            let actor = store::Actor::new(format!("user:{}", principal.username));
            Ok(state.trail.write(&state.store, |audited| {
                let (before, after) = {
                    let mut tx = audited.records();
                    change(&mut tx, &actor, state)?
                };
                claims::audit_claim_change(audited, &who, before.as_ref(), &after)?;
                Ok(after)
            })?)
        })
        .await
}

/// Scrubs claim `id` again (after the chart was fixed or an edit overridden), today.
pub(crate) async fn scrub_claim(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<Stored<Claim>, WebError> {
    change_claim(state, principal, Action::Update, move |tx, actor, state| {
        let before = tx.get::<Claim>(id)?;
        let settings = claims::ScrubSettings::default();
        let scrubber = claims::Scrubber {
            codes: &state.codes,
            settings: &settings,
            today: tx.now().date(),
        };
        let after = claims::scrub_claim(tx, actor, &scrubber, id)?;
        Ok((Some(before), after))
    })
    .await
}

/// Drafts the replacement (frequency 7) or void (8) of claim `id`, which the payer has.
pub(crate) async fn replace_claim(
    state: &AppState,
    principal: &Principal,
    id: i64,
    frequency: records::ClaimFrequency,
) -> Result<Stored<Claim>, WebError> {
    change_claim(state, principal, Action::Create, move |tx, actor, _| {
        let drafted = claims::draft_replacement(tx, actor, records::ClaimId(id), frequency)?;
        Ok((None, drafted))
    })
    .await
}

/// `replacement` (frequency 7) or `void` (frequency 8), as the forms and the API name them.
pub(crate) fn parse_frequency(text: &str) -> Result<records::ClaimFrequency, WebError> {
    match text.trim() {
        "replacement" | "7" => Ok(records::ClaimFrequency::Replacement),
        "void" | "8" => Ok(records::ClaimFrequency::Void),
        other => Err(WebError::bad(
            "frequency",
            format!("{other:?} is neither `replacement` (7) nor `void` (8)"),
        )),
    }
}

/// A replacement as `/api/claims/{id}/replacement` takes it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReplacementBody {
    /// `replacement` (frequency 7: the corrected claim) or `void` (frequency 8).
    frequency: String,
}

async fn scrub_api(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<JsonValue>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    let claim = scrub_claim(&state, &principal, id).await?;
    Ok(Json(json!({ "claim": claim })))
}

async fn replacement_api(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    crate::body::JsonBody(body): crate::body::JsonBody<ReplacementBody>,
) -> Result<Json<JsonValue>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    let frequency = parse_frequency(&body.frequency)?;
    let claim = replace_claim(&state, &principal, id, frequency).await?;
    Ok(Json(json!({ "claim": claim })))
}

/// Claims to send, as `/api/claims/submit` takes them.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SubmitBody {
    /// The claims to send (ids); every scrubbed claim when absent.
    #[serde(default)]
    claims: Option<Vec<i64>>,
}

/// Sends `ids` (every scrubbed claim when `None`) to the claim outbox in one audited
/// transaction: the 837 files written, each claim sent audited as it was and as it is.
pub(crate) async fn send_claims(
    state: &AppState,
    principal: &Principal,
    ids: Option<Vec<i64>>,
) -> Result<claims::Sent, WebError> {
    let Some(outbox) = state.config.claim_outbox.clone() else {
        return Err(WebError::Conflict(
            "claims are not sent from here: serve was started without the billing office's X12 identity (serve --receiver-id and --tax-id, or CHARTROOM_X12_RECEIVER_ID and CHARTROOM_X12_TAX_ID); `chartroom claims submit --out DIR` sends them".into(),
        ));
    };
    let principal = principal.clone();
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            let at = time::PrimitiveDateTime::new(now.date(), now.time());
            let who = principal.event(now, Action::Update);
            let actor = store::Actor::new(format!("user:{}", principal.username));
            Ok(state.trail.write(&state.store, |audited| {
                let mut tx = audited.records();
                let ids: Vec<records::ClaimId> = match &ids {
                    Some(ids) => ids.iter().copied().map(records::ClaimId).collect(),
                    None => tx
                        .select::<Claim>(
                            "status = ?",
                            &[Value::from(ClaimStatus::Scrubbed.as_str())],
                            "id",
                            i64::MAX,
                        )?
                        .into_iter()
                        .map(|c| records::ClaimId(c.meta.id))
                        .collect(),
                };
                let sent = claims::send_to_dir(
                    &mut tx,
                    &actor,
                    &ids,
                    &outbox.submitter,
                    at,
                    outbox.delimiters,
                    &outbox.dir,
                )?;
                drop(tx);
                for (before, after) in &sent.changes {
                    claims::audit_claim_change(audited, &who, before.as_ref(), after)?;
                }
                Ok(sent)
            })?)
        })
        .await
}

/// What a submission did, as the API answers it: each file by name (the directory is the
/// server's), the claims sent and those held with why.
pub(crate) fn sent_json(sent: &claims::Sent) -> JsonValue {
    json!({
        "files": sent.files.iter().map(|f| json!({
            "file": f.path.file_name().and_then(|n| n.to_str()).unwrap_or_default(),
            "transaction": f.kind.transaction(),
            "claims": f.claims,
            "total": x12::format_cents(f.total_cents),
        })).collect::<Vec<_>>(),
        "sent": sent.changes.iter().map(|(_, after)| after.meta.id).collect::<Vec<_>>(),
        "held": sent.held.iter().map(|(id, reason)| json!({ "claim": id.0, "reason": reason })).collect::<Vec<_>>(),
    })
}

async fn submit_api(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    crate::body::JsonBody(body): crate::body::JsonBody<SubmitBody>,
) -> Result<Json<JsonValue>, WebError> {
    let sent = send_claims(&state, &principal, body.claims).await?;
    Ok(Json(sent_json(&sent)))
}

/// An override as `/api/claims/{id}/override` takes it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OverrideBody {
    /// The edit's key (`rule @ field`), as the claim lists it.
    edit: String,
    /// Why the claim may go as it is.
    reason: String,
}

async fn override_api(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    crate::body::JsonBody(body): crate::body::JsonBody<OverrideBody>,
) -> Result<Json<JsonValue>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    let claim = override_claim(&state, &principal, id, body.edit, body.reason).await?;
    Ok(Json(json!({ "claim": claim })))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListParams {
    #[serde(default)]
    pub status: Option<String>,
}

async fn list_api(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<ListParams>,
) -> Result<Json<JsonValue>, WebError> {
    let status = parse_status(params.status.as_deref())?;
    let (rows, counts) = list(&state, &principal, status).await?;
    let counts: serde_json::Map<String, JsonValue> = counts
        .into_iter()
        .map(|(s, n)| (s.as_str().to_owned(), json!(n)))
        .collect();
    Ok(Json(json!({ "claims": rows, "counts": counts })))
}

async fn one_api(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<JsonValue>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    Ok(Json(json!({ "claim": one(&state, &principal, id).await? })))
}

async fn denials_api(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<JsonValue>, WebError> {
    Ok(Json(
        json!({ "denials": denials(&state, &principal).await? }),
    ))
}

async fn aging_api(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<JsonValue>, WebError> {
    let report = aging(&state, &principal).await?;
    Ok(Json(
        json!({ "buckets": claims::AGING_BUCKETS, "aging": report }),
    ))
}

async fn patient_aging_api(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<JsonValue>, WebError> {
    let report = patient_aging(&state, &principal).await?;
    Ok(Json(
        json!({ "buckets": claims::AGING_BUCKETS, "aging": report }),
    ))
}

async fn statement_api(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<JsonValue>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    let found = statement(&state, &principal, id, Action::Read).await?;
    Ok(Json(json!({ "statement": found })))
}

/// The `/api/claims` routes.
pub(crate) fn routes() -> Vec<Route> {
    let billing = Access::Needs(Permission::ReadBilling);
    vec![
        route(
            Method::GET,
            "/api/claims",
            billing,
            true,
            "claims, newest first, with counts by status (?status=)",
            get(list_api),
        ),
        route(
            Method::GET,
            "/api/claims/denials",
            billing,
            true,
            "the denials queue: denied, partly paid and rejected claims by reason",
            get(denials_api),
        ),
        route(
            Method::GET,
            "/api/claims/aging",
            billing,
            false,
            "A/R aging by payer (0-30 ... 120+ days) and days in A/R",
            get(aging_api),
        ),
        route(
            Method::GET,
            "/api/claims/aging/patients",
            billing,
            true,
            "A/R aging by patient: what each patient owes by age (0-30 ... 120+ days), most first",
            get(patient_aging_api),
        ),
        route(
            Method::GET,
            "/api/patients/{id}/statement",
            billing,
            true,
            "a patient's statement: services with insurance payments, adjustments and the amount due",
            get(statement_api),
        ),
        route(
            Method::POST,
            "/api/claims/{id}/override",
            Access::Needs(Permission::WriteBilling),
            false,
            "override a blocking scrub edit of a claim not yet sent, with the reason",
            post(override_api),
        )
        .takes::<OverrideBody>(),
        route(
            Method::POST,
            "/api/claims/submit",
            Access::Needs(Permission::WriteBilling),
            false,
            "send scrubbed claims (the ids given, or every scrubbed claim) as 837 files to the claim outbox; held claims with why",
            post(submit_api),
        )
        .takes::<SubmitBody>(),
        route(
            Method::POST,
            "/api/claims/{id}/scrub",
            Access::Needs(Permission::WriteBilling),
            false,
            "scrub a claim not yet sent again, today (after the chart was fixed)",
            post(scrub_api),
        ),
        route(
            Method::POST,
            "/api/claims/{id}/replacement",
            Access::Needs(Permission::WriteBilling),
            false,
            "draft the replacement (frequency 7) or void (8) of a claim the payer has",
            post(replacement_api),
        )
        .takes::<ReplacementBody>(),
        route(
            Method::GET,
            "/api/claims/{id}",
            billing,
            true,
            "one claim with its scrub results, overrides and the payer's decision",
            get(one_api),
        ),
    ]
}
