//! Cross-site request refusal for state-changing requests.
//!
//! The session cookie is `SameSite=Strict` and the API takes JSON bodies (a cross-site
//! form cannot send `application/json` without a CORS preflight, which is never granted);
//! this check adds the browser's own word: a POST whose `Sec-Fetch-Site` says it came
//! from another site, or whose `Origin` names another host, is refused before any
//! handler runs. Requests with neither header (programs, curl) pass: they carry no
//! ambient browser credentials to abuse.

use crate::error::WebError;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

fn cross_site(headers: &HeaderMap) -> Option<String> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return Some(format!("Sec-Fetch-Site is {site}"));
    }
    let origin = text(header::ORIGIN.as_str())?;
    let host = text(header::HOST.as_str()).unwrap_or_default();
    let origin_host = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    (origin == "null" || !origin_host.eq_ignore_ascii_case(host))
        .then(|| format!("Origin {origin} is not this server ({host})"))
}

/// Refuses state-changing requests that a browser says came from elsewhere.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if changes_state && let Some(why) = cross_site(request.headers()) {
        return WebError::Forbidden(format!("cross-site request refused: {why}")).into_response();
    }
    next.run(request).await
}
