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
            .response("200", ResponseBuilder::new().description("done"))
            .response(
                "422",
                ResponseBuilder::new().description("bad input: `field` and `reason`"),
            );
        if spec.access != Access::Public {
            operation = operation
                .security(SecurityRequirement::new("session", Vec::<String>::new()))
                .security(SecurityRequirement::new("token", Vec::<String>::new()))
                .response("401", ResponseBuilder::new().description("not signed in"))
                .response(
                    "403",
                    ResponseBuilder::new().description("the roles lack the permission"),
                );
        }
        for name in ["id", "username"] {
            if spec.path.contains(&format!("{{{name}}}")) {
                operation = operation.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True),
                );
            }
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
