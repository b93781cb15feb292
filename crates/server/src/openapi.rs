//! The OpenAPI document at `/api/openapi.json`, generated from the route table (paths,
//! methods, access rules, summaries) and the request types' derived schemas, so it cannot
//! drift from the routes that exist.

use crate::guard::{Access, Surface};
use crate::routes::route_specs;
use axum::http::Method;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, Required,
    ResponseBuilder,
};

fn http_method(method: &Method) -> HttpMethod {
    match *method {
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::DELETE => HttpMethod::Delete,
        Method::PATCH => HttpMethod::Patch,
        _ => HttpMethod::Get,
    }
}

fn rule(access: Access) -> String {
    match access {
        Access::Public => "Public.".into(),
        Access::SignedInBeforeMfa => "Any signed-in session, also before the second factor.".into(),
        Access::SignedIn => {
            "A signed-in session that passed the second factor, or an API token.".into()
        }
        Access::Needs(p) => {
            format!("Needs the permission `{p}` (from the user's roles, within a token's scopes).")
        }
        Access::NeedsOrEmergency(p) => format!(
            "Needs the permission `{p}` (from the user's roles, within a token's scopes), or a live emergency grant on the patient (`break-glass`)."
        ),
    }
}

/// The `{name}` parameters of a path pattern, in order.
fn path_parameters(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

fn parameter_description(name: &str) -> String {
    match name {
        "id" => {
            "The record's id as the API gives it (a patient also by MRN where the summary says so)."
                .into()
        }
        "username" => "The account's username.".into(),
        "system" => "A code system.".into(),
        "action" => "What to do with the deficiency.".into(),
        "code" => "A code of that system, as written (dots optional for ICD-10-CM).".into(),
        other => format!("The `{other}` the path names."),
    }
}

/// What a path parameter may be: the forms the handlers accept, so a value the document
/// allows is never refused as malformed (only as absent, 404).
fn parameter_schema(name: &str) -> Object {
    let text = ObjectBuilder::new().schema_type(Type::String);
    match name {
        // Record ids are positive 64-bit integers; 18 digits stay below i64::MAX.
        "id" => text.pattern(Some("^0*[1-9][0-9]{0,17}$")),
        "username" => text.pattern(Some("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")),
        "system" => text.enum_values(Some(["icd10cm", "icd10pcs", "hcpcs", "cvx", "cpt"])),
        "action" => text.enum_values(Some(["assign", "waive", "resolve"])),
        _ => text.min_length(Some(1)),
    }
    .build()
}

/// The API document.
pub fn document() -> OpenApi {
    let mut components = ComponentsBuilder::new()
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::SESSION_COOKIE))),
        )
        .security_scheme(
            "token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    let mut paths = PathsBuilder::new();
    for spec in route_specs()
        .into_iter()
        .filter(|spec| spec.surface == Surface::Api)
    {
        let mut operation = OperationBuilder::new()
            .summary(Some(spec.summary))
            .description(Some(format!(
                "{}{}",
                rule(spec.access),
                if spec.patient_data {
                    " Returns patient data; every response is audited."
                } else {
                    ""
                }
            )))
            .response(
                if spec.creates { "201" } else { "200" },
                ResponseBuilder::new().description(if spec.creates { "created" } else { "done" }),
            )
            .response(
                "422",
                ResponseBuilder::new().description("bad input: `field` and `reason`"),
            );
        operation = operation.response(
            "401",
            ResponseBuilder::new().description(if spec.access == Access::Public {
                "the credentials are wrong or the account cannot sign in now"
            } else {
                "not signed in"
            }),
        );
        if spec.access != Access::Public {
            operation = operation
                .security(SecurityRequirement::new("session", Vec::<String>::new()))
                .security(SecurityRequirement::new("token", Vec::<String>::new()))
                .response(
                    "403",
                    ResponseBuilder::new().description("the roles lack the permission"),
                );
        }
        if spec.method != Method::GET {
            operation = operation.response(
                "409",
                ResponseBuilder::new().description(
                    "the request conflicts with the record's current state (`error` says how)",
                ),
            );
        }
        let parameters = path_parameters(spec.path);
        // A body may name records too (a deficiency, a patient), which may not exist.
        if !parameters.is_empty() || spec.body.is_some() {
            operation = operation.response(
                "404",
                ResponseBuilder::new().description("nothing on file answers to the path"),
            );
        }
        for name in parameters {
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .description(Some(parameter_description(name)))
                    .schema(Some(parameter_schema(name))),
            );
        }
        if let Some(schema) = spec.body {
            let (name, schema) = schema();
            components = components.schema(name.clone(), schema);
            operation = operation.request_body(Some(
                RequestBodyBuilder::new()
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name(name)))
                            .build(),
                    )
                    .required(Some(Required::True))
                    .build(),
            ));
        }
        paths = paths.path(
            spec.path,
            PathItem::new(http_method(&spec.method), operation),
        );
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Chartroom API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("The records department's JSON API. Every response carries Cache-Control: no-store.")),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build()
}
