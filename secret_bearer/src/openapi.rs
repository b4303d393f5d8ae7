//! OpenAPI 3 documentation of protected operations, for [utoipa] documents (feature `openapi`).
//!
//! Each protected operation gets a security requirement naming the configuration's scheme
//! (the `doc` key, `ApiKey` by default) and the scopes it requires, if any (OpenAPI 3.1 allows
//! scopes for any scheme; a 403 response is documented beside them, clearskies' body and the
//! `insufficient_scope` challenge), and a 401 response as the check sends it:
//! clearskies' body (its schema, which only that body fits, and the body as its example) and the
//! `WWW-Authenticate` challenge (the values the configuration's prefix gives); the document gets
//! the scheme: `http`/`bearer` when the prefix is `Bearer ` (any case), otherwise an `apiKey` in
//! the `Authorization` header, as clearskies documents it. (An actix-web `RejectionHandler`
//! that answers otherwise is not documented: document its answer in the operation's own
//! `responses`, whose 401 is kept.)
//!
//! ```standalone_crate
//! use actix_web::Responder;
//! use secret_bearer::secret_bearer;
//! use utoipa::OpenApi;
//!
//! #[utoipa::path(get, path = "/", responses((status = 200, description = "Hello")))]
//! #[secret_bearer(env = "MY_AUTH_SECRET")]
//! async fn hello() -> impl Responder {
//!     "hello"
//! }
//!
//! #[derive(OpenApi)]
//! #[openapi(paths(hello))]
//! struct ApiDoc;
//!
//! let mut doc = ApiDoc::openapi();
//! secret_bearer::openapi::document_handlers(&mut doc)?;
//! assert!(doc.components.unwrap().security_schemes.contains_key("ApiKey"));
//! # Ok::<(), secret_bearer::Error>(())
//! ```
//!
//! [utoipa]: https://docs.rs/utoipa

use serde_json::Value;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ArrayItems, ObjectBuilder, Schema, Type,
};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    Components, ContentBuilder, OpenApi, PathItem, RefOr, Response, ResponseBuilder,
};

use crate::bearer::SecretBearer;
use crate::error::{Error, ErrorKind};
use crate::rejection::{AuthErrorKind, Challenges, FORBIDDEN_BODY, UNAUTHENTICATED_BODY};

/// What `#[secret_bearer]` records of a handler for [`document_handlers`].
#[doc(hidden)]
pub struct DocumentedHandler {
    pub operation_id: &'static str,
    /// The handler's bearer: its own, or the named bearer it names.
    pub bearer: fn() -> Result<&'static SecretBearer, Error>,
}

inventory::collect!(DocumentedHandler);

/// Documents every `#[secret_bearer]` handler (with a `doc` name) whose operation is in
/// `openapi`, matched by operation id: the handler's function name, utoipa's default (a handler
/// given another `operation_id` is not matched; a `debug` event names each handler left out).
/// Returns how many operations it documented.
///
/// Handlers in the document that share a scheme name must agree on what it is; otherwise the
/// document is left unchanged and the conflict returned. Two handlers of the same function name
/// (in different modules) both match an operation of that id: give such operations distinct
/// names.
pub fn document_handlers(openapi: &mut OpenApi) -> Result<usize, Error> {
    let mut draft = openapi.clone();
    let mut documented = 0;
    for handler in inventory::iter::<DocumentedHandler> {
        // The attribute's keys were checked at compile time, so the bearer builds; were it
        // not to, its handler would answer 500 and is left undocumented.
        let Ok(bearer) = (handler.bearer)() else {
            continue;
        };
        if bearer.doc_name().is_none() {
            continue; // `doc = ""`: undocumented on purpose.
        }
        let matched = bearer.document_operation(&mut draft, handler.operation_id)?;
        if matched == 0 {
            // Not an error: a service may split its handlers over several documents. But a
            // handler renamed in `#[utoipa::path(operation_id = ..)]` lands here too.
            tracing::debug!(
                operation_id = handler.operation_id,
                "secret_bearer: no operation of this id in the document; left undocumented"
            );
        }
        documented += matched;
    }
    *openapi = draft;
    Ok(documented)
}

