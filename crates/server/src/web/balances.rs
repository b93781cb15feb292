//! The billing office's start-page section: accounts that still owe, largest first, each
//! linked to its ledger (listing them is an audited look at each account).

use super::text::money;
use crate::auth::Principal;
use crate::error::WebError;
use crate::state::AppState;
use maud::{Markup, html};
use privacy::{DataCategory, Permission};
use records::Patient;

/// Most accounts listed on the start page.
const LISTED: i64 = 20;

/// The "Open balances" section for users who read billing; empty markup for others.
pub(crate) async fn start_section(
    state: &AppState,
    principal: &Principal,
) -> Result<Markup, WebError> {
    if !principal.allows(Permission::ReadBilling) {
        return Ok(html! {});
    }
    let viewer = principal.clone();
    let accounts = state
        .blocking(move |state| {
            let accounts = state.store.read(|tx| {
                tx.open_balances(LISTED)?
                    .into_iter()
                    .map(|(patient, balance)| Ok((tx.get::<Patient>(patient)?, balance)))
                    .collect::<store::Result<Vec<_>>>()
            })?;
            let listed: Vec<i64> = accounts.iter().map(|(p, _)| p.meta.id).collect();
            let categories = [DataCategory::Demographics, DataCategory::Billing];
            crate::patients::audit_listed(state, &viewer, &listed, &categories, "open balances")?;
            Ok(accounts)
        })
        .await?;
    Ok(html! {
        section #balances {
            h2 { "Open balances" }
            @if accounts.is_empty() {
                p { "No account owes anything." }
            } @else {
                table.results {
                    thead { tr { th { "Patient" } th { "MRN" } th.num { "Balance" } } }
                    tbody {
                        @for (patient, balance) in &accounts {
                            tr {
                                td { a href={ "/patients/" (patient.meta.id) "/ledger" } { (patient.record.display_name()) } }
                                td { (patient.record.mrn) }
                                td.num { (money(*balance)) }
                            }
                        }
                    }
                }
            }
        }
    })
}
