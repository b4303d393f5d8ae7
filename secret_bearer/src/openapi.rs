//! OpenAPI 3 documentation of protected operations, for [utoipa] documents (feature `openapi`).
//!
//! Each protected operation gets a security requirement naming the configuration's scheme
//! ([`SecretBearer::doc_name`], `ApiKey` by default), and a 401 response with clearskies' body
//! as its example; the document gets the scheme: `http`/`bearer` when the prefix is `Bearer `
//! (any case), otherwise an `apiKey` in the `Authorization` header, as clearskies documents it.
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
//! # Ok::<(), secret_bearer::openapi::DocError>(())
//! ```
//!
//! [utoipa]: https://docs.rs/utoipa

use std::fmt;

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Components, ContentBuilder, OpenApi, PathItem, RefOr, ResponseBuilder};

use crate::bearer::SecretBearer;
use crate::rejection::UNAUTHENTICATED_BODY;

/// What `#[secret_bearer]` records of a handler for [`document_handlers`].
#[doc(hidden)]
pub struct DocumentedHandler {
    pub operation_id: &'static str,
    /// The handler's bearer: its own, or the named bearer it names.
    pub bearer: fn() -> Result<&'static SecretBearer, crate::Error>,
}

inventory::collect!(DocumentedHandler);

/// Why a document could not be completed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DocError {
    /// Two configurations that would document differently share a scheme name (or the
    /// document already holds another scheme of that name). Give one of them its own `doc`.
    ConflictingScheme {
        /// The scheme name.
        name: String,
    },
}

impl fmt::Display for DocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ConflictingScheme { name } => write!(
                f,
                "two different configurations are documented as the security scheme `{name}`; \
                 give one of them another `doc` name"
            ),
        }
    }
}

impl std::error::Error for DocError {}

/// Documents every `#[secret_bearer]` handler (with a `doc` name) whose operation is in
/// `openapi`, matched by operation id: the handler's function name, utoipa's default (a handler
/// given another `operation_id` is not matched; a `debug` event names each handler left out).
/// Returns how many operations it documented.
///
/// Handlers in the document that share a scheme name must agree on what it is; otherwise the
/// document is left unchanged and the conflict returned. Two handlers of the same function name
/// (in different modules) both match an operation of that id: give such operations distinct
/// names.
pub fn document_handlers(openapi: &mut OpenApi) -> Result<usize, DocError> {
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
    pub fn document_paths(
        &self,
        openapi: &mut OpenApi,
        path_prefix: &str,
    ) -> Result<usize, DocError> {
        let Some(name) = self.doc_name() else {
            return Ok(0);
        };
        secure(openapi, name, self.prefix(), |path, _| {
            path.starts_with(path_prefix)
        })
    }

    /// Documents the operation of this id, protected by this bearer through the
    /// [`Authenticated`](crate::Authenticated) extractor. Returns how many operations it
    /// documented (0 when the id is not in the document, or the `doc` name is `""`).
    pub fn document_operation(
        &self,
        openapi: &mut OpenApi,
        operation_id: &str,
    ) -> Result<usize, DocError> {
        let Some(name) = self.doc_name() else {
            return Ok(0);
        };
        secure(openapi, name, self.prefix(), |_, operation| {
            operation.operation_id.as_deref() == Some(operation_id)
        })
    }
}

/// Adds the scheme (once) and, on every selected operation, the requirement and the 401.
/// Changes nothing when it returns an error.
fn secure(
    openapi: &mut OpenApi,
    name: &str,
    prefix: &str,
    selected: impl Fn(&str, &Operation) -> bool,
) -> Result<usize, DocError> {
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
        return Err(DocError::ConflictingScheme {
            name: name.to_owned(),
        });
    }
    schemes.insert(name.to_owned(), scheme);
    for operation in &mut operations {
        let requirement = SecurityRequirement::new(name, Vec::<String>::new());
        let security = operation.security.get_or_insert_with(Vec::new);
        if !security.contains(&requirement) {
            security.push(requirement);
        }
        operation
            .responses
            .responses
            .entry("401".to_owned())
            .or_insert_with(unauthorized);
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

fn unauthorized() -> RefOr<utoipa::openapi::Response> {
    let example = serde_json::from_str(UNAUTHENTICATED_BODY).ok();
    let content = ContentBuilder::new().example(example).build();
    RefOr::T(
        ResponseBuilder::new()
            .description("Not Authenticated")
            .content("application/json", content)
            .build(),
    )
}
