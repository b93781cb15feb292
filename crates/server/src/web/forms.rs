//! What every page handler shares: the refusal type that renders as HTML, form bodies
//! whose problems come back as a page naming the field, and the per-session form token.

use crate::auth::Principal;
use crate::error::WebError;
use crate::state::AppState;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::Markup;
use serde::de::DeserializeOwned;

/// A page request that failed: rendered as an HTML page with the reason.
#[derive(Debug)]
pub(crate) struct Refusal(pub WebError);

impl<E: Into<WebError>> From<E> for Refusal {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        super::layout::refusal_page(&self.0)
    }
}

/// What page handlers return.
pub(crate) type PageResult = Result<Response, Refusal>;

/// A rendered page with `status`.
pub(crate) fn html(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// A URL-encoded form body of type `T`; a malformed one is a 422 page naming the field.
#[derive(Debug)]
pub(crate) struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(rejection) => Err(Refusal(WebError::bad("form", rejection.body_text()))),
        }
    }
}

/// The form token of `principal`'s session: a keyed hash of the session, so it cannot be
/// guessed from outside and dies with the session.
pub(crate) fn token(state: &AppState, principal: &Principal) -> String {
    let session = principal.session_hash.as_deref().unwrap_or("no-session");
    privacy::secret_hash(&format!("form:{}:{session}", state.form_key))
}

/// Refuses a form whose token is not this session's.
pub(crate) fn check_token(
    state: &AppState,
    principal: &Principal,
    sent: &str,
) -> Result<(), Refusal> {
    let expected = token(state, principal);
    let same = expected.len() == sent.len()
        && expected
            .bytes()
            .zip(sent.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if principal.session_hash.is_none() || !same {
        return Err(Refusal(WebError::Forbidden(
            "the form is out of date or came from elsewhere; reload the page and try again".into(),
        )));
    }
    Ok(())
}

/// The record id a form redirected with as `?name=ID` (the notice after a change).
pub(crate) fn id_in_query(query: Option<&str>, name: &str) -> Option<i64> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))?
        .parse()
        .ok()
}

/// The record version a form carries (read when the form was shown), so a change made
/// meanwhile is refused instead of overwritten.
pub(crate) fn version_of(text: &str) -> Result<i64, Refusal> {
    text.trim().parse::<i64>().map_err(|_| {
        Refusal(WebError::bad(
            "version",
            "the form lost the version it was read at",
        ))
    })
}

/// A multipart form's file (field `file`) and its other fields as text (blank ones left
/// out; a repeated name keeps the last).
#[derive(Debug, Default)]
pub(crate) struct MultipartForm {
    pub(crate) file: Vec<u8>,
    pub(crate) file_name: Option<String>,
    pub(crate) fields: std::collections::HashMap<String, String>,
}

impl MultipartForm {
    /// The field's text, if it was given and not blank.
    pub(crate) fn take(&mut self, name: &str) -> Option<String> {
        self.fields.remove(name)
    }
}

/// Reads a multipart upload; a body that is no multipart form at all (a wrong or missing
/// boundary), or one cut short or too large, is refused naming the `file` field (with
/// `hint` after the reason), like any other bad upload, not with axum's plain-text
/// rejection. A form without a file is refused with `missing`.
pub(crate) async fn read_multipart(
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
    hint: &str,
    missing: &str,
) -> Result<MultipartForm, WebError> {
    let with_hint = |reason: String| {
        if hint.is_empty() {
            reason
        } else {
            format!("{reason} ({hint})")
        }
    };
    let mut multipart = multipart.map_err(|e| WebError::bad("file", e.body_text()))?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        WebError::bad("file", with_hint(e.body_text()))
    };
    let mut form = MultipartForm::default();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            form.file_name = field.file_name().map(str::to_owned);
            form.file = field.bytes().await.map_err(bad)?.to_vec();
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        if name == "token" || !text.trim().is_empty() {
            form.fields.insert(name, text);
        }
    }
    if form.file.is_empty() && form.file_name.as_deref().is_none_or(str::is_empty) {
        return Err(WebError::bad("file", missing));
    }
    Ok(form)
}
