//! Release of information over the JSON API: the queue, a new request (every field's
//! problem at once, 422), the review (defects with field and rule), release (the PDF
//! packet, as the page gives it) and denial. The pages and these routes call the same
//! `disclosures` desk through `web::roi`'s helpers, so both write the same audit entries.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use privacy::Permission;
use records::{
    Authorization, Delivery, LegalBasis, PatientId, ReleaseCategory, RequesterKind, RoiRequest,
    RoiStatus, Validate,
};
use serde::Deserialize;
use serde_json::{Value, json};
use time::Date;

/// A request as taken in; every field is checked and all problems are answered together.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NewRequestBody {
    /// The patient's record id.
    pub patient: Option<i64>,
    /// patient, representative, attorney, insurer, provider, public_health,
    /// law_enforcement, researcher, other.
    pub requester_kind: String,
    /// The requester's name.
    pub requester_name: String,
    /// Their organisation.
    pub requester_organization: Option<String>,
    /// Where the packet goes.
    pub requester_address: Option<String>,
    /// How identity and authority were verified (164.514(h)).
    pub identity_verified: Option<String>,
    /// Why, in the requester's words.
    pub purpose: String,
    /// authorization, patient_access, treatment, payment, operations, public_health,
    /// court_order, subpoena, required_by_law, research_waiver.
    pub legal_basis: String,
    /// For a subpoena: the assurances received.
    pub subpoena_assurances: Option<String>,
    /// Parts of the chart asked for (demographics, encounters, diagnoses, notes, ...; the
    /// protected classes by name).
    pub categories: Vec<String>,
    /// The first day of care asked for (YYYY-MM-DD).
    pub from_date: Option<String>,
    /// The last day of care asked for.
    pub to_date: Option<String>,
    /// Why each part is needed (minimum necessary).
    pub minimum_necessary: Option<String>,
    /// print, pdf, download, fhir (default pdf).
    pub delivery: Option<String>,
    /// The day it was received (default today).
    pub received_on: Option<String>,
    /// The signed authorisation form, when the basis is one (fields as `records::Authorization`:
    /// description, discloser, recipient, purpose, expires_on, expiry_event, signed_on,
    /// signature, revocation_statement, conditioning_statement, redisclosure_notice,
    /// categories, from_date, to_date).
    #[schema(value_type = Object)]
    pub authorization: Option<Value>,
}

/// Problems found in a body, by field.
#[derive(Default)]
pub(crate) struct Problems(pub(crate) Vec<(String, String)>);

impl Problems {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_owned(), message.into()));
    }

    fn named<T>(
        &mut self,
        field: &str,
        text: &str,
        parse: fn(&str) -> Option<T>,
        all: &[&str],
    ) -> Option<T> {
        let found = parse(text);
        if found.is_none() {
            if text.trim().is_empty() {
                self.add(field, "is required");
            } else {
                self.add(
                    field,
                    format!("\"{text}\" is not one of {}", all.join(", ")),
                );
            }
        }
        found
    }

    fn date(&mut self, field: &str, text: Option<&str>) -> Option<Date> {
        let text = text.map(str::trim).filter(|t| !t.is_empty())?;
        let parsed = Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok();
        if parsed.is_none() {
            self.add(field, format!("\"{text}\" is not a date (YYYY-MM-DD)"));
        }
        parsed
    }

    /// 422 naming every field.
    fn response(self) -> Response {
        let errors: Vec<Value> = self
            .0
            .iter()
            .map(|(field, message)| json!({ "field": field, "message": message }))
            .collect();
        let summary = self
            .0
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; ");
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "error": summary, "errors": errors })),
        )
            .into_response()
    }
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| name(*v)).collect()
}

