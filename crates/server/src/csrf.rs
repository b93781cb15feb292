//! Cross-site request refusal for state-changing requests.
//!
//! The session cookie is `SameSite=Strict` and the API takes JSON bodies (a cross-site
//! form cannot send `application/json` without a CORS preflight, which is never granted);
//! this check adds the browser's own word: a POST whose `Sec-Fetch-Site` says it came
//! from another site, or whose `Origin` names another host, is refused before any
//! handler runs. Requests with neither header (programs, curl) pass: they carry no
//! ambient browser credentials to abuse.

use crate::error::WebError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use privacy::{Action, Channel, Outcome, RoleSet};

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

/// Refuses state-changing requests that a browser says came from elsewhere, and audits
/// the refusal (a forged request is an attack on whoever's browser sent it).
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if changes_state && let Some(why) = cross_site(request.headers()) {
        let refusal = format!("cross-site request refused: {why}");
        let (parts, _) = request.into_parts();
        if let Err(error) = audit_refusal(&state, &parts, &refusal).await {
            return error.into_response();
        }
        return WebError::Forbidden(refusal).into_response();
    }
    next.run(request).await
}

/// A denied entry naming the request, its source and, when its session is live, its user.
async fn audit_refusal(state: &AppState, parts: &Parts, refusal: &str) -> Result<(), WebError> {
    let path = parts.uri.path().to_owned();
    let mut origin = crate::auth::origin(parts);
    origin.web = !path.starts_with("/api/") && !crate::fhir_rest::is_fhir_path(&path);
    let action = match parts.method {
        Method::DELETE => Action::Delete,
        Method::PUT | Method::PATCH => Action::Update,
        _ => Action::Create,
    };
    let reason = format!("{refusal} ({} {path})", parts.method);
    let principal = crate::auth::authenticate(state, &parts.headers, origin.clone())
        .await
        .ok();
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            let mut event = match &principal {
                Some(principal) => principal.event(now, action),
                None => crate::auth::api_event(now, "unknown", &RoleSet::new(), &origin, action),
            };
            if crate::fhir_rest::is_fhir_path(&path) {
                event.channel = Channel::Fhir;
            }
            let event = event.outcome(Outcome::Denied).reason(&reason);
            Ok(state.trail.record(&state.store, &event).map(|_| ())?)
        })
        .await
}