impl SecretBearer {
    /// Documents the operations this bearer protects as middleware on a scope: those whose path
    /// starts with `path_prefix` (`""` for a whole `App`). Returns how many it documented; none
    /// when the bearer's `doc` name is `""`.
    pub fn document_paths(&self, openapi: &mut OpenApi, path_prefix: &str) -> Result<usize, Error> {
        let Some(name) = self.doc_name() else {
            return Ok(0);
        };
        secure(openapi, self, name, |path, _| path.starts_with(path_prefix))
    }

    /// Documents the operation of this id, protected by this bearer through the
    /// [`Authenticated`](crate::Authenticated) extractor. Returns how many operations it
    /// documented (0 when the id is not in the document, or the `doc` name is `""`).
    pub fn document_operation(
        &self,
        openapi: &mut OpenApi,
        operation_id: &str,
    ) -> Result<usize, Error> {
        let Some(name) = self.doc_name() else {
            return Ok(0);
        };
        secure(openapi, self, name, |_, operation| {
            operation.operation_id.as_deref() == Some(operation_id)
        })
    }
}

/// Adds the scheme (once) and, on every selected operation, the requirement (with the scopes
/// the bearer requires, which OpenAPI 3.1 allows for any scheme), the 401, and where scopes are
/// required, the 403. Changes nothing when it returns an error.
fn secure(
    openapi: &mut OpenApi,
    bearer: &SecretBearer,
    name: &str,
    selected: impl Fn(&str, &Operation) -> bool,
) -> Result<usize, Error> {
    let prefix = bearer.prefix();
    let mut operations: Vec<&mut Operation> = openapi
        .paths
        .paths
        .iter_mut()
        .flat_map(|(path, item)| operations_mut(item).filter(|operation| selected(path, operation)))
        .collect();
    if operations.is_empty() {
        return Ok(0);
    }
    // utoipa 6 lets a document's scheme be a `$ref`; ours is always written out.
    let scheme = RefOr::T(scheme_for(prefix));
    let schemes = &mut openapi
        .components
        .get_or_insert_with(Components::new)
        .security_schemes;
    if schemes
        .get(name)
        .is_some_and(|existing| *existing != scheme)
    {
        return Err(Error::from(ErrorKind::ConflictingScheme {
            name: name.to_owned(),
        }));
    }
    schemes.insert(name.to_owned(), scheme);
    let unauthorized = unauthorized(prefix);
    let (scopes, forbidden) = match bearer.required_scopes() {
        Some((scopes, challenge)) => (scopes, Some(forbidden(challenge))),
        None => (&[][..], None),
    };
    let unscoped = SecurityRequirement::new(name, Vec::<String>::new());
    let requirement = SecurityRequirement::new(name, scopes.iter().map(|scope| &**scope));
    for operation in &mut operations {
        let security = operation.security.get_or_insert_with(Vec::new);
        // Requirements are alternatives: a scheme's requirement without scopes (a middleware's,
        // documented first) would let a reader think none are needed.
        if !scopes.is_empty() {
            security.retain(|held| *held != unscoped);
        }
        if !security.contains(&requirement) {
            security.push(requirement.clone());
        }
        let responses = &mut operation.responses.responses;
        responses
            .entry("401".to_owned())
            .or_insert_with(|| unauthorized.clone());
        if let Some(forbidden) = &forbidden {
            responses
                .entry("403".to_owned())
                .or_insert_with(|| forbidden.clone());
        }
    }
    Ok(operations.len())
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn scheme_for(prefix: &str) -> SecurityScheme {
    if prefix.eq_ignore_ascii_case("bearer ") {
        return SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build());
    }
    let description = if prefix.is_empty() {
        "The secret is the whole `Authorization` header value.".to_owned()
    } else {
        format!(
            "The secret follows the prefix `{prefix}` (in any case) in the `Authorization` header."
        )
    };
    SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
        "Authorization".to_owned(),
        description,
    )))
}

