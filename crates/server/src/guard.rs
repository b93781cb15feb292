//! What guards a route: who may use it (`Access`), how a refusal looks (`Surface`), the
//! route's description (`RouteSpec`), and `guard`, the middleware that enforces it. The
//! route table in `routes.rs` only lists routes with these; modules that add routes build
//! them with `route` from here, so the table itself stays a leaf nobody imports.
//!
//! Invariants:
//! - Non-public routes run behind `guard`, which signs the request in (401 otherwise),
//!   checks the route's permission against the user's current roles (403 and a denied
//!   audit entry otherwise) and hands the handler the `Principal`.

use crate::auth::MfaState;
use crate::auth::{self, authenticate};
use crate::error::WebError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::MethodRouter;
use privacy::{Action, Outcome, Permission};
use std::borrow::Cow;
use utoipa::ToSchema;
use utoipa::openapi::{RefOr, schema::Schema};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health check, sign-in).
    Public,
    /// Any signed-in user who passed the second factor (or needs none).
    SignedIn,
    /// Any signed-in user, also before the second factor (sign-out, enrolment, the code).
    SignedInBeforeMfa,
    /// A signed-in user whose roles hold this permission.
    Needs(Permission),
    /// A read of patient data: a user whose roles hold this permission, or who may break
    /// the glass; the handler then shows only what a live emergency grant opens (the
    /// facility's emergency set, on that grant's patient) and refuses the rest, audited.
    NeedsOrEmergency(Permission),
}

/// Which surface a route belongs to: it decides how a refusal looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// The JSON API under `/api` (refusals are `{"error": ...}`).
    Api,
    /// Server-rendered HTML pages (not signed in: a redirect to the sign-in page;
    /// refused: an HTML page).
    Page,
    /// The FHIR REST API under `/fhir` (refusals are OperationOutcomes).
    Fhir,
}

/// One route.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    /// The surface (API, page, FHIR).
    pub surface: Surface,
    /// HTTP method.
    pub method: Method,
    /// Path pattern (`{id}` for parameters).
    pub path: &'static str,
    /// The rule.
    pub access: Access,
    /// Whether responses carry patient data.
    pub patient_data: bool,
    /// One line for the API document.
    pub summary: &'static str,
    /// The JSON body's schema, for the API document.
    pub body: Option<SchemaFn>,
    /// Whether success is 201 Created (a new record) rather than 200.
    pub creates: bool,
}

