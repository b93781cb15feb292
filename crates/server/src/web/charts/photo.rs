//! `POST /charts/photo`: the records desk's camera. A phone or tablet takes a picture of a
//! chart label (the form's file input asks for the rear camera) and the server reads the
//! barcode in it (`archive::paper::read_label_photo`, from `chartlabel`), then finds the volume as a scanner's typing
//! would. A photo that cannot be read goes back to the desk saying what to do.

use super::{desk_view, shown_error};
use crate::auth::Principal;
use crate::charts_api;
use crate::error::WebError;
use crate::state::AppState;
use crate::web::forms::{PageResult, check_token, read_multipart};
use axum::Extension;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};

/// A photo, with room for the form's other fields.
pub(super) const PHOTO_LIMIT: usize = 32 * 1024 * 1024;

pub(super) async fn find_by_photo(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let mut form = match read_multipart(multipart, "", "take or choose a photo of the label").await
    {
        Ok(form) => form,
        Err(error) => {
            let (status, message) = shown_error(error)?;
            return desk_view(&state, principal, "", Some(&message), status).await;
        }
    };
    check_token(&state, &principal, &form.take("token").unwrap_or_default())?;
    let photo = std::mem::take(&mut form.file);
    let read = tokio::task::spawn_blocking(move || archive::paper::read_label_photo(&photo))
        .await
        .map_err(WebError::internal)?;
    let barcode = match read {
        Ok(barcode) => barcode,
        Err(why) => {
            let message = format!("photo: {why}");
            return desk_view(
                &state,
                principal,
                "",
                Some(&message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match charts_api::find(&state, principal.clone(), barcode.clone()).await {
        Ok(found) => {
            Ok(Redirect::to(&format!("/charts/volumes/{}", found.volume.id)).into_response())
        }
        Err(error) => {
            let (status, message) = shown_error(error)?;
            let message = format!("the photo's barcode {barcode}: {message}");
            desk_view(&state, principal, &barcode, Some(&message), status).await
        }
    }
}
