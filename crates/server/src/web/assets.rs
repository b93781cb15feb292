//! The stylesheet, script and icon, embedded so the binary serves itself.

use axum::http::header;
use axum::response::IntoResponse;

pub(crate) async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("assets/chartroom.css"),
    )
}

pub(crate) async fn js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("assets/chartroom.js"),
    )
}

/// The icon, as SVG (browsers ask `/favicon.ico` whatever the pages link).
pub(crate) async fn favicon() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "image/svg+xml")],
        include_str!("assets/favicon.svg"),
    )
}
