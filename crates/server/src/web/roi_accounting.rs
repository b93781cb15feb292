//! A patient's accounting of disclosures on the web (`/patients/{id}/disclosures`,
//! 45 CFR 164.528, ONC 170.315(d)(11)): the last six years' accountable disclosures,
//! newest first, with the count of those on file that 164.528(a)(1) leaves out; an audited
//! look through `disclosures::accounting`.

use super::forms::{PageResult, html};
use super::layout::{nav, page};
use super::text::day_at;
use crate::auth::Principal;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use maud::html;
use privacy::Action;
use records::{PatientId, RoiRequest};

/// `GET /patients/{id}/disclosures`: the accounting as the patient receives it.
pub(crate) async fn show(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let viewer = principal.clone();
    let account = state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let who = viewer.event(audited.now(), Action::Read);
                Ok(disclosures::accounting(audited, &who, PatientId(id))?)
            })?)
        })
        .await?;
    let zone = &state.config.time_zone;
    let nav = nav(&state, &principal);
    let body = html! {
        p { "Disclosures of " (account.patient_name) " (MRN " (account.mrn) ") since " (day_at(zone, account.since)) ", newest first (45 CFR 164.528)." }
        p { a href={ "/patients/" (id) "/consents" } { "Consents and restrictions" } }
        @if account.disclosures.is_empty() {
            p #no-disclosures { "No disclosures to account for." }
        } @else {
            table.results #accounting {
                thead { tr { th { "Date" } th { "Recipient" } th { "What" } th { "Purpose" } th { "Basis" } th { "Request" } } }
                tbody { @for d in &account.disclosures { @let r = &d.record; tr id={ "disclosure-" (d.meta.id) } {
                    td { (day_at(zone, r.disclosed_at)) }
                    td { (r.recipient) @if let Some(address) = &r.recipient_address { br; (address) } }
                    td { (r.description) }
                    td { (r.purpose) }
                    td { (r.legal_basis.label()) }
                    td { @if let Some(request) = r.request_id { a href={ "/roi/" (request) } { (RoiRequest::number(request)) } } @else { (r.channel) } }
                } } }
            }
        }
        p { (account.excluded) " other disclosure(s) on file are left out of the accounting (treatment, payment, operations, the patient's own copies, those made under an authorisation: 164.528(a)(1))." }
    };
    let title = format!("Accounting of disclosures: {}", account.patient_name);
    Ok(html(StatusCode::OK, page(&title, Some(&nav), body)))
}
