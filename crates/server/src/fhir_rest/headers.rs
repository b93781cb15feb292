//! HTTP headers of the FHIR API: content type, versions (`ETag: W/"3"`, `If-Match`),
//! `Last-Modified`, `Location` and `Prefer`.

use super::outcome::FhirError;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use time::macros::format_description;

/// The FHIR JSON media type every response carries.
pub(crate) const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

/// A response with a FHIR JSON body.
pub(crate) fn fhir_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    response
}

/// `W/"3"`.
pub(crate) fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// An HTTP date (`Wed, 25 Nov 2026 21:05:01 GMT`).
pub(crate) fn http_date(at: OffsetDateTime) -> String {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// Adds `ETag` and `Last-Modified` for a version.
pub(crate) fn set_version(response: &mut Response, version: i64, updated: OffsetDateTime) {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        headers.insert(header::ETAG, value);
    }
    if let Ok(value) = HeaderValue::from_str(&http_date(updated)) {
        headers.insert(header::LAST_MODIFIED, value);
    }
}

/// Adds `Location`.
pub(crate) fn set_location(response: &mut Response, location: &str) {
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
}

/// The version an `If-Match` header names (`W/"3"`, `"3"` or `3`), if there is one.
pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<i64>, FhirError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    parse_etag(text).map(Some).ok_or_else(|| {
        FhirError::bad_request(
            "If-Match",
            format!(
                "\"{}\" is not a version tag (W/\"3\")",
                text.chars().take(40).collect::<String>()
            ),
        )
    })
}

/// A version tag's number.
pub(crate) fn parse_etag(text: &str) -> Option<i64> {
    let text = text.strip_prefix("W/").unwrap_or(text);
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    text.parse::<i64>().ok().filter(|v| *v > 0)
}

/// What the client asked the body of a write to be (`Prefer: return=...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Return {
    Minimal,
    Representation,
    OperationOutcome,
}

/// `Prefer` as far as FHIR uses it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prefer {
    pub return_: Return,
    /// `handling=strict`: unknown search parameters are errors.
    pub strict: bool,
    /// `respond-async` (Bulk Data kick-off).
    pub respond_async: bool,
}

impl Prefer {
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        let mut prefer = Self {
            return_: Return::Representation,
            strict: false,
            respond_async: false,
        };
        for value in headers.get_all("prefer") {
            for part in value.to_str().unwrap_or_default().split([',', ';']) {
                match part.trim().replace(' ', "").as_str() {
                    "return=minimal" => prefer.return_ = Return::Minimal,
                    "return=representation" => prefer.return_ = Return::Representation,
                    "return=OperationOutcome" => prefer.return_ = Return::OperationOutcome,
                    "handling=strict" => prefer.strict = true,
                    "handling=lenient" => prefer.strict = false,
                    "respond-async" => prefer.respond_async = true,
                    _ => {}
                }
            }
        }
        prefer
    }
}

/// Refuses request bodies in a format other than JSON (FHIR JSON, plain JSON, or form
/// data where `form` allows it).
pub(crate) fn check_content_type(headers: &HeaderMap, form: bool) -> Result<(), FhirError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let media = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let ok = matches!(media.as_str(), "application/fhir+json" | "application/json")
        || (form && media == "application/x-www-form-urlencoded");
    if ok {
        Ok(())
    } else {
        Err(FhirError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            super::outcome::OutcomeIssue::error(
                "not-supported",
                format!("send application/fhir+json, not {media}"),
            )
            .at("Content-Type"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_tags_and_dates() {
        assert_eq!(parse_etag("W/\"3\""), Some(3));
        assert_eq!(parse_etag("\"12\""), Some(12));
        assert_eq!(parse_etag("7"), Some(7));
        assert_eq!(parse_etag("W/\"x\""), None);
        assert_eq!(parse_etag("W/\"0\""), None);
        assert_eq!(
            http_date(time::macros::datetime!(2026-11-25 21:05:01 UTC)),
            "Wed, 25 Nov 2026 21:05:01 GMT"
        );
    }
}
