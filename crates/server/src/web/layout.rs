//! The page frame every page shares, and the refusal page.

use crate::error::WebError;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

/// A whole page: title, navigation for the signed-in user, and `body`.
pub(crate) fn page(title: &str, nav: Option<&Nav>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Chartroom" }
                link rel="stylesheet" href="/static/chartroom.css";
                script src="/static/chartroom.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/" { "Chartroom" }
                    @if let Some(nav) = nav {
                        nav aria-label="Main" {
                            @for (href, label) in &nav.links {
                                a href=(href) { (label) }
                            }
                        }
                        form.signout method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(nav.csrf);
                            span.who { (nav.username) }
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main id="main" { h1 { (title) } (body) }
            }
        }
    }
}

/// What the navigation shows a signed-in user.
pub(crate) struct Nav {
    pub username: String,
    pub csrf: String,
    pub links: Vec<(&'static str, &'static str)>,
}

/// The HTML page for a refused or failed page request.
pub(crate) fn refusal_page(error: &WebError) -> Response {
    let (status, title) = match error {
        WebError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "Sign in first"),
        WebError::Forbidden(_) => (StatusCode::FORBIDDEN, "Not allowed"),
        WebError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
        WebError::Conflict(_) => (StatusCode::CONFLICT, "Changed meanwhile"),
        WebError::BadRequest { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "Cannot do that"),
        WebError::Internal { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "Something failed"),
    };
    let body = html! {
        p.error role="alert" { (error.to_string()) }
        p { a href="/" { "Back to the start page" } }
    };
    (status, Html(page(title, None, body).into_string())).into_response()
}
