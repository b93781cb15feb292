//! The page frame every page shares, the navigation, and the refusal page.

use crate::auth::Principal;
use crate::error::WebError;
use crate::state::AppState;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use privacy::Permission;

/// What the frame shows a signed-in user.
pub(crate) struct Nav {
    /// The facility's clock, for the times the page shows.
    pub(crate) zone: crate::zone::FacilityZone,
    /// Seconds without a request before the session ends, for the page's warning.
    idle_seconds: i64,
    username: String,
    token: String,
    links: Vec<(&'static str, &'static str)>,
}

/// The navigation for `principal`: only the places their roles open.
pub(crate) fn nav(state: &AppState, principal: &Principal) -> Nav {
    let mut links = Vec::new();
    // Until the second factor is passed, nothing but signing out is open.
    let passed = principal.mfa == crate::auth::MfaState::Passed;
    let mut offer = |permission: Option<Permission>, href, label| {
        if passed && permission.is_none_or(|p| principal.allows(p)) {
            links.push((href, label));
        }
    };
    offer(Some(Permission::ReadDemographics), "/patients", "Patients");
    offer(Some(Permission::ReviewChart), "/review", "Review");
    offer(Some(Permission::SignNotes), "/review/queries", "My queries");
    offer(Some(Permission::ManagePatientIndex), "/mpi", "Duplicates");
    offer(
        Some(Permission::ManageRecordsLifecycle),
        "/charts",
        "Paper charts",
    );
    offer(
        Some(Permission::ReviewChart),
        "/documents/queue",
        "Documents",
    );
    offer(Some(Permission::ReadNotes), "/dictations", "Dictations");
    offer(Some(Permission::ReadBilling), "/claims", "Claims");
    offer(Some(Permission::ManageUsers), "/admin/users", "Users");
    offer(Some(Permission::ReadAudit), "/audit", "Audit");
    offer(
        Some(Permission::ReviewBreakGlass),
        "/break-glass",
        "Emergency access",
    );
    offer(Some(Permission::ReadAggregates), "/queries", "Queries");
    offer(
        Some(Permission::ReadAggregates),
        "/surveillance",
        "Surveillance",
    );
    offer(Some(Permission::ReportCases), "/cases", "Cases");
    offer(None, "/codes", "Codes");
    offer(None, "/mfa/enroll", "Authenticator");
    Nav {
        zone: state.config.time_zone.clone(),
        idle_seconds: state.config.idle_timeout.whole_seconds(),
        username: principal.username.clone(),
        token: super::forms::token(state, principal),
        links,
    }
}

/// A whole page: title, navigation for the signed-in user, and `body`.
pub(crate) fn page(title: &str, nav: Option<&Nav>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Chartroom" }
                link rel="icon" href="/favicon.ico" type="image/svg+xml";
                link rel="stylesheet" href="/static/chartroom.css";
                script src="/static/chartroom.js" defer {}
            }
            body data-idle-seconds=[nav.map(|nav| nav.idle_seconds)] {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { "Chartroom" }
                    @if let Some(nav) = nav {
                        nav aria-label="Main" {
                            @for (href, label) in &nav.links {
                                a href=(href) { (label) }
                            }
                        }
                        form.signout method="post" action="/logout" {
                            input type="hidden" name="token" value=(nav.token);
                            span.who { "Signed in as " strong { (nav.username) } }
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main id="main" tabindex="-1" { h1 { (title) } (body) }
            }
        }
    }
}

/// The token field every state-changing form carries.
pub(crate) fn token_field(nav: &Nav) -> Markup {
    html! { input type="hidden" name="token" value=(nav.token); }
}

/// The HTML page for a refused or failed page request.
pub(crate) fn refusal_page(error: &WebError) -> Response {
    let (status, _) = error.status_and_issue_type();
    let title = match error {
        WebError::Unauthorized(_) => "Sign in first",
        WebError::Forbidden(_) => "Not allowed",
        WebError::NotFound(_) => "Not found",
        WebError::Conflict(_) => "Changed meanwhile",
        WebError::BadRequest { .. } => "Cannot do that",
        WebError::Unavailable(_) => "Not stored: try again later",
        WebError::Internal { .. } => "Something failed",
    };
    let body = html! {
        p.error role="alert" { (error.to_string()) }
        p { a href="/" { "Back to the start page" } }
    };
    crate::error::with_retry_after(
        (status, Html(page(title, None, body).into_string())).into_response(),
    )
}

/// The page for a URL no route serves.
pub(crate) fn not_found_page(path: &str) -> Response {
    refusal_page(&WebError::NotFound(format!(
        "there is no page at {path}; check the address, or start again from the start page"
    )))
}

/// Field messages under a form: each problem next to the field it names.
pub(crate) fn field_error(errors: &[(String, String)], field: &str) -> Markup {
    html! {
        @for (name, message) in errors {
            @if name == field {
                span.field-error id={ "error-" (field) } { (message) }
            }
        }
    }
}