/// The 401 the check sends for a configuration of this prefix: clearskies' body, and the
/// challenge, which depends on the prefix and on whether a credential was presented.
fn unauthorized(prefix: &str) -> RefOr<Response> {
    let challenges = Challenges::for_prefix(prefix);
    let mut values: Vec<String> = [
        AuthErrorKind::MissingCredential,
        AuthErrorKind::WrongCredential,
    ]
    .iter()
    .map(|kind| challenges.for_kind(kind).to_string())
    .collect();
    values.dedup();
    refusal(
        "Not Authenticated",
        UNAUTHENTICATED_BODY,
        values,
        "The challenge (RFC 9110 §11.6.1): the scheme, and for `Bearer` a presented but \
         refused credential's `error=\"invalid_token\"` (RFC 6750 §3.1).",
    )
}

/// The 403 a caller without a required scope gets: clearskies' body, and the one challenge the
/// requirement gives.
fn forbidden(challenge: &str) -> RefOr<Response> {
    refusal(
        "Not Authorized: the caller lacks a scope the operation requires",
        FORBIDDEN_BODY,
        vec![challenge.to_owned()],
        "The challenge (RFC 9110 §11.6.1): for `Bearer`, RFC 6750 §3.1's \
         `error=\"insufficient_scope\"` and every scope the operation requires.",
    )
}

/// A refusal as the check sends it: `body` (one of clearskies' bodies, a constant of this
/// crate and valid JSON, which a unit test parses) as its schema and its example, and a
/// `WWW-Authenticate` header that is one of `challenges`.
fn refusal(
    description: &str,
    body: &str,
    challenges: Vec<String>,
    about_challenge: &str,
) -> RefOr<Response> {
    let body: Value = serde_json::from_str(body).unwrap_or_default();
    let content = ContentBuilder::new()
        .schema(Some(exactly(&body)))
        .example(Some(body))
        .build();
    let challenge = HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(challenges)),
        ))
        .description(Some(about_challenge))
        .build();
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content("application/json", content)
            .header("WWW-Authenticate", challenge)
            .build(),
    )
}

