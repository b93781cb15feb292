//! The route table: every route with its method, path, access rule and whether it serves
//! patient data; `app` builds the router from it, so no route can skip its rule.
//!
//! Invariants:
//! - A route that serves patient data needs a permission (tested over the whole table).
//! - Non-public routes run behind `guard`, which signs the request in (401 otherwise),
//!   checks the route's permission against the user's current roles (403 and a denied
//!   audit entry otherwise) and hands the handler the `Principal`.

use crate::auth::MfaState;
use crate::auth::{self, authenticate};
use crate::error::WebError;
use crate::patients;
use crate::state::AppState;
use crate::{admin, audit_api, mfa, tokens};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use privacy::{Action, Outcome, Permission};

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
}

/// One route.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: Method,
    /// Path pattern (`{id}` for parameters).
    pub path: &'static str,
    /// The rule.
    pub access: Access,
    /// Whether responses carry patient data.
    pub patient_data: bool,
}

fn route(
    method: Method,
    path: &'static str,
    access: Access,
    patient_data: bool,
    handler: MethodRouter<AppState>,
) -> (RouteSpec, MethodRouter<AppState>) {
    let spec = RouteSpec {
        method,
        path,
        access,
        patient_data,
    };
    (spec, handler)
}

fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use Access::*;
    vec![
        route(Method::GET, "/api/health", Public, false, get(health)),
        route(Method::POST, "/api/login", Public, false, post(auth::login)),
        route(
            Method::POST,
            "/api/logout",
            SignedInBeforeMfa,
            false,
            post(auth::logout),
        ),
        route(
            Method::GET,
            "/api/me",
            SignedInBeforeMfa,
            false,
            get(auth::me),
        ),
        route(
            Method::POST,
            "/api/mfa/enroll",
            SignedInBeforeMfa,
            false,
            post(mfa::enroll),
        ),
        route(
            Method::POST,
            "/api/mfa/confirm",
            SignedInBeforeMfa,
            false,
            post(mfa::confirm),
        ),
        route(
            Method::POST,
            "/api/mfa/verify",
            SignedInBeforeMfa,
            false,
            post(mfa::verify),
        ),
        route(
            Method::GET,
            "/api/tokens",
            SignedIn,
            false,
            get(tokens::list),
        ),
        route(
            Method::POST,
            "/api/tokens",
            SignedIn,
            false,
            post(tokens::issue),
        ),
        route(
            Method::POST,
            "/api/tokens/{id}/revoke",
            SignedIn,
            false,
            post(tokens::revoke),
        ),
        route(
            Method::POST,
            "/api/patients/search",
            Needs(Permission::ReadDemographics),
            true,
            post(patients::search),
        ),
        route(
            Method::GET,
            "/api/patients/{id}",
            Needs(Permission::ReadDemographics),
            true,
            get(patients::chart),
        ),
        route(
            Method::POST,
            "/api/patients/{id}/break-glass",
            Needs(Permission::BreakGlass),
            false,
            post(patients::break_glass),
        ),
        route(
            Method::POST,
            "/api/break-glass/review",
            Needs(Permission::ReviewBreakGlass),
            false,
            post(admin::review),
        ),
        route(
            Method::POST,
            "/api/audit/search",
            Needs(Permission::ReadAudit),
            false,
            post(audit_api::search),
        ),
        route(
            Method::POST,
            "/api/audit/verify",
            Needs(Permission::ReadAudit),
            false,
            post(audit_api::verify),
        ),
        route(
            Method::GET,
            "/api/users",
            Needs(Permission::ManageUsers),
            false,
            get(admin::list),
        ),
        route(
            Method::POST,
            "/api/users",
            Needs(Permission::ManageUsers),
            false,
            post(admin::create),
        ),
        route(
            Method::POST,
            "/api/users/{username}/roles",
            Needs(Permission::ManageUsers),
            false,
            post(admin::set_roles),
        ),
        route(
            Method::POST,
            "/api/users/{username}/disable",
            Needs(Permission::ManageUsers),
            false,
            post(admin::disable),
        ),
        route(
            Method::POST,
            "/api/users/{username}/enable",
            Needs(Permission::ManageUsers),
            false,
            post(admin::enable),
        ),
    ]
}

/// Every route's rule (for tests and documentation).
pub fn route_specs() -> Vec<RouteSpec> {
    table().into_iter().map(|(spec, _)| spec).collect()
}

/// The application: every route from the table, guarded by its rule.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new();
    for (spec, handler) in table() {
        let handler = match spec.access {
            Access::Public => handler,
            access => handler.layer(middleware::from_fn_with_state(
                (state.clone(), access, spec.clone()),
                guard,
            )),
        };
        router = router.route(spec.path, handler);
    }
    router
        .fallback(|| async { WebError::NotFound("no such page".into()) })
        .layer(middleware::from_fn(crate::csrf::refuse_cross_site))
        .layer(middleware::map_response(no_store))
        .with_state(state)
}

async fn health() -> &'static str {
    "ok"
}

/// Nothing the API answers may be kept by a browser or proxy.
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn guard(
    State((state, access, spec)): State<(AppState, Access, RouteSpec)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let origin = auth::origin(&parts);
    let principal = match authenticate(&state, &parts.headers, origin).await {
        Ok(principal) => principal,
        Err(error) => return error.into_response(),
    };
    if access != Access::SignedInBeforeMfa {
        match principal.mfa {
            MfaState::Passed => {}
            MfaState::Required => {
                return WebError::Unauthorized(
                    "enter the code from your authenticator first (POST /api/mfa/verify)".into(),
                )
                .into_response();
            }
            MfaState::EnrolmentRequired => {
                return WebError::Unauthorized(
                    "administrators must enrol an authenticator first (POST /api/mfa/enroll)"
                        .into(),
                )
                .into_response();
            }
        }
    }
    if let Access::Needs(permission) = access
        && !principal.allows(permission)
    {
        let reason = format!("{} {} needs {permission}", spec.method, spec.path);
        let denied = principal.clone();
        let audited = state
            .blocking(move |state| {
                let event = denied
                    .event(state.store.clock().now(), Action::Read)
                    .outcome(Outcome::Denied)
                    .record("route", 0)
                    .reason(&reason);
                Ok(state.trail.record(&state.store, &event)?)
            })
            .await;
        if let Err(error) = audited {
            return error.into_response();
        }
        return WebError::Forbidden(format!(
            "your roles ({}) or token scopes do not include the permission {permission}",
            if principal.roles.is_empty() {
                "none".into()
            } else {
                principal.roles.to_list()
            }
        ))
        .into_response();
    }
    parts.extensions.insert(principal);
    next.run(Request::from_parts(parts, body)).await
}