/// A request body's schema name and schema.
pub type SchemaFn = fn() -> (Cow<'static, str>, RefOr<Schema>);

fn schema_of<T: ToSchema>() -> (Cow<'static, str>, RefOr<Schema>) {
    (T::name(), T::schema())
}

pub(crate) struct Entry(pub(crate) RouteSpec, pub(crate) MethodRouter<AppState>);

impl Entry {
    /// Marks the route as part of `surface` (routes start on the JSON API).
    pub(crate) fn on(mut self, surface: Surface) -> Self {
        self.0.surface = surface;
        self
    }

    pub(crate) fn takes<T: ToSchema>(mut self) -> Self {
        self.0.body = Some(schema_of::<T>);
        self
    }

    /// The route answers 201 Created on success.
    pub(crate) fn creates(mut self) -> Self {
        self.0.creates = true;
        self
    }
}

pub(crate) fn route(
    method: Method,
    path: &'static str,
    access: Access,
    patient_data: bool,
    summary: &'static str,
    handler: MethodRouter<AppState>,
) -> Entry {
    let spec = RouteSpec {
        surface: Surface::Api,
        method,
        path,
        access,
        patient_data,
        summary,
        body: None,
        creates: false,
    };
    Entry(spec, handler)
}

/// The patient id in a `/api/patients/{id}...` path, so a denied look at a chart is
/// found under that patient in the audit report.
fn patient_in_path(pattern: &str, path: &str) -> Option<i64> {
    let position = pattern.split('/').position(|part| part == "{id}")?;
    if !pattern.starts_with("/api/patients/{id}")
        && !pattern.starts_with("/patients/{id}")
        && !pattern.starts_with("/fhir/Patient/{id}")
    {
        return None;
    }
    path.split('/').nth(position)?.parse().ok()
}

pub(crate) async fn guard(
    State((state, access, spec)): State<(AppState, Access, RouteSpec)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let surface = spec.surface;
    let mut origin = auth::origin(&parts);
    origin.web = surface == Surface::Page;
    if let Some(reason) = &state.config.read_only
        && access != Access::SignedInBeforeMfa
        && !matches!(parts.method, Method::GET | Method::HEAD)
    {
        let refusal = WebError::Forbidden(format!(
            "the server is read-only because its audit chain check failed ({reason}); nothing can be changed"
        ));
        return crate::rejection::refuse(surface, refusal);
    }
    let principal = match authenticate(&state, &parts.headers, origin).await {
        Ok(principal) => principal,
        Err(error) => return crate::rejection::refuse(surface, error),
    };
    if access != Access::SignedInBeforeMfa {
        match principal.mfa {
            MfaState::Passed => {}
            MfaState::Required => {
                return crate::rejection::second_factor_missing(surface, false);
            }
            MfaState::EnrolmentRequired => {
                return crate::rejection::second_factor_missing(surface, true);
            }
        }
    }
    let needed = match access {
        Access::Needs(permission) => Some(permission),
        Access::NeedsOrEmergency(permission) if !principal.allows(Permission::BreakGlass) => {
            Some(permission)
        }
        _ => None,
    };
    if let Some(permission) = needed
        && !principal.allows(permission)
    {
        let reason = format!("{} {} needs {permission}", spec.method, spec.path);
        let denied = principal.clone();
        let patient = patient_in_path(spec.path, parts.uri.path());
        let method = parts.method.clone();
        let path = parts.uri.path().to_owned();
        // A refused FHIR create names the patient its body refers to; the body is read
        // (up to 1 MiB) only here, where the request goes no further.
        let body = if surface == Surface::Fhir && matches!(method, Method::POST | Method::PUT) {
            axum::body::to_bytes(body, 1 << 20)
                .await
                .ok()
                .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        } else {
            None
        };
        let audited = state
            .blocking(move |state| {
                // The entry names what the request would have done, on its own channel,
                // and the record it aimed at, so a refused FHIR delete reads as one.
                let action = match method {
                    Method::POST => Action::Create,
                    Method::PUT | Method::PATCH => Action::Update,
                    Method::DELETE => Action::Delete,
                    _ => Action::Read,
                };
                let mut event = denied
                    .event(state.store.clock().now(), action)
                    .outcome(Outcome::Denied)
                    .reason(&reason);
                if surface == Surface::Fhir {
                    event.channel = privacy::Channel::Fhir;
                    event = state.store.read(|tx| {
                        Ok(crate::fhir_rest::aimed_at(tx, event, &path, body.as_ref()))
                    })?;
                }
                if let Some(id) = patient {
                    event = event.patient(records::PatientId(id)).record("patient", id);
                }
                Ok(state.trail.record(&state.store, &event)?)
            })
            .await;
        if let Err(error) = audited {
            return crate::rejection::refuse(surface, error);
        }
        let refusal = WebError::Forbidden(not_permitted(&principal, permission));
        return crate::rejection::refuse(surface, refusal);
    }
    parts.extensions.insert(principal);
    next.run(Request::from_parts(parts, body)).await
}

/// Why `principal` may not do what needs `permission`, in terms of roles (and of the
/// token's scopes only when a token was used), naming the roles that would allow it.
fn not_permitted(principal: &crate::auth::Principal, permission: Permission) -> String {
    let yours = if principal.roles.is_empty() {
        "none".to_owned()
    } else {
        principal.roles.to_list()
    };
    let holders: Vec<&str> = privacy::Role::ALL
        .iter()
        .filter(|role| role.permissions().contains(permission))
        .map(|role| role.as_str())
        .collect();
    let needed = if holders.is_empty() {
        format!("it needs the permission {permission}")
    } else {
        format!(
            "it needs the permission {permission}, which the roles {} have",
            holders.join(", ")
        )
    };
    match &principal.token {
        Some(_) if principal.roles.allows(permission) => {
            format!("your API token's scopes do not allow this: {needed}")
        }
        _ => format!("your roles ({yours}) do not allow this: {needed}"),
    }
}
