//! Outgoing requests: the `Authorization` header a [`SecretBearer`] sends, attached to the
//! requests of common HTTP clients, and sending a request once more after a 401 when the
//! secret read again differs.
//!
//! Each client is a cargo feature, so an application compiles only the one it uses:
//!
//! | feature | requests [`Authorize`] accepts | sending, once more after a 401 when the secret changed |
//! | --- | --- | --- |
// The links resolve only where the modules exist (docs.rs builds with every feature).
#![cfg_attr(
    feature = "reqwest",
    doc = "| `reqwest` | `reqwest::RequestBuilder` | [`reqwest::send`] |"
)]
#![cfg_attr(
    not(feature = "reqwest"),
    doc = "| `reqwest` | `reqwest::RequestBuilder` | `reqwest::send` |"
)]
#![cfg_attr(
    feature = "awc",
    doc = "| `awc` | `awc::ClientRequest` | [`awc::send`] |"
)]
#![cfg_attr(
    not(feature = "awc"),
    doc = "| `awc` | `awc::ClientRequest` | `awc::send` |"
)]
//! | `http` | `http::request::Builder`, `http::HeaderMap`, `&mut http::HeaderMap` | |
//!
//! A whole client, every request it sends, is authorized by a middleware instead: for reqwest,
//! `reqwest_middleware::SecretBearerClientMiddleware` (feature `reqwest-middleware`), which sends
//! once more after a 401 as `reqwest::send` does; for hyper, tonic and any tower client,
//! `tower::SecretBearerClientLayer` (feature `tower`), which never sends a request twice but
//! reads the secret again after a 401 for the next one. Choose the middleware when every
//! request of a client goes to the protected API, as clearskies' `ApiBackend` does; the
//! attribute on a function or trait method when only some requests do, or a client sends
//! different keys to different APIs. The attribute and [`Authorize`] only attach the header:
//! they send nothing again.
//!
//! # What crosses the network, to whom, and what is never sent again
//!
//! - What: `Authorization: <prefix><primary secret>`. The alternate secret, which only widens
//!   what a server accepts during a rotation, is never sent. The header replaces any
//!   `Authorization` already set (it is never doubled) and is marked sensitive, so clients that
//!   log headers, and HTTP/2's header compression, leave it out.
//! - To whom: the origin the request names. A redirect to another origin (scheme, host or
//!   port) does not carry it, in reqwest (`send` and the middleware) and awc alike; the tower
//!   layer follows no redirect (its module docs say what to do with a service that does).
//! - Never again: after a 401 the secret is read again, and the request is sent once more only
//!   if the secret differs from the one refused: an unchanged secret (the same environment
//!   variable, a store not rotated) could only be refused again, so the 401 is the answer at
//!   once. A request is sent again at most once, a body that streams never, and never after a
//!   403: the server knew who called, and another secret would not change its mind.
//!
//! An environment variable is read afresh for every request, so a client follows a secret
//! changed in its environment from its next request. A secret in a secret manager is read
//! through the installed [`SecretStore`]'s cache ([`SecretStore::install`]), the same for every
//! call, middleware, layer and `#[secret_bearer]` client function of the process.

#![cfg_attr(
    feature = "http",
    doc = r#"
With the `http` feature:

```
use secret_bearer::SecretBearer;
use secret_bearer::client::Authorize;

# // SAFETY: a doc test with no other thread.
# unsafe { std::env::set_var("MY_SECRET", "SUPERSECRET") };
let bearer = SecretBearer::builder().env("MY_SECRET").prefix("Bearer ").build()?;
let request = http::Request::builder()
    .uri("https://api.example.com/widgets")
    .header("authorization", "something else")
    .authorize(&bearer.authorization()?)
    .body(())
    .expect("a valid request");
assert_eq!(request.headers().get_all("authorization").iter().count(), 1);
assert!(request.headers()["authorization"].is_sensitive());
# Ok::<(), secret_bearer::Error>(())
```
"#
)]

mod authorization;
#[cfg(feature = "http")]
mod http;
mod send_error;

#[cfg(feature = "awc")]
#[cfg_attr(docsrs, doc(cfg(feature = "awc")))]
pub mod awc;
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod reqwest;
#[cfg(feature = "reqwest-middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
pub mod reqwest_middleware;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;

pub use authorization::{Authorization, Authorize};
pub use send_error::SendError;

#[cfg(doc)]
use crate::{bearer::SecretBearer, store::SecretStore};
