//! 835 remittances over JSON for billing (`/api/remittances`): the ones received, newest
//! first, and posting one (its payments and adjustments onto the claims, the claims to
//! the next payers drafted). The page (`web::claims::remittances`) calls the same cores.
//!
//! Invariants:
//! - A file posts whole or not at all: every transaction set in it is posted in one store
//!   transaction, and one that does not balance (or does not read) posts nothing.
//! - The posting's writes are sealed into the trail as the user's (one entry naming the
//!   file), as `chartroom claims post-835` seals them as the operator's.

use crate::auth::Principal;
use crate::error::WebError;
use crate::guard::{Access, Entry as Route, route};
use crate::state::AppState;
use axum::extract::State;
use axum::http::Method;
use axum::routing::{get, post};
use axum::{Extension, Json};
use privacy::{Action, DataCategory, Permission};
use records::RemittanceAdvice;
use serde::Deserialize;
use serde_json::{Value as JsonValue, json};
use store::{Sort, Stored};

/// Most remittances one listing shows.
pub(crate) const LISTED: i64 = 50;

/// Most reading problems a refusal names.
const NAMED_PROBLEMS: usize = 10;

/// What posting one transaction set (one check or transfer) of a file did.
#[derive(Debug, Clone)]
pub(crate) struct Posted {
    /// N102 of loop 1000A.
    pub payer: String,
    /// TRN02.
    pub trace: String,
    /// What the posting did.
    pub report: claims::PostReport,
}

impl Posted {
    fn json(&self) -> JsonValue {
        let r = &self.report;
        json!({
            "payer": self.payer,
            "trace": self.trace,
            "posted": r.posted,
            "already_posted": r.already_posted,
            "paid_cents": r.paid_cents,
            "adjusted_cents": r.adjusted_cents,
            "patient_responsibility_cents": r.patient_responsibility_cents,
            "adjudicated": r.adjudicated.iter().map(|(id, status)| json!({"claim": id, "status": status})).collect::<Vec<_>>(),
            "unmatched": r.unmatched.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "next_payer": r.next_payer.iter().map(|(decided, next)| next_payer_json(*decided, next)).collect::<Vec<_>>(),
        })
    }
}

fn next_payer_json(decided: i64, next: &claims::NextPayer) -> JsonValue {
    match next {
        claims::NextPayer::Drafted { claim_id, order } => {
            json!({"decided_claim": decided, "order": order, "drafted_claim": claim_id})
        }
        claims::NextPayer::NotBuilt { order, problems } => json!({
            "decided_claim": decided,
            "order": order,
            "not_built": problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }),
    }
}

/// The remittances received, newest first, audited as one read of billing naming no
/// patient (a remittance lists claim numbers and amounts, no one's name).
pub(crate) async fn received(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<Stored<RemittanceAdvice>>, WebError> {
    let viewer = principal.clone();
    state
        .blocking(move |state| {
            let listed = state
                .store
                .read(|tx| tx.search::<RemittanceAdvice>(&[], &[Sort("id", true)], LISTED, 0))?;
            let event = viewer
                .event(state.store.clock().now(), Action::Read)
                .categories(&[DataCategory::Billing])
                .reason("835 remittances listed");
            state.trail.record(&state.store, &event)?;
            Ok(listed)
        })
        .await
}

/// Reads and posts the 835 `text` (from `file_name`) as `principal`, today.
pub(crate) async fn post_835(
    state: &AppState,
    principal: &Principal,
    file_name: String,
    text: String,
) -> Result<Vec<Posted>, WebError> {
    let remittances = claims::read_remittances(&text).map_err(|problems| {
        let named: Vec<String> = problems
            .iter()
            .take(NAMED_PROBLEMS)
            .map(ToString::to_string)
            .collect();
        WebError::bad(
            "file",
            format!(
                "{file_name} was not posted: {}{}",
                named.join("; "),
                if problems.len() > NAMED_PROBLEMS {
                    format!(" (and {} more)", problems.len() - NAMED_PROBLEMS)
                } else {
                    String::new()
                }
            ),
        )
    })?;
    if remittances.is_empty() {
        return Err(WebError::bad(
            "file",
            format!("{file_name} holds no 835 transaction set"),
        ));
    }
    let poster = principal.clone();
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            let template = poster
                .event(now, Action::Update)
                .categories(&[DataCategory::Billing])
                .reason(&format!("835 posted from {file_name}"));
            let actor = store::Actor::new(format!("user:{}", poster.username));
            // This thread's writes, sealed as the user's for the length of the posting.
            state
                .store
                .audit_writes(Some((std::sync::Arc::clone(&state.trail), template)));
            let posted = state.store.write(|tx| {
                let mut posted = Vec::new();
                for remittance in &remittances {
                    match claims::post_received(tx, &actor, remittance, &file_name, now.date()) {
                        Ok((report, _)) => posted.push(Posted {
                            payer: remittance.payer_name.clone(),
                            trace: remittance.trace.clone(),
                            report,
                        }),
                        Err(claims::PostError::Store(e)) => return Err(e),
                        Err(unbalanced) => {
                            return Err(store::Error::Conflict(unbalanced.to_string()));
                        }
                    }
                }
                Ok(posted)
            });
            state.store.audit_writes(None);
            posted.map_err(|e| match e {
                store::Error::Conflict(why) => WebError::bad("file", format!("{file_name}: {why}")),
                other => other.into(),
            })
        })
        .await
}

/// An 835 as `/api/remittances` takes it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RemittanceBody {
    /// The file's name, kept with the remittance.
    file_name: String,
    /// The 835 interchange, as X12 text.
    x12: String,
}

async fn list_api(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<JsonValue>, WebError> {
    Ok(Json(
        json!({ "remittances": received(&state, &principal).await? }),
    ))
}

async fn post_api(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    crate::body::JsonBody(body): crate::body::JsonBody<RemittanceBody>,
) -> Result<Json<JsonValue>, WebError> {
    let name = body.file_name.trim();
    if name.is_empty() {
        return Err(WebError::bad("file_name", "is required"));
    }
    let posted = post_835(&state, &principal, name.to_owned(), body.x12).await?;
    Ok(Json(
        json!({ "posted": posted.iter().map(Posted::json).collect::<Vec<_>>() }),
    ))
}

/// The `/api/remittances` routes.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        route(
            Method::GET,
            "/api/remittances",
            Access::Needs(Permission::ReadBilling),
            false,
            "the 835 remittances received, newest first, with what matched no claim",
            get(list_api),
        ),
        route(
            Method::POST,
            "/api/remittances",
            Access::Needs(Permission::WriteBilling),
            false,
            "post an 835: payments and adjustments onto the claims (all or nothing), the next payers' claims drafted",
            post(post_api),
        )
        .takes::<RemittanceBody>(),
    ]
}
