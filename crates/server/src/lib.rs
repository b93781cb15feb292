//! Chartroom's HTTP server: the JSON API under `/api`, sign-in with sessions, one
//! permission per route, and an audit entry for every look at patient data.
//!
//! - `routes`: the route table (each route declares its access rule once) and `app`,
//!   which builds the router from it and puts the guard in front of every non-public route.
//! - `auth`: sign-in, sign-out, the session cookie and the signed-in `Principal`.
//! - `patients`: chart reads and patient search, filtered by data category and audited;
//!   emergency-access requests.
//! - `amendments`: patients' amendment requests and their decisions.
//! - `notes`: a physician's unsigned notes and signing one as their provider.
//! - `review_api`, `query_api`: chart review's work queue and its actions; physician
//!   queries asked by the department and answered by the physician addressed;
//!   `task_api`: data-collection follow-up tasks (open, contact, assign, close, list);
//!   `metrics_api`: the delinquency figures and their monthly trend.
//! - `mpi_api`: the master patient index's duplicate queue, decisions, merge and unmerge
//!   (`web::mpi` is its pages).
//! - `admin`: user administration and the emergency-access review list; `audit_api`: the
//!   audit report and chain verification.
//! - `mfa`: authenticator enrolment and the second sign-in step (TOTP), required for
//!   administrators and for everyone who enrolled.
//! - `tokens`: API tokens for programs (issue, list, revoke, bearer authentication).
//! - `openapi`: `/api/openapi.json`, generated from the route table and request types.
//! - `serve`: binding, the loopback rule and the runtime.
//!
//! Invariants:
//! - No route serves patient data without a live session whose user's current roles hold
//!   the route's permission; roles and the disabled flag are read on every request, so a
//!   change takes effect at once.
//! - Every API response carries `Cache-Control: no-store`.
//! - A state-changing request that the browser marks as cross-site is refused (`csrf`).
//! - The store is synchronous: every call into it runs on the blocking pool.
//! - Bad input is a 4xx naming the problem; internal failures are a 500 with a generic
//!   message, the details go to standard error.

mod admin;
mod amendments;
mod api_schema;
mod audit_api;
mod auth;
mod body;
mod cases_api;
mod charts_api;
mod claims_api;
mod codes_api;
mod coverage_api;
mod csrf;
mod documents_api;
mod emergency;
mod error;
mod fhir_rest;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod guard;
mod lifecycle_api;
mod metrics_api;
mod mfa;
mod mpi_api;
mod notes;
mod openapi;
mod patients;
mod population;
mod query_api;
mod registration_api;
mod rejection;
mod remittances_api;
mod review_api;
mod review_watch;
mod roi_api;
mod routes;
mod serve;
mod state;
mod surveillance_api;
mod surveillance_watch;
mod task_api;
mod tokens;
mod totp_vault;
mod transcription_api;
mod transcription_watch;
mod web;
mod zone;

pub use auth::{IDLE_HEADER, MfaState, Principal, SESSION_COOKIE, TokenUse};
pub use error::WebError;
pub use guard::{Access, RouteSpec, Surface};
pub use openapi::document as openapi_document;
pub use routes::{app, route_specs};
pub use serve::{ServeConfig, ServeError, TlsFiles, mutual_tls_config, serve_blocking, tls_config};
pub use state::{AppState, ClaimOutbox, ServerConfig};
pub use zone::FacilityZone;