/// A schema that `value` and only `value` fits, spelled as a reader of the document expects: an
/// object as its properties, all required and no others; an array as its items and no more; a
/// string, number or boolean as its one allowed value.
fn exactly(value: &Value) -> Schema {
    match value {
        Value::Object(fields) => {
            let mut object = ObjectBuilder::new()
                .schema_type(Type::Object)
                .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
            for (name, field) in fields {
                object = object.property(name, exactly(field)).required(name);
            }
            object.build().into()
        }
        Value::Array(items) => ArrayBuilder::new()
            .prefix_items(items.iter().map(exactly))
            .items(ArrayItems::False)
            .max_items(Some(items.len()))
            .build()
            .into(),
        scalar => {
            let kind = match scalar {
                Value::String(_) => Type::String,
                Value::Number(_) => Type::Number,
                Value::Bool(_) => Type::Boolean,
                _ => Type::Null,
            };
            ObjectBuilder::new()
                .schema_type(kind)
                .enum_values(Some([scalar.clone()]))
                .build()
                .into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn documented_401(prefix: &str) -> Value {
        serde_json::to_value(unauthorized(prefix)).unwrap()
    }

    /// What schemathesis found the document lacking: the 401's body had an example but no
    /// schema, and its `WWW-Authenticate` header was not documented.
    #[test]
    fn the_401_documents_the_body_and_the_challenge_sent() {
        let doc = documented_401("");
        let content = &doc["content"]["application/json"];
        let body: Value = serde_json::from_str(UNAUTHENTICATED_BODY).unwrap();
        assert_eq!(content["example"], body);
        let mut schema = content["schema"].clone();
        // Every field is required, in whatever order `serde_json` keeps an object's keys.
        let mut required: Vec<String> = serde_json::from_value(schema["required"].take()).unwrap();
        required.sort_unstable();
        assert_eq!(
            required,
            ["data", "error", "input_errors", "pagination", "status"]
        );
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "properties": {
                    "status": { "type": "string", "enum": ["client_error"] },
                    "error": { "type": "string", "enum": ["Not Authenticated"] },
                    "data": { "type": "array", "items": false, "maxItems": 0 },
                    "pagination": {
                        "type": "object", "additionalProperties": false
                    },
                    "input_errors": {
                        "type": "object", "additionalProperties": false
                    }
                },
                "required": null,
                "additionalProperties": false
            })
        );
        assert_eq!(
            doc["headers"]["WWW-Authenticate"]["schema"],
            json!({ "type": "string", "enum": ["ApiKey"] })
        );
        assert_eq!(doc["description"], "Not Authenticated");
    }

    #[test]
    fn the_401_challenge_follows_the_prefix() {
        let challenge = |prefix| {
            documented_401(prefix)["headers"]["WWW-Authenticate"]["schema"]["enum"].clone()
        };
        assert_eq!(
            challenge("Bearer "),
            json!(["Bearer", r#"Bearer error="invalid_token""#])
        );
        assert_eq!(challenge("secret-token "), json!(["secret-token"]));
        assert_eq!(challenge("key="), json!(["ApiKey"]));
    }

    #[test]
    fn scopes_are_listed_in_the_requirement_and_the_403_documented() {
        use utoipa::openapi::path::OperationBuilder;
        use utoipa::openapi::{HttpMethod, PathItem, PathsBuilder};
        let operation = OperationBuilder::new().operation_id(Some("admin")).build();
        let paths = PathsBuilder::new().path(
            "/admin",
            PathItem::from_http_methods([HttpMethod::Get], operation),
        );
        let mut doc = utoipa::openapi::OpenApiBuilder::new().paths(paths).build();
        let bearer = SecretBearer::builder()
            .keys_env("K")
            .prefix("Bearer ")
            .build()
            .unwrap();
        // A middleware's requirement first, then the handler's with scopes, which replaces it.
        assert_eq!(bearer.document_paths(&mut doc, "/").unwrap(), 1);
        let scoped = bearer.requiring("admin audit").unwrap();
        assert_eq!(scoped.document_operation(&mut doc, "admin").unwrap(), 1);
        let doc = serde_json::to_value(&doc).unwrap();
        let operation = &doc["paths"]["/admin"]["get"];
        assert_eq!(
            operation["security"],
            json!([{ "ApiKey": ["admin", "audit"] }])
        );
        let forbidden = &operation["responses"]["403"];
        assert_eq!(
            forbidden["content"]["application/json"]["example"]["error"],
            "Not Authorized"
        );
        assert_eq!(
            forbidden["headers"]["WWW-Authenticate"]["schema"]["enum"],
            json!([r#"Bearer error="insufficient_scope", scope="admin audit""#])
        );
        assert!(operation["responses"]["401"].is_object());
    }

    #[test]
    fn exactly_spells_out_scalars_and_nested_values() {
        let schema = |value: Value| serde_json::to_value(exactly(&value)).unwrap();
        assert_eq!(schema(json!(3)), json!({ "type": "number", "enum": [3] }));
        assert_eq!(
            schema(json!(true)),
            json!({ "type": "boolean", "enum": [true] })
        );
        assert_eq!(
            schema(json!(null)),
            json!({ "type": "null", "enum": [null] })
        );
        assert_eq!(
            schema(json!(["a"])),
            json!({
                "type": "array",
                "prefixItems": [{ "type": "string", "enum": ["a"] }],
                "items": false,
                "maxItems": 1
            })
        );
    }
}
