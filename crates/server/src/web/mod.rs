//! The server-rendered web application: HTML pages over the same store, permissions and
//! audit trail as the JSON API, with no front-end build step.

use crate::error::WebError;
use crate::routes::Entry;
use axum::response::Response;

mod layout;

pub(crate) use layout::refusal_page;

/// The page routes.
pub(crate) fn routes() -> Vec<Entry> {
    Vec::new()
}

#[allow(dead_code)]
fn _unused(_: WebError) -> Option<Response> {
    None
}
