//! Billing's start-page section: the claims and remittances waiting for someone. Denials
//! by reason, claims the scrubber holds, 835s received and not posted, and posted 835s
//! with payments that matched no claim, all from `claims::billing_work`. It names no
//! patient (reasons, counts and payers only), so it reads no chart; the queues it links
//! to audit what they list.

use super::super::text::{day, money};
use crate::auth::Principal;
use crate::error::WebError;
use crate::state::AppState;
use maud::{Markup, html};
use privacy::Permission;

/// Most held claims and remittances of each kind read for the section.
const LISTED: i64 = 20;

/// The "Claims and remittances to work" section for users who read billing; empty markup
/// for others.
pub(crate) async fn start_section(
    state: &AppState,
    principal: &Principal,
) -> Result<Markup, WebError> {
    if !principal.allows(Permission::ReadBilling) {
        return Ok(html! {});
    }
    let work = state
        .blocking(|state| Ok(state.store.read(|tx| claims::billing_work(tx, LISTED))?))
        .await?;
    Ok(html! {
        section #billing-work {
            h2 { "Claims and remittances to work" }
            @if work.is_empty() {
                p { "No denial, held claim or remittance is waiting." }
            }
            @if !work.denials.is_empty() {
                h3 { "Denials" }
                table.results {
                    thead { tr { th { "Reason" } th.num { "Claims" } th.num { "Billed" } } }
                    tbody { @for group in &work.denials { tr {
                        td { a href="/claims/denials" { (group.reason) }
                            @if !group.description.is_empty() { " — " (group.description) } }
                        td.num { (group.claims.len()) }
                        td.num { (money(group.cents)) }
                    } } }
                }
            }
            @if let Some(oldest) = work.held.first() {
                h3 { "Held by the scrubber" }
                p { a href="/claims?status=draft" { (work.held.len()) " claims" }
                    " with blocking edits open; the oldest date of service is "
                    (day(oldest.record.service_date)) "." }
            }
            @if !work.unposted.is_empty() {
                h3 { "Remittances not posted" }
                table.results {
                    thead { tr { th { "Trace" } th { "Payer" } th.num { "Payment" } th.num { "Claim payments" } th { "Received" } th { "File" } } }
                    tbody { @for r in &work.unposted { @let r = &r.record; tr {
                        td { (r.trace) } td { (r.payer_name) } td.num { (money(r.payment_cents)) }
                        td.num { (r.claim_payments) } td { (day(r.received_on)) } td { (r.file_name) }
                    } } }
                }
            }
            @if !work.unmatched.is_empty() {
                h3 { "Payments not matched to a claim" }
                table.results {
                    thead { tr { th { "Trace" } th { "Payer" } th { "Claim (CLP01)" } th.num { "Paid" } th { "Why" } th { "Posted" } } }
                    tbody { @for r in &work.unmatched { @let r = &r.record; @for u in &r.unmatched { tr {
                        td { (r.trace) } td { (r.payer_name) } td { (u.claim_id) }
                        td.num { (money(u.paid_cents)) } td { (u.reason) }
                        td { @if let Some(on) = r.posted_on { (day(on)) } }
                    } } } }
                }
            }
        }
    })
}
