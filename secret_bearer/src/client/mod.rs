//! Outgoing requests: `Authorization: <prefix><primary secret>` on the requests a client sends
//! to a protected API, and, after a 401, the secret read again.
//!
//! One way for each kind of client, each behind the cargo feature of its crate:
//!
//! | what sends | how it is authorized | after a 401 |
//! | --- | --- | --- |
// The links resolve only where the modules exist (docs.rs builds with every feature).
#![cfg_attr(
    feature = "reqwest-middleware",
    doc = "| every request of a reqwest client | [`SecretBearerClientMiddleware`] (feature `reqwest-middleware`) | sent once more, if the secret read again differs |"
)]
#![cfg_attr(
    not(feature = "reqwest-middleware"),
    doc = "| every request of a reqwest client | `SecretBearerClientMiddleware` (feature `reqwest-middleware`) | sent once more, if the secret read again differs |"
)]
#![cfg_attr(
    feature = "tower",
    doc = "| every request of a tower client (hyper, tonic) | [`SecretBearerClientLayer`] (feature `tower`) | the next request carries the secret read again |"
)]
#![cfg_attr(
    not(feature = "tower"),
    doc = "| every request of a tower client (hyper, tonic) | `SecretBearerClientLayer` (feature `tower`) | the next request carries the secret read again |"
)]
#![cfg_attr(
    feature = "awc",
    doc = "| an awc request | [`awc::send`] (feature `awc`) | sent once more, if the secret read again differs |"
)]
#![cfg_attr(
    not(feature = "awc"),
    doc = "| an awc request | `awc::send` (feature `awc`) | sent once more, if the secret read again differs |"
)]
//! | the one function or trait method that sends (reqwest, awc, `http` types) | `#[secret_bearer]` on it, whose request parameter is a `reqwest::RequestBuilder`, an `awc::ClientRequest`, an `http::request::Builder` or a `&mut http::HeaderMap` | the function's own answer |
//!
//! Choose the middleware or layer when every request of a client goes to the protected API, as
//! clearskies' `ApiBackend` does; the attribute when only some do, or a client sends different
//! keys to different APIs. For a client not listed, annotate a function that takes
//! `&mut http::HeaderMap` (feature `http`) and copy the header from it.
//!
//! # What crosses the network, to whom, and what is never sent again
//!
//! - What: `Authorization: <prefix><primary secret>`. The alternate secret, which only widens
//!   what a server accepts during a rotation, is never sent. The header replaces any
//!   `Authorization` already set (it is never doubled) and is marked sensitive, so clients that
//!   log headers, and HTTP/2's header compression, leave it out.
//! - To whom: the origin the request names. A redirect to another origin (scheme, host or
//!   port) does not carry it, in reqwest (the middleware and the attribute) and awc alike; the
//!   tower layer follows no redirect (its docs say what to do with a service that does).
//! - Never again: after a 401 the secret is read again, and the request is sent once more only
//!   if the secret differs from the one refused: an unchanged secret (the same environment
//!   variable, a store not rotated) could only be refused again, so the 401 is the answer at
//!   once. A request is sent again at most once, a body that streams never, and never after a
//!   403: the server knew who called, and another secret would not change its mind.
//!
//! An environment variable is read afresh for every request, so a client follows a secret
//! changed in its environment from its next request. A secret in a secret manager is read
//! through the installed [`SecretStore`]'s cache ([`SecretStore::install`]), the same for every
//! middleware, layer, call and `#[secret_bearer]` client function of the process.

pub(crate) mod authorization;
#[cfg(feature = "http")]
mod http;
#[cfg(feature = "reqwest")]
mod reqwest;
mod send_error;

#[cfg(feature = "awc")]
#[cfg_attr(docsrs, doc(cfg(feature = "awc")))]
pub mod awc;
#[cfg(feature = "reqwest-middleware")]
mod reqwest_middleware;
#[cfg(feature = "tower")]
mod tower;

#[cfg(feature = "reqwest-middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
pub use self::reqwest_middleware::SecretBearerClientMiddleware;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub use self::tower::{SecretBearerClient, SecretBearerClientLayer};
pub use send_error::SendError;

#[cfg(doc)]
use crate::store::SecretStore;
