//! The release-of-information intake form (`/roi/new`): requester, basis, the parts of the
//! chart asked for, dates, minimum necessary, delivery. It is read by the API's
//! `roi_api::request_of`, so the page and `POST /api/roi` refuse the same things, every
//! problem at once beside its field; a request taken in opens on its checklist.

use super::fields::{Labels, summary};
use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use crate::auth::Principal;
use crate::roi_api::{NewRequestBody, request_of};
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use records::{Delivery, LegalBasis, ReleaseCategory, RequesterKind};

const LABELS: Labels = &[
    ("patient", "Patient record id"),
    ("requester_kind", "Requester kind"),
    ("requester_name", "Requester"),
    ("requester_organization", "Organisation"),
    ("requester_address", "Address"),
    ("identity_verified", "Identity verified"),
    ("purpose", "Purpose"),
    ("legal_basis", "Legal basis"),
    ("subpoena_assurances", "Subpoena assurances"),
    ("categories", "Parts asked for"),
    ("from_date", "From"),
    ("to_date", "To"),
    ("minimum_necessary", "Minimum necessary"),
    ("delivery", "Delivery"),
    ("received_on", "Received"),
];

/// The form as posted: pairs, as the parts asked for repeat.
type Posted = Vec<(String, String)>;

fn value<'a>(posted: &'a Posted, name: &str) -> &'a str {
    posted
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

fn optional(posted: &Posted, name: &str) -> Option<String> {
    Some(value(posted, name).trim().to_owned()).filter(|v| !v.is_empty())
}

fn body_of(posted: &Posted) -> NewRequestBody {
    NewRequestBody {
        patient: value(posted, "patient").trim().parse().ok().or(Some(0)),
        requester_kind: value(posted, "requester_kind").to_owned(),
        requester_name: value(posted, "requester_name").to_owned(),
        requester_organization: optional(posted, "requester_organization"),
        requester_address: optional(posted, "requester_address"),
        identity_verified: optional(posted, "identity_verified"),
        purpose: value(posted, "purpose").to_owned(),
        legal_basis: value(posted, "legal_basis").to_owned(),
        subpoena_assurances: optional(posted, "subpoena_assurances"),
        categories: posted
            .iter()
            .filter(|(n, _)| n == "categories")
            .map(|(_, v)| v.clone())
            .collect(),
        from_date: optional(posted, "from_date"),
        to_date: optional(posted, "to_date"),
        minimum_necessary: optional(posted, "minimum_necessary"),
        delivery: optional(posted, "delivery"),
        received_on: optional(posted, "received_on"),
        authorization: None,
    }
}

fn text_field(posted: &Posted, errors: &[(String, String)], name: &str, label: &str) -> Markup {
    html! {
        label for=(name) { (label) }
        input id=(name) name=(name) value=(value(posted, name)) maxlength="500";
        (field_error(errors, name))
    }
}

fn choice<T: Copy>(
    posted: &Posted,
    errors: &[(String, String)],
    name: &str,
    label: &str,
    all: &[T],
    parts: fn(T) -> (&'static str, &'static str),
) -> Markup {
    let chosen = value(posted, name);
    html! {
        label for=(name) { (label) }
        select id=(name) name=(name) {
            option value="" { "—" }
            @for v in all { @let (code, words) = parts(*v);
                option value=(code) selected[chosen == code] { (words) }
            }
        }
        (field_error(errors, name))
    }
}

fn form(nav: &Nav, posted: &Posted, errors: &[(String, String)]) -> Markup {
    let asked: Vec<&str> = posted
        .iter()
        .filter(|(n, _)| n == "categories")
        .map(|(_, v)| v.as_str())
        .collect();
    html! {
        (summary(LABELS, errors))
        form.grid method="post" action="/roi/new" novalidate {
            (token_field(nav))
            (text_field(posted, errors, "patient", "Patient record id"))
            (choice(posted, errors, "requester_kind", "Requester kind", RequesterKind::ALL, |k| (k.as_str(), k.label())))
            (text_field(posted, errors, "requester_name", "Requester"))
            (text_field(posted, errors, "requester_organization", "Organisation"))
            (text_field(posted, errors, "requester_address", "Address"))
            (text_field(posted, errors, "identity_verified", "Identity verified (how)"))
            (text_field(posted, errors, "purpose", "Purpose"))
            (choice(posted, errors, "legal_basis", "Legal basis", LegalBasis::ALL, |b| (b.as_str(), b.label())))
            (text_field(posted, errors, "subpoena_assurances", "Subpoena assurances"))
            fieldset #categories {
                legend { "Parts asked for" }
                @for c in ReleaseCategory::ALL {
                    label { input type="checkbox" name="categories" value=(c.as_str()) checked[asked.contains(&c.as_str())]; " " (c.label()) }
                }
                (field_error(errors, "categories"))
            }
            (text_field(posted, errors, "from_date", "From (YYYY-MM-DD)"))
            (text_field(posted, errors, "to_date", "To (YYYY-MM-DD)"))
            (text_field(posted, errors, "minimum_necessary", "Minimum necessary: why each part is needed"))
            (choice(posted, errors, "delivery", "Delivery", Delivery::ALL, |d| (d.as_str(), d.label())))
            (text_field(posted, errors, "received_on", "Received (YYYY-MM-DD; default today)"))
            button type="submit" { "Take in the request" }
        }
    }
}

const TITLE: &str = "New release-of-information request";

/// `GET /roi/new`: the intake form.
pub(crate) async fn new(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let nav = nav(&state, &principal);
    let body = form(&nav, &Vec::new(), &[]);
    Ok(html(StatusCode::OK, page(TITLE, Some(&nav), body)))
}

/// `POST /roi/new`: the request taken in (audited) and its checklist shown; or the form
/// again, 422, with every problem beside its field.
pub(crate) async fn take_in(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(posted): PageForm<Posted>,
) -> PageResult {
    check_token(&state, &principal, value(&posted, "token"))?;
    let today = state.store.clock().now().date();
    match request_of(body_of(&posted), today) {
        Ok(request) => {
            let stored = super::roi::take_in(&state, &principal, request).await?;
            Ok(Redirect::to(&format!("/roi/{}", stored.meta.id)).into_response())
        }
        Err(problems) => {
            let mut errors: Vec<(String, String)> = Vec::new();
            for (field, message) in problems.0 {
                let field = if field.starts_with("categories") {
                    "categories".to_owned()
                } else {
                    field
                };
                errors.push((field, message));
            }
            let nav = nav(&state, &principal);
            let body = form(&nav, &posted, &errors);
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                page(TITLE, Some(&nav), body),
            ))
        }
    }
}
