//! The stylesheet and script, embedded so the binary serves itself.

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
