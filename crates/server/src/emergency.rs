//! Emergency (break-the-glass) access after the fact: the privacy officer's review list
//! (every access still waiting, oldest first, with its age band, and those reviewed
//! lately) and marking one reviewed with a note, audited with the grant's old and new
//! review; the pages and the JSON API share these.
//!
//! Invariants:
//! - A grant is reviewed once, with a note; a second review is a conflict naming the first.
//! - Waiting grants are never left out for being old: the list of waiting ones has no
//!   window, only the reviewed ones do.

use crate::auth::Principal;
use crate::error::WebError;
use crate::state::AppState;
use privacy::Action;
use serde_json::{Value, json};
use store::StoredGrant;
use time::{Duration, OffsetDateTime};

/// The review list.
pub(crate) struct ReviewList {
    /// Not reviewed yet, oldest first.
    pub waiting: Vec<StoredGrant>,
    /// Reviewed, granted within the window, newest first.
    pub reviewed: Vec<StoredGrant>,
    /// The clock reading the ages are counted from.
    pub now: OffsetDateTime,
}

/// How long an access has waited for review, in the bands the report counts.
pub(crate) const AGE_BANDS: [&str; 4] = ["under 1 day", "1-7 days", "8-30 days", "over 30 days"];

/// The age band of an access granted at `granted_at`.
pub(crate) fn age_band(granted_at: OffsetDateTime, now: OffsetDateTime) -> &'static str {
    let age = now - granted_at;
    if age < Duration::days(1) {
        AGE_BANDS[0]
    } else if age <= Duration::days(7) {
        AGE_BANDS[1]
    } else if age <= Duration::days(30) {
        AGE_BANDS[2]
    } else {
        AGE_BANDS[3]
    }
}

impl ReviewList {
    /// Waiting accesses counted by age band, in band order.
    pub(crate) fn waiting_by_age(&self) -> Vec<(&'static str, usize)> {
        AGE_BANDS
            .iter()
            .map(|band| {
                let n = self
                    .waiting
                    .iter()
                    .filter(|g| age_band(g.grant.granted_at, self.now) == *band)
                    .count();
                (*band, n)
            })
            .collect()
    }
}

/// Every waiting access and those reviewed among the last `days` days' grants.
pub(crate) fn review_list(state: &AppState, days: i64) -> Result<ReviewList, WebError> {
    let now = state.store.clock().now();
    let (waiting, recent) = state.store.security(|s| {
        Ok((
            s.unreviewed_grants()?,
            s.grants_since(now - Duration::days(days))?,
        ))
    })?;
    let reviewed = recent.into_iter().filter(|g| g.review.is_some()).collect();
    Ok(ReviewList {
        waiting,
        reviewed,
        now,
    })
}

/// A grant as JSON (the API's rows; also the audit entry's old and new values).
pub(crate) fn grant_json(grant: &StoredGrant, now: OffsetDateTime) -> Value {
    let at = |t: OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    json!({
        "id": grant.id,
        "username": grant.grant.username,
        "patient_id": grant.grant.patient_id,
        "reason": grant.grant.reason,
        "granted_at": at(grant.grant.granted_at),
        "expires_at": at(grant.grant.expires_at),
        "age": age_band(grant.grant.granted_at, now),
        "reviewed_at": grant.review.as_ref().map(|r| at(r.reviewed_at)),
        "reviewed_by": grant.review.as_ref().map(|r| r.reviewed_by.clone()),
        "review_note": grant.review.as_ref().map(|r| r.note.clone()),
    })
}

/// Marks grant `id` reviewed by `principal` with `note`, with its audit entry (an update
/// of the grant naming its patient, the review as old and new values) in one transaction.
pub(crate) fn mark_reviewed(
    state: &AppState,
    principal: &Principal,
    id: i64,
    note: &str,
) -> Result<StoredGrant, WebError> {
    Ok(state.trail.write(&state.store, |audited| {
        let now = audited.now();
        let (before, after) = audited
            .security()
            .review_grant(id, &principal.username, note)?;
        let review = |g: &StoredGrant| {
            json!({
                "reviewed_at": g.review.as_ref().map(|r| r.reviewed_at.to_string()),
                "reviewed_by": g.review.as_ref().map(|r| r.reviewed_by.clone()),
                "review_note": g.review.as_ref().map(|r| r.note.clone()),
            })
            .to_string()
        };
        let event = principal
            .event(now, Action::Update)
            .patient(after.grant.patient_id)
            .record("break_glass_grant", id)
            .reason("emergency access reviewed")
            .changes(Some(review(&before)), Some(review(&after)));
        audited.append(&event)?;
        Ok(after)
    })?)
}
