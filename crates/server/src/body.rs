//! JSON request bodies whose problems come back as the API's own 422 naming the field,
//! instead of axum's plain-text rejections.

use crate::error::WebError;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A JSON body of type `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// The field a serde message names (`missing field `password``), or `body`.
fn field_of(message: &str) -> String {
    message
        .split_once("missing field `")
        .or_else(|| message.split_once("unknown field `"))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map_or_else(|| "body".to_owned(), |(field, _)| field.to_owned())
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(request.headers()) {
            return Err(WebError::bad(
                "body",
                "send a JSON body with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| WebError::bad("body", rejection.body_text()))?;
        let parsed = match axum::Json::<T>::from_bytes(&bytes) {
            // JSON has one number type: 30.0 is the integer 30 to JSON Schema (and to the
            // API document), so a whole number written with a fraction is read as one.
            Err(JsonRejection::JsonDataError(error))
                if error.body_text().contains("invalid type: floating point") =>
            {
                match whole_numbers_as_integers(&bytes) {
                    Some(rewritten) => axum::Json::<T>::from_bytes(&rewritten),
                    None => Err(JsonRejection::JsonDataError(error)),
                }
            }
            other => other,
        };
        match parsed {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => {
                let message = rejection.body_text();
                Err(WebError::bad(&field_of(&message), message))
            }
        }
    }
}

fn json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            let essence = value
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            essence == "application/json"
                || (essence.starts_with("application/") && essence.ends_with("+json"))
        })
}

/// The body again with every number that is a whole number in the i64 range written
/// without a fraction, or `None` when nothing changes.
fn whole_numbers_as_integers(bytes: &[u8]) -> Option<Vec<u8>> {
    fn rewrite(value: &mut Value) -> bool {
        match value {
            Value::Number(number) if number.is_f64() => {
                let float = number.as_f64().unwrap_or(f64::NAN);
                // 2^63 is the first float outside i64; `as` is exact below it.
                if float.fract() == 0.0 && float.abs() < 9_223_372_036_854_775_808.0 {
                    *value = Value::from(float as i64);
                    true
                } else {
                    false
                }
            }
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |changed, item| rewrite(item) | changed),
            Value::Object(fields) => fields
                .values_mut()
                .fold(false, |changed, item| rewrite(item) | changed),
            _ => false,
        }
    }
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    if rewrite(&mut value) {
        serde_json::to_vec(&value).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{field_of, whole_numbers_as_integers};

    #[test]
    fn whole_numbers_with_a_fraction_are_read_as_integers() {
        let rewritten = whole_numbers_as_integers(br#"{"days": 30.0, "list": [1.0, 2.5], "n": 4}"#);
        let value: serde_json::Value = serde_json::from_slice(&rewritten.unwrap()).unwrap();
        assert_eq!(value["days"], serde_json::json!(30));
        assert!(value["days"].is_i64());
        assert_eq!(value["list"][1], serde_json::json!(2.5));
        assert_eq!(whole_numbers_as_integers(br#"{"n": 4, "x": 0.5}"#), None);
        assert_eq!(whole_numbers_as_integers(br#"{"big": 1e30}"#), None);
    }

    #[test]
    fn fields_are_read_from_serde_messages() {
        assert_eq!(
            field_of(
                "Failed to deserialize the JSON body into the target type: missing field `password` at line 1 column 18"
            ),
            "password"
        );
        assert_eq!(
            field_of("unknown field `pasword`, expected one of"),
            "pasword"
        );
        assert_eq!(field_of("EOF while parsing a value"), "body");
    }
}