/// The request a body describes, or every problem with it.
pub(crate) fn request_of(body: NewRequestBody, today: Date) -> Result<RoiRequest, Problems> {
    let mut p = Problems::default();
    let patient = body.patient.filter(|id| *id > 0);
    if patient.is_none() {
        p.add("patient", "is required (the patient's record id)");
    }
    let kind = p.named(
        "requester_kind",
        &body.requester_kind,
        RequesterKind::parse,
        &names(RequesterKind::ALL, RequesterKind::as_str),
    );
    let basis = p.named(
        "legal_basis",
        &body.legal_basis,
        LegalBasis::parse,
        &names(LegalBasis::ALL, LegalBasis::as_str),
    );
    let delivery = match body.delivery.as_deref() {
        None | Some("") => Some(Delivery::Pdf),
        Some(text) => p.named(
            "delivery",
            text,
            Delivery::parse,
            &names(Delivery::ALL, Delivery::as_str),
        ),
    };
    let mut categories = Vec::new();
    if body.categories.is_empty() {
        p.add("categories", "name at least one part of the chart");
    }
    for (i, text) in body.categories.iter().enumerate() {
        if let Some(c) = p.named(
            &format!("categories[{i}]"),
            text,
            ReleaseCategory::parse,
            &names(ReleaseCategory::ALL, ReleaseCategory::as_str),
        ) {
            categories.push(c);
        }
    }
    let from = p.date("from_date", body.from_date.as_deref());
    let to = p.date("to_date", body.to_date.as_deref());
    let received = p
        .date("received_on", body.received_on.as_deref())
        .unwrap_or(today);
    let form: Option<Authorization> = match body.authorization {
        None | Some(Value::Null) => None,
        Some(value) => match serde_json::from_value(value) {
            Ok(form) => Some(form),
            Err(e) => {
                p.add("authorization", e.to_string());
                None
            }
        },
    };
    let (Some(patient), Some(kind), Some(basis), Some(delivery)) = (patient, kind, basis, delivery)
    else {
        return Err(p);
    };
    let request = RoiRequest {
        requester_organization: body.requester_organization,
        requester_address: body.requester_address,
        identity_verified: body.identity_verified,
        subpoena_assurances: body.subpoena_assurances,
        from_date: from,
        to_date: to,
        minimum_necessary: body.minimum_necessary,
        delivery,
        authorization_form: form,
        ..RoiRequest::received(
            PatientId(patient),
            (kind, &body.requester_name),
            &body.purpose,
            basis,
            categories,
            received,
        )
    };
    if let Err(errors) = request.validate() {
        for e in errors.iter() {
            p.add(&e.path, e.message.clone());
        }
    }
    if p.0.is_empty() { Ok(request) } else { Err(p) }
}

#[derive(Debug, Default, Deserialize)]
struct ListParams {
    /// Comma-separated statuses; default the open ones.
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
}

async fn list_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, WebError> {
    let mut statuses = Vec::new();
    for name in params
        .status
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        statuses.push(RoiStatus::parse(name).ok_or_else(|| {
            WebError::bad(
                "status",
                format!("\"{name}\" is not received, validated, released or denied"),
            )
        })?);
    }
    let limit = params.limit.unwrap_or(500).clamp(1, 5000);
    let rows = crate::web::roi::queue_rows(&state, &principal, statuses, limit).await?;
    Ok(Json(json!({ "requests": rows })))
}

async fn create_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<NewRequestBody>,
) -> Result<Response, WebError> {
    let today = state.store.clock().now().date();
    let request = match request_of(body, today) {
        Ok(request) => request,
        Err(problems) => return Ok(problems.response()),
    };
    let stored = crate::web::roi::take_in(&state, &principal, request).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "number": RoiRequest::number(stored.meta.id), "request": stored })),
    )
        .into_response())
}

async fn validate_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    let review = crate::web::roi::reviewed(&state, &principal, id).await?;
    Ok(Json(json!({
        "number": review.number,
        "status": review.request.record.status,
        "releasable": review.defects.is_empty(),
        "defects": review.defects,
        "items": review.scope.items.len(),
        "withheld": review.scope.withheld.iter().map(|(r, n)| json!({ "count": n, "reason": r.describe() })).collect::<Vec<_>>(),
        "request": review.request,
    })))
}

async fn release_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = crate::patients::parse_id(&id)?;
    crate::web::roi::released_pdf(&state, &principal, id).await
}

/// Why a request is denied.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DenyBody {
    /// The reason the requester is told (164.524(d)).
    pub reason: String,
}

async fn deny_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DenyBody>,
) -> Result<Json<Value>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    if body.reason.trim().is_empty() {
        return Err(WebError::bad("reason", "is required"));
    }
    let denied = crate::web::roi::denied(&state, &principal, id, body.reason).await?;
    Ok(Json(
        json!({ "number": RoiRequest::number(id), "request": denied }),
    ))
}

/// The release-of-information API's routes.
pub(crate) fn routes() -> Vec<Entry> {
    let desk = Access::Needs(Permission::ReleaseInformation);
    vec![
        route(
            Method::GET,
            "/api/roi",
            desk,
            true,
            "release-of-information requests (status=received,validated,...; default the open ones), due first",
            get(list_api),
        ),
        route(
            Method::POST,
            "/api/roi",
            desk,
            true,
            "take in a request for copies of a chart; 422 names every field's problem",
            post(create_api),
        )
        .takes::<NewRequestBody>(),
        route(
            Method::POST,
            "/api/roi/{id}/validate",
            desk,
            true,
            "review a request: every defect with its field and rule; validated when none remains",
            post(validate_api),
        ),
        route(
            Method::POST,
            "/api/roi/{id}/release",
            desk,
            true,
            "release a validated request: the PDF packet (X-Packet-SHA256), entered in the accounting; 409 naming each defect otherwise",
            post(release_api),
        ),
        route(
            Method::POST,
            "/api/roi/{id}/deny",
            desk,
            true,
            "deny a request with the reason the requester is told",
            post(deny_api),
        )
        .takes::<DenyBody>(),
    ]
}
