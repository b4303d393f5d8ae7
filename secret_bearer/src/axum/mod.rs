//! axum integration (feature `axum`): [`Authenticated`](crate::Authenticated) and
//! [`Caller`](crate::Caller) as extractors, and a refusal ([`AuthError`]) as a response. The
//! first is what `#[secret_bearer]` gives an axum handler, so the attribute protects axum
//! handlers as it protects actix-web's: the check runs before any other extractor, the body is
//! never read before it, and its 401 wins over every other extractor's rejection.
//!
//! - The bearer of a plain guard (`Authenticated<T>`, with no named bearer) is found in the
//!   request's extensions: `.layer(Extension(bearer))`. Secrets in a secret manager are read
//!   through the installed [`SecretStore`](crate::SecretStore), or a router's own, in the
//!   request's extensions (`.layer(Extension(store))`).
//! - A plain guard (`_: Authenticated`) checks the request when axum extracts it: axum runs a
//!   handler's extractors one after another, in order, so put it first. The attribute does
//!   that for you, for every parameter.
//! - The check marks every `Authorization` value of the request sensitive before it runs: the
//!   extractors after it and the handler (a `Request` or `HeaderMap` it prints with `{:?}`)
//!   see `Sensitive` in place of the credential. The extractors before it see the header as it
//!   came, one more reason to put the guard first.
//! - [`Caller`](crate::Caller) names the caller the check accepted: the attribute's, a guard's
//!   before it, or the tower layer's ([`SecretBearerLayer`](crate::tower::SecretBearerLayer)).
//!   Where no check ran, it answers 500 and logs why.
//! - The attribute checks each parameter as `#[axum::debug_handler]` does, at the parameter:
//!   that it is an extractor with the handler's state, and that only the last one reads the body
//!   (`Json` before `Caller` is an error naming `Json`). `debug_handler` itself goes below
//!   `#[secret_bearer]`, where it checks the handler the attribute wrote; above, it checks the
//!   handler as written, whose parameters the attribute then replaces, and reports the wrong
//!   number of arguments.
//!
//! ```
//! use axum::{Json, Router, routing::post};
//! use secret_bearer::{Caller, secret_bearer};
//!
//! #[secret_bearer(env = "MY_AUTH_SECRET", prefix = "Bearer ")]
//! async fn create(caller: Caller, Json(widget): Json<serde_json::Value>) -> String {
//!     format!("{} created {widget}", caller.name())
//! }
//!
//! let app: Router = Router::new().route("/widgets", post(create));
//! # let _ = app;
//! ```

mod caller;
mod extractor;

use axum_core::body::Body;
use axum_core::response::{IntoResponse, Response};

use crate::rejection::AuthError;

/// A refusal as axum answers it: a 401 (or 500) with clearskies' body and the challenge, as on
/// actix-web.
impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        crate::tower::http_response(&self, Body::from)
    }
}
