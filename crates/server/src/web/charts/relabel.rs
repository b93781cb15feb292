//! The desk's list of paper chart labels a patient-index merge left to print: each volume a
//! merge moved to the surviving chart (or its unmerge moved back) whose label still says
//! the old barcode, linked to its page, where the new label is printed. Shown only when
//! there is one; read through `archive::paper::RecordsDesk::to_relabel` (audited).

use super::volume_link;
use crate::auth::Principal;
use crate::charts_api::{desk_error, with_desk};
use crate::error::WebError;
use crate::state::AppState;
use archive::paper::place;
use maud::{Markup, html};

pub(super) async fn section(state: &AppState, principal: Principal) -> Result<Markup, WebError> {
    let waiting = with_desk(state, principal, |desk, _| {
        desk.to_relabel().map_err(desk_error)
    })
    .await?;
    if waiting.is_empty() {
        return Ok(html! {});
    }
    Ok(html! {
        section #relabel-section {
            h2 { "New labels to print after a merge (" (waiting.len()) ")" }
            table #relabel {
                thead { tr { th { "Label on it" } th { "New barcode" } th { "Patient" } th { "MRN" } th { "Where" } th { "Merge" } } }
                tbody {
                    @for r in &waiting {
                        tr {
                            td { (r.label) }
                            td { (volume_link(&r.view)) }
                            td { (r.view.name) }
                            td { (r.view.mrn) }
                            td { (place(&r.view.volume)) }
                            td { (r.merge_id) }
                        }
                    }
                }
            }
        }
    })
}
