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
use records::{Authorization, Delivery, LegalBasis, ReleaseCategory, RequesterKind};
use time::Date;

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
    (
        "authorization_form.description",
        "Authorisation: information described",
    ),
    (
        "authorization_form.discloser",
        "Authorisation: who may disclose",
    ),
    ("authorization_form.recipient", "Authorisation: to whom"),
    ("authorization_form.purpose", "Authorisation: purpose"),
    ("authorization_form.expires_on", "Authorisation: expires on"),
    (
        "authorization_form.expiry_event",
        "Authorisation: expiry event",
    ),
    ("authorization_form.signed_on", "Authorisation: signed on"),
    ("authorization_form.signature", "Authorisation: signature"),
    (
        "authorization_form.revocation_statement",
        "Authorisation: right to revoke",
    ),
    (
        "authorization_form.conditioning_statement",
        "Authorisation: treatment not conditioned",
    ),
    (
        "authorization_form.redisclosure_notice",
        "Authorisation: redisclosure notice",
    ),
    ("authorization_form.revoked_on", "Authorisation: revoked on"),
    ("authorization_form.categories", "Authorisation: covers"),
    ("authorization_form.from_date", "Authorisation: care from"),
    ("authorization_form.to_date", "Authorisation: care to"),
];

/// The authorisation form's text fields (164.508(c)(1)(i)-(iv), the expiry event, a
/// representative's authority), dates and statements (checkboxes), as named in the
/// validator's defects, so a defect and its field share a name.
const AUTH_TEXT: &[(&str, &str)] = &[
    (
        "description",
        "The information to be disclosed, described specifically",
    ),
    ("discloser", "Who may disclose it"),
    ("recipient", "To whom"),
    ("purpose", "For what purpose"),
    ("expiry_event", "Or the event it expires on"),
    (
        "signed_by_representative",
        "Signed by a representative (name and authority)",
    ),
];
const AUTH_DATES: &[(&str, &str)] = &[
    ("signed_on", "Signed on (YYYY-MM-DD)"),
    ("expires_on", "Expires on (YYYY-MM-DD)"),
    ("revoked_on", "Revoked in writing on (YYYY-MM-DD)"),
    ("from_date", "Covers care from (YYYY-MM-DD)"),
    ("to_date", "Covers care to (YYYY-MM-DD)"),
];
const AUTH_MARKS: &[(&str, &str)] = &[
    ("signature", "Signed (the signature is on the form)"),
    (
        "revocation_statement",
        "States the right to revoke in writing (c)(2)(i)",
    ),
    (
        "conditioning_statement",
        "States that treatment is not conditioned on signing (c)(2)(ii)",
    ),
    (
        "redisclosure_notice",
        "Warns that the recipient may redisclose (c)(2)(iii)",
    ),
];

fn auth_name(part: &str) -> String {
    format!("authorization_form.{part}")
}

/// The form as posted: pairs, as the parts asked for repeat.
pub(crate) type Posted = Vec<(String, String)>;

pub(crate) fn value<'a>(posted: &'a Posted, name: &str) -> &'a str {
    posted
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

fn optional(posted: &Posted, name: &str) -> Option<String> {
    Some(value(posted, name).trim().to_owned()).filter(|v| !v.is_empty())
}

fn auth_date(posted: &Posted, errors: &mut Vec<(String, String)>, part: &str) -> Option<Date> {
    let name = auth_name(part);
    super::roi_consents::date(errors, &name, value(posted, &name))
}

/// The authorisation form as typed, when any of its fields is filled in; a date that is
/// not one or a part of the chart unknown is named beside its field.
pub(crate) fn authorization_of(
    posted: &Posted,
    errors: &mut Vec<(String, String)>,
) -> Option<Authorization> {
    let any = posted
        .iter()
        .any(|(n, v)| n.starts_with("authorization_form.") && !v.trim().is_empty());
    if !any {
        return None;
    }
    let text = |part: &str| optional(posted, &auth_name(part));
    let mark = |part: &str| !value(posted, &auth_name(part)).is_empty();
    let mut categories = Vec::new();
    for (_, v) in posted
        .iter()
        .filter(|(n, _)| n == "authorization_form.categories")
    {
        match ReleaseCategory::parse(v) {
            Some(c) => categories.push(c),
            None => errors.push((
                auth_name("categories"),
                format!("\"{v}\" is not a part of the chart"),
            )),
        }
    }
    Some(Authorization {
        description: text("description"),
        discloser: text("discloser"),
        recipient: text("recipient"),
        purpose: text("purpose"),
        expires_on: auth_date(posted, errors, "expires_on"),
        expiry_event: text("expiry_event"),
        signed_on: auth_date(posted, errors, "signed_on"),
        signature: mark("signature"),
        signed_by_representative: text("signed_by_representative"),
        revocation_statement: mark("revocation_statement"),
        conditioning_statement: mark("conditioning_statement"),
        redisclosure_notice: mark("redisclosure_notice"),
        revoked_on: auth_date(posted, errors, "revoked_on"),
        categories,
        from_date: auth_date(posted, errors, "from_date"),
        to_date: auth_date(posted, errors, "to_date"),
    })
}

