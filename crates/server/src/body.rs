//! JSON request bodies whose problems come back as the API's own 422 naming the field,
//! instead of axum's plain-text rejections.

use crate::error::WebError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

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
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => {
                let message = match &rejection {
                    JsonRejection::MissingJsonContentType(_) => {
                        "send a JSON body with Content-Type: application/json".to_owned()
                    }
                    other => other.body_text(),
                };
                Err(WebError::bad(&field_of(&message), message))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::field_of;

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
