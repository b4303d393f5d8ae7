//! tower integration (feature `tower`): [`SecretBearerLayer`], which checks every request before
//! the service it wraps sees it, for any tower `Service` of `http` requests: an axum `Router`,
//! a tonic server, a hyper service.
//!
//! - An accepted request reaches the inner service with its [`Caller`](crate::Caller) in its
//!   extensions (axum's `Caller` extractor reads it there).
//! - A refused HTTP request is answered by the layer: a 401 (or a 500 when authentication is
//!   misconfigured) with clearskies' JSON body and the same `WWW-Authenticate` challenge as on
//!   actix-web. The inner service never sees it, and nothing reads its body.
//! - A refused gRPC call (HTTP/2 or later, with `content-type: application/grpc` or
//!   `application/grpc+…`) is answered as gRPC clients expect, as tonic's own interceptors
//!   answer: HTTP 200 with `grpc-status` 16 (`UNAUTHENTICATED`), 7 (`PERMISSION_DENIED`) for a
//!   caller without a required scope, or 13 (`INTERNAL`) for a misconfiguration, and no body. Nothing else is: a request over HTTP/1.x or a gRPC-web one
//!   (`application/grpc-web…`) gets the 401 (or 403, or 500) above, whatever its content type, so a
//!   plain HTTP route's refusal is never a `200 OK` that status monitoring, firewalls and caches
//!   would miss. gRPC-web and HTTP/1.1 clients read the 401 as `UNAUTHENTICATED` (gRPC's
//!   mapping of HTTP statuses), and no gRPC call is HTTP/1.x.
//! - Every `Authorization` value of a request is marked sensitive (`HeaderValue::
//!   set_sensitive`) before the check: what the layer wraps (an axum handler's `Request` or
//!   `HeaderMap`, an inner service or middleware that logs `?request`) prints `Sensitive` in
//!   place of the credential, and a request forwarded over HTTP/2 (by a proxy) keeps it out of
//!   the header compression's tables. A refusal never shows the credential, and a refused
//!   request goes no further. Layers outside this one see the request before it: they are
//!   yours to keep from printing it.
//! - A bearer whose secrets live in a secret manager reads them through the installed
//!   [`SecretStore`] (or one in the request's extensions, put there by a layer outside this one,
//!   such as tower-http's `AddExtensionLayer`); without one, its requests fail closed with a 500
//!   that logs [`ErrorKind::NoSecretStore`](crate::ErrorKind::NoSecretStore).
//!
//! The service's future is `Send` (axum and tonic require it), whatever the bearer reads.
//!
//! ```
//! use axum::{Router, routing::get};
//! use secret_bearer::SecretBearer;
//! use secret_bearer::tower::SecretBearerLayer;
//!
//! let bearer = SecretBearer::builder().env("MY_AUTH_SECRET").prefix("Bearer ").build()?;
//! let app: Router = Router::new()
//!     .route("/widgets", get(|| async { "[]" }))
//!     // Below the layer: every route above is protected; this one is not.
//!     .layer(SecretBearerLayer::new(bearer))
//!     .route("/health", get(|| async { "ok" }));
//! # let _ = app;
//! # Ok::<(), secret_bearer::Error>(())
//! ```
//!
//! A tonic server is protected the same way, `Server::builder().layer(SecretBearerLayer::new(
//! bearer))` (the `tonic_health` example).
//!
//! # Limits per caller
//!
//! A rate limit is best keyed on who called, as the check verified it: a limiter keyed on the
//! raw token gives a client that rotates random tokens a fresh bucket each time, and hands the
//! token to whatever the limiter logs. With [tower-governor](https://docs.rs/tower_governor),
//! put the layer outside the limiter (added after it) and key the limiter on the [`Caller`] the
//! layer puts in the request: each caller, whichever of its keys it presents, has one bucket,
//! and a refused request (401, 403, 500) reaches no limiter. tower-governor's `tracing` feature
//! adds a required `name` method to `KeyExtractor`, which is why this crate ships the few
//! lines below rather than an implementation that a feature elsewhere in your build could break.
//!
//! ```
//! use axum::{Router, http::Request, routing::get};
//! use secret_bearer::{Caller, SecretBearer, tower::SecretBearerLayer};
//! use tower_governor::{GovernorError, GovernorLayer, governor::GovernorConfigBuilder};
//! use tower_governor::key_extractor::KeyExtractor;
//!
//! /// The name of the caller the check accepted.
//! #[derive(Clone)]
//! struct CallerName;
//!
//! impl KeyExtractor for CallerName {
//!     type Key = String;
//!
//!     fn extract<T>(&self, request: &Request<T>) -> Result<String, GovernorError> {
//!         let caller = request.extensions().get::<Caller>();
//!         caller.map(|caller| caller.name().to_owned()).ok_or(GovernorError::UnableToExtractKey)
//!     }
//! }
//!
//! let limit = GovernorConfigBuilder::default()
//!     .key_extractor(CallerName)
//!     .per_second(6)
//!     .burst_size(20)
//!     .finish()
//!     .unwrap();
//! let bearer = SecretBearer::builder().keys_env("API_KEYS").prefix("Bearer ").build()?;
//! let app: Router = Router::new()
//!     .route("/reports", get(|caller: Caller| async move { caller.name().to_owned() }))
//!     .layer(GovernorLayer::new(limit))
//!     // Added last, so it runs first: the limit sees only verified callers.
//!     .layer(SecretBearerLayer::new(bearer));
//! # let _ = app;
//! # Ok::<(), secret_bearer::Error>(())
//! ```
//!
//! The attribute's check runs inside the handler's own extraction, after every layer, so a
//! limiter layer cannot see its `Caller`: to limit per caller, protect the routes with the
//! layer (naming the same bearer, `WidgetsKey::bearer()?.clone()`) and keep the attribute, or
//! not, on the handlers. `tests/governor.rs` runs this with two callers. Limits are per process:
//! N replicas allow N times the quota.
//!
//! [`SecretStore`]: crate::SecretStore
//! [`Caller`]: crate::Caller

mod layer;
mod response;
mod service;

pub use layer::SecretBearerLayer;
pub use service::{RefusalBody, ResponseFuture, SecretBearerService};

// For the axum adapter, which answers and reads as the layer does.
#[cfg(feature = "axum")]
pub(crate) use response::{authorization, http_response, mark_sensitive};