/// An authorisation on file as the form's fields, to show it for correction.
pub(crate) fn posted_of(form: &Authorization) -> Posted {
    let mut out: Posted = Vec::new();
    let mut put = |part: &str, v: Option<String>| {
        if let Some(v) = v {
            out.push((auth_name(part), v));
        }
    };
    put("description", form.description.clone());
    put("discloser", form.discloser.clone());
    put("recipient", form.recipient.clone());
    put("purpose", form.purpose.clone());
    put("expiry_event", form.expiry_event.clone());
    put(
        "signed_by_representative",
        form.signed_by_representative.clone(),
    );
    for (part, day) in [
        ("signed_on", form.signed_on),
        ("expires_on", form.expires_on),
        ("revoked_on", form.revoked_on),
        ("from_date", form.from_date),
        ("to_date", form.to_date),
    ] {
        put(part, day.map(|d| d.to_string()));
    }
    for (part, on) in [
        ("signature", form.signature),
        ("revocation_statement", form.revocation_statement),
        ("conditioning_statement", form.conditioning_statement),
        ("redisclosure_notice", form.redisclosure_notice),
    ] {
        put(part, on.then(|| "yes".to_owned()));
    }
    for c in &form.categories {
        put("categories", Some(c.as_str().to_owned()));
    }
    out
}

/// The authorisation form's fields (164.508(c)): the core elements, the dates, the three
/// required statements and what it covers; each defect or problem beside its field.
pub(crate) fn authorization_fields(posted: &Posted, errors: &[(String, String)]) -> Markup {
    let covers: Vec<&str> = posted
        .iter()
        .filter(|(n, _)| n == "authorization_form.categories")
        .map(|(_, v)| v.as_str())
        .collect();
    html! {
        fieldset #authorization {
            legend { "The patient's authorisation (45 CFR 164.508(c)); leave empty when the basis needs none" }
            (field_error(errors, "authorization_form"))
            @for (part, label) in AUTH_TEXT { (text_field(posted, errors, &auth_name(part), label)) }
            @for (part, label) in AUTH_DATES { (text_field(posted, errors, &auth_name(part), label)) }
            @for (part, label) in AUTH_MARKS { @let name = auth_name(part);
                label { input type="checkbox" id=(name) name=(name) value="yes" checked[!value(posted, &name).is_empty()]; " " (label) }
                (field_error(errors, &name))
            }
            fieldset #authorization-categories {
                legend { "Covers (none: what the description says, without the protected classes)" }
                @for c in ReleaseCategory::ALL {
                    label { input type="checkbox" name="authorization_form.categories" value=(c.as_str()) checked[covers.contains(&c.as_str())]; " " (c.label()) }
                }
                (field_error(errors, "authorization_form.categories"))
            }
        }
    }
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

pub(crate) fn text_field(
    posted: &Posted,
    errors: &[(String, String)],
    name: &str,
    label: &str,
) -> Markup {
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
            (authorization_fields(posted, errors))
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
    let mut form_errors = Vec::new();
    let mut body = body_of(&posted);
    body.authorization = authorization_of(&posted, &mut form_errors)
        .and_then(|form| serde_json::to_value(form).ok());
    let read = match request_of(body, today) {
        Ok(request) if form_errors.is_empty() => Ok(request),
        Ok(_) => Err(crate::roi_api::Problems::default()),
        Err(problems) => Err(problems),
    };
    match read {
        Ok(request) => {
            let stored = super::roi::take_in(&state, &principal, request).await?;
            Ok(Redirect::to(&format!("/roi/{}", stored.meta.id)).into_response())
        }
        Err(problems) => {
            let mut errors: Vec<(String, String)> = form_errors;
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
