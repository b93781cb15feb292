//! The route table: every route with its method, path, access rule and whether it serves
//! patient data; `app` builds the router from it, so no route can skip its rule. The
//! rules themselves and the middleware that enforces them live in `guard.rs`.
//!
//! Invariant: a route that serves patient data needs a permission (tested over the whole
//! table).

use crate::error::WebError;
use crate::guard::{Access, Entry, RouteSpec, guard, route};
use crate::patients;
use crate::state::AppState;
use crate::{
    admin, amendments, audit_api, auth, codes_api, mfa, notes, population, registration_api, tokens,
};
use axum::Router;
use axum::http::{HeaderValue, Method, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use privacy::Permission;

fn table() -> Vec<Entry> {
    use Access::*;
    use Method as M;
    use Permission as P;
    let pre_mfa = SignedInBeforeMfa;
    let mut table = vec![
        route(
            M::GET,
            "/api/health",
            Public,
            false,
            "liveness check",
            get(health),
        ),
        route(
            M::GET,
            "/api/openapi.json",
            Public,
            false,
            "this API document",
            get(openapi),
        ),
        route(
            M::POST,
            "/api/login",
            Public,
            false,
            "sign in with username and password",
            post(auth::login),
        )
        .takes::<auth::LoginBody>(),
        route(
            M::POST,
            "/api/logout",
            pre_mfa,
            false,
            "sign out",
            post(auth::logout),
        ),
        route(
            M::GET,
            "/api/me",
            pre_mfa,
            false,
            "the signed-in user, roles, permissions and second-factor state",
            get(auth::me),
        ),
        route(
            M::POST,
            "/api/mfa/enroll",
            pre_mfa,
            false,
            "a new authenticator secret (not stored until confirmed)",
            post(mfa::enroll),
        ),
        route(
            M::POST,
            "/api/mfa/confirm",
            pre_mfa,
            false,
            "store the authenticator once a code from it checks out",
            post(mfa::confirm),
        )
        .takes::<mfa::CodeBody>(),
        route(
            M::POST,
            "/api/mfa/verify",
            pre_mfa,
            false,
            "the second sign-in step: an authenticator code",
            post(mfa::verify),
        )
        .takes::<mfa::CodeBody>(),
        route(
            M::GET,
            "/api/tokens",
            SignedIn,
            false,
            "your API tokens (never the secrets)",
            get(tokens::list),
        ),
        route(
            M::POST,
            "/api/tokens",
            SignedIn,
            false,
            "issue an API token, shown once",
            post(tokens::issue),
        )
        .creates()
        .takes::<tokens::IssueBody>(),
        route(
            M::POST,
            "/api/tokens/{id}/revoke",
            SignedIn,
            false,
            "revoke an API token",
            post(tokens::revoke),
        ),
        route(
            M::POST,
            "/api/codes/search",
            SignedIn,
            false,
            "code typeahead: ranked hits in the release in force on the date of service",
            post(codes_api::search),
        )
        .takes::<codes_api::SearchBody>(),
        route(
            M::POST,
            "/api/codes/validate",
            SignedIn,
            false,
            "validate a code on a date of service (billable, billable children, sex and age edits)",
            post(codes_api::validate),
        )
        .takes::<codes_api::ValidateBody>(),
        route(
            M::POST,
            "/api/codes/encode",
            SignedIn,
            false,
            "encode a diagnostic statement: ICD-10-CM codes with the Index path, Tabular checks and notes applied, open questions with their choices",
            post(codes_api::encode),
        )
        .takes::<codes_api::EncodeBody>(),
        route(
            M::POST,
            "/api/codes/build-pcs",
            SignedIn,
            false,
            "build an ICD-10-PCS code axis by axis from a procedure statement (only values a table row allows)",
            post(codes_api::build_pcs),
        )
        .takes::<codes_api::BuildPcsBody>(),
        route(
            M::POST,
            "/api/codes/edits",
            SignedIn,
            false,
            "coding edits over a list of diagnosis codes, each with its rule and source",
            post(codes_api::edits),
        )
        .takes::<codes_api::EditsBody>(),
        route(
            M::POST,
            "/api/codes/term",
            SignedIn,
            false,
            "terminology helper: abbreviation meanings, the Index term a lay name leads to, word parts",
            post(codes_api::term),
        )
        .takes::<codes_api::TermBody>(),
        route(
            M::GET,
            "/api/encounters/{id}/coding-edits",
            Needs(P::ReadCodes),
            true,
            "a stored encounter's coding edits as its claim carries them: diagnoses (POA and principal rules for a stay) and procedures (validity, sex, duplicates, NCCI pairs, MUEs)",
            get(codes_api::encounter_edits),
        ),
        route(
            M::GET,
            "/api/codes/{system}/{code}",
            SignedIn,
            false,
            "a code's page: hierarchy, instructional notes, release",
            get(codes_api::show),
        ),
        route(
            M::POST,
            "/api/query",
            Needs(P::ReadAggregates),
            true,
            "run a population query (text or a saved query's name); small cells suppressed for aggregate-only roles",
            post(population::run),
        )
        .takes::<population::QueryBody>(),
        route(
            M::POST,
            "/api/patients",
            Needs(P::WriteDemographics),
            false,
            "register a patient: 409 with the patients on file who may be the same person unless confirmed; merge_with queues pairs for a merge review",
            post(registration_api::register),
        )
        .creates()
        .takes::<registration_api::RegisterBody>(),
        route(
            M::POST,
            "/api/patients/search",
            Needs(P::ReadDemographics),
            true,
            "find patients by name parts, MRN or birth date",
            post(patients::search),
        )
        .takes::<patients::SearchBody>(),
        route(
            M::GET,
            "/api/patients/{id}",
            Needs(P::ReadDemographics),
            true,
            "the chart sections your roles may read",
            get(patients::chart),
        ),
        route(
            M::POST,
            "/api/patients/{id}/demographics",
            Needs(P::WriteDemographics),
            false,
            "correct demographics (names the version read; audited with old and new values)",
            post(patients::correct_demographics),
        )
        .takes::<patients::DemographicsBody>(),
        route(
            M::POST,
            "/api/patients/{id}/amendments",
            Needs(P::ManageAmendments),
            false,
            "record a patient's amendment request",
            post(amendments::request),
        )
        .creates()
        .takes::<amendments::RequestBody>(),
        route(
            M::GET,
            "/api/patients/{id}/amendments",
            Needs(P::ManageAmendments),
            true,
            "a patient's amendment requests and their decisions",
            get(amendments::list),
        ),
        route(
            M::POST,
            "/api/amendments/{id}/decision",
            Needs(P::ManageAmendments),
            false,
            "accept (naming the changed record) or deny (with a reason) an amendment request",
            post(amendments::decide),
        )
        .takes::<amendments::DecisionBody>(),
        route(
            M::GET,
            "/api/notes/unsigned",
            Needs(P::SignNotes),
            true,
            "notes waiting for your signature (as author, or attending of their encounter)",
            get(notes::unsigned),
        ),
        route(
            M::POST,
            "/api/notes/{id}/sign",
            Needs(P::SignNotes),
            false,
            "sign a note as the provider your account is linked to (names the version read)",
            post(notes::sign_api),
        )
        .takes::<notes::SignBody>(),
        route(
            M::POST,
            "/api/patients/{id}/break-glass",
            Needs(P::BreakGlass),
            false,
            "time-limited emergency read access, with a reason",
            post(patients::break_glass),
        )
        .creates()
        .takes::<patients::BreakGlassBody>(),
        route(
            M::POST,
            "/api/break-glass/review",
            Needs(P::ReviewBreakGlass),
            false,
            "emergency accesses waiting for review (by age) and reviewed",
            post(admin::review),
        )
        .takes::<admin::ReviewBody>(),
        route(
            M::POST,
            "/api/break-glass/{id}/reviewed",
            Needs(P::ReviewBreakGlass),
            false,
            "mark an emergency access reviewed, with a note",
            post(admin::reviewed),
        )
        .takes::<admin::ReviewedBody>(),
        route(
            M::POST,
            "/api/audit/search",
            Needs(P::ReadAudit),
            false,
            "audit entries by patient, user, time and action",
            post(audit_api::search),
        )
        .takes::<audit_api::AuditQuery>(),
        route(
            M::POST,
            "/api/audit/verify",
            Needs(P::ReadAudit),
            false,
            "check the audit chain and head",
            post(audit_api::verify),
        ),
        route(
            M::GET,
            "/api/users",
            Needs(P::ManageUsers),
            false,
            "every account",
            get(admin::list),
        ),
        route(
            M::POST,
            "/api/users",
            Needs(P::ManageUsers),
            false,
            "create an account",
            post(admin::create),
        )
        .creates()
        .takes::<admin::NewUserBody>(),
        route(
            M::POST,
            "/api/users/{username}/roles",
            Needs(P::ManageUsers),
            false,
            "replace an account's roles",
            post(admin::set_roles),
        )
        .takes::<admin::RolesBody>(),
        route(
            M::POST,
            "/api/users/{username}/password",
            Needs(P::ManageUsers),
            false,
            "set a new password; the account's sessions end and its tokens are revoked",
            post(admin::reset_password),
        )
        .takes::<admin::PasswordBody>(),
        route(
            M::POST,
            "/api/users/{username}/disable",
            Needs(P::ManageUsers),
            false,
            "disable an account at once",
            post(admin::disable),
        ),
        route(
            M::POST,
            "/api/users/{username}/enable",
            Needs(P::ManageUsers),
            false,
            "enable an account",
            post(admin::enable),
        ),
    ];
    table.extend(crate::web::routes());
    table.extend(crate::fhir_rest::routes());
    table.extend(crate::review_api::routes());
    table.extend(crate::roi_api::routes());
    table.extend(crate::documents_api::routes());
    table.extend(crate::web::documents::routes());
    table.extend(crate::transcription_api::routes());
    table.extend(crate::web::transcription::routes());
    table.extend(crate::query_api::routes());
    table.extend(crate::task_api::routes());
    table.extend(crate::metrics_api::routes());
    table.extend(crate::web::review::routes());
    table.extend(crate::claims_api::routes());
    table.extend(crate::remittances_api::routes());
    table.extend(crate::web::claims::routes());
    table.extend(crate::mpi_api::routes());
    table.extend(crate::web::mpi::routes());
    table.extend(crate::surveillance_api::routes());
    table.extend(crate::coverage_api::routes());
    table.extend(crate::web::surveillance::routes());
    table.extend(crate::cases_api::routes());
    table.extend(crate::web::cases::routes());
    table.extend(crate::charts_api::routes());
    table.extend(crate::web::charts::routes());
    table.extend(crate::lifecycle_api::routes());
    table.extend(crate::web::lifecycle::routes());
    table
}

/// Every route's rule (for tests and documentation).
pub fn route_specs() -> Vec<RouteSpec> {
    table().into_iter().map(|Entry(spec, _)| spec).collect()
}

/// The application: every route from the table, guarded by its rule.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new();
    for Entry(spec, handler) in table() {
        let handler = match spec.access {
            Access::Public => handler,
            access => handler.layer(middleware::from_fn_with_state(
                (state.clone(), access, spec.clone()),
                guard,
            )),
        };
        router = router.route(spec.path, handler);
    }
    let https = state.config.secure_cookies;
    let router = router
        .fallback(no_route)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::csrf::refuse_cross_site,
        ))
        .layer(middleware::from_fn(crate::fhir_rest::outcomes_only))
        .layer(middleware::map_response(no_store));
    // HSTS only means something on HTTPS (browsers ignore it over plain HTTP), and sent
    // there it would pin a development host to HTTPS for a year.
    let router = if https {
        router.layer(middleware::map_response(strict_transport))
    } else {
        router
    };
    router.with_state(state)
}

/// Over HTTPS: browsers must never come back over plain HTTP (a year, renewed with every
/// response), so a network attacker cannot strip TLS from a later visit.
async fn strict_transport(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    );
    response
}

/// No route matched: each surface says so in its own form.
async fn no_route(method: Method, uri: axum::http::Uri) -> Response {
    let path = uri.path();
    if crate::fhir_rest::is_fhir_path(path) {
        crate::fhir_rest::no_route(&method, path)
    } else if path == "/api" || path.starts_with("/api/") {
        WebError::NotFound("no such page".into()).into_response()
    } else {
        crate::web::not_found_page(path)
    }
}

async fn health() -> &'static str {
    "ok"
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(crate::openapi::document())
}

/// Nothing the API answers may be kept by a browser or proxy.
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
