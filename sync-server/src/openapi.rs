//! The OpenAPI document: generated from the handlers' annotations, then completed once, here,
//! with every status the shared layers can answer on each route (401 from the admission gate,
//! 413 from the body cap, 429 and 503 from the limits, …), so that handlers list only what is
//! their own and the document still tells the whole truth.

use tallschool_shared::ErrorBody;
use tallschool_shared::policy::PUBLIC_ROUTES;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, PartialSchema, ToSchema};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "TallSchool API", description = "Sync server: auth, directory, PII vault, sync, learning, media."),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// What the layers in front of every handler may answer, and when.
struct Layered {
    status: &'static str,
    description: &'static str,
    applies: fn(&RouteShape) -> bool,
}

struct RouteShape {
    needs_token: bool,
    has_path_params: bool,
    has_query: bool,
    has_body: bool,
}

const LAYERED: &[Layered] = &[
    Layered { status: "400", description: "malformed body or query", applies: |r| r.has_body || r.has_query },
    Layered {
        status: "401",
        description: "no valid access token, or the password must be confirmed again (reauth_required)",
        applies: |r| r.needs_token,
    },
    Layered {
        status: "403",
        description: "not allowed, or the account must first replace its one-time password (password_change_required)",
        applies: |r| r.needs_token,
    },
    Layered {
        status: "404",
        description: "no such thing, or not visible to the caller",
        applies: |r| r.has_path_params,
    },
    Layered { status: "413", description: "the body is larger than this route accepts", applies: |r| r.has_body },
    Layered { status: "415", description: "the body is not of the expected content type", applies: |r| r.has_body },
    Layered {
        status: "422",
        description: "a field is missing, of the wrong type or not acceptable",
        applies: |r| r.has_body,
    },
    Layered { status: "429", description: "too many requests or failures; see Retry-After", applies: |_| true },
    Layered {
        status: "503",
        description: "the server is busy or a dependency is unavailable; see Retry-After",
        applies: |_| true,
    },
];

/// Add the layers' statuses to every operation that lacks them.
pub fn complete(openapi: &mut OpenApi) {
    let components = openapi.components.get_or_insert_with(Default::default);
    components.schemas.entry(ErrorBody::name().into_owned()).or_insert_with(ErrorBody::schema);
    for (path, item) in openapi.paths.paths.iter_mut() {
        let operations = [
            ("GET", &mut item.get),
            ("PUT", &mut item.put),
            ("POST", &mut item.post),
            ("DELETE", &mut item.delete),
            ("PATCH", &mut item.patch),
            ("HEAD", &mut item.head),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation.as_mut() {
                add_layered(path, method, operation);
            }
        }
    }
}

fn add_layered(path: &str, method: &str, operation: &mut Operation) {
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let shape = RouteShape {
        needs_token: !PUBLIC_ROUTES.iter().any(|(m, p)| *m == method && *p == path),
        has_path_params: path.contains('{'),
        has_query: parameters.iter().any(|p| p.parameter_in == ParameterIn::Query),
        has_body: operation.request_body.is_some(),
    };
    for layered in LAYERED.iter().filter(|l| (l.applies)(&shape)) {
        operation
            .responses
            .responses
            .entry(layered.status.to_owned())
            .or_insert_with(|| error_response(layered.description));
    }
}

fn error_response(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name(ErrorBody::name()))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
}
