//! Removing a coded diagnosis or procedure with a reason: a soft delete (`Tx::delete`),
//! so the record stays readable by id and its history and the reason show in the chart's
//! change history; audited as a delete in the same transaction.

use super::forms::{PageForm, PageResult, check_token, version_of};
use crate::auth::Principal;
use crate::error::WebError;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::{Action, DataCategory};
use records::{Diagnosis, Procedure};
use serde::Deserialize;

/// The Remove control on a chart row: asks for the reason before anything is removed.
pub(crate) fn remove_form(token: &str, path: &str, id: i64, version: i64) -> Markup {
    html! {
        details.remove {
            summary { "Remove" }
            form.inline method="post" action={ "/" (path) "/" (id) "/remove" } {
                input type="hidden" name="token" value=(token);
                input type="hidden" name="version" value=(version);
                label for={ "reason-" (path) "-" (id) } { "Reason" }
                input id={ "reason-" (path) "-" (id) } name="reason" required placeholder="e.g. coded on the wrong encounter";
                button type="submit" { "Remove" }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct RemoveForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    reason: String,
}

/// A record kind a chart row can remove, with the category it belongs to.
trait Removable: store::Table {
    const CATEGORY: DataCategory;
    fn patient(&self) -> i64;
}

impl Removable for Diagnosis {
    const CATEGORY: DataCategory = DataCategory::Diagnoses;
    fn patient(&self) -> i64 {
        self.patient_id.0
    }
}

impl Removable for Procedure {
    const CATEGORY: DataCategory = DataCategory::Procedures;
    fn patient(&self) -> i64 {
        self.patient_id.0
    }
}

async fn remove<R: Removable + Send + 'static>(
    state: AppState,
    principal: Principal,
    id: &str,
    form: RemoveForm,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(id)?;
    let version = version_of(&form.version)?;
    let reason = form.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(WebError::bad(
            "reason",
            "say why it is removed; the reason is kept with its history",
        )
        .into());
    }
    let patient = state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let mut records = audited.records();
                let patient = records.get::<R>(id)?.record.patient();
                let actor = store::Actor::new(format!("user:{}", principal.username));
                records.delete::<R>(&actor, id, version, &reason)?;
                let event = principal
                    .event(audited.now(), Action::Delete)
                    .patient(records::PatientId(patient))
                    .record(R::KIND, id)
                    .categories(&[R::CATEGORY])
                    .reason(&reason);
                audited.append(&event)?;
                Ok(patient)
            })?)
        })
        .await?;
    Ok(Redirect::to(&format!("/patients/{patient}#history")).into_response())
}

/// `POST /diagnoses/{id}/remove`.
pub(crate) async fn remove_diagnosis(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<RemoveForm>,
) -> PageResult {
    remove::<Diagnosis>(state, principal, &id, form).await
}

/// `POST /procedures/{id}/remove`.
pub(crate) async fn remove_procedure(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<RemoveForm>,
) -> PageResult {
    remove::<Procedure>(state, principal, &id, form).await
}
