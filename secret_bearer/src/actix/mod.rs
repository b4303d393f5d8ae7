//! actix-web integration (feature `actix`): [`Authenticated`](crate::Authenticated)
//! and [`Caller`](crate::Caller) as extractors (the first is what `#[secret_bearer]` generates),
//! the middleware that [`SecretBearer`] is, for a whole `App` or `Scope`, and the
//! [`RejectionHandler`] that replaces the response to refused requests.
//!
//! A plain guard's bearer is found in the app data (`App::app_data`), registered as itself or
//! as `web::Data`. Secrets in a secret manager are read through the installed
//! [`SecretStore`](crate::SecretStore), or an app's own, found in its app data the same way.
//!
//! # What is never shown
//!
//! No refusal shows the credential, and no log event of the check names it. Beyond that:
//!
//! - The middleware marks every `Authorization` value of the request sensitive
//!   (`HeaderValue::set_sensitive`) before its check: a middleware inside it that prints the
//!   `ServiceRequest` (whose `Debug` shows every header), a handler that prints
//!   `req.headers()`, and a [`RejectionHandler`] all see `Sensitive` in place of the
//!   credential. Middleware outside it saw the request first: keep it from printing headers.
//! - The extractor (and so the attribute) cannot mark it: actix-web gives extractors the
//!   request read-only (`&HttpRequest`, with no mutable access to its headers). actix-web's
//!   `HttpRequest` hides `Authorization` in its own `Debug` (`*redacted*`), but a handler that
//!   prints `req.headers()` shows it; where handlers or their middleware print headers, protect
//!   them with the middleware, which marks it.
//!
//! # Limits per caller
//!
//! A rate limit is best keyed on who called, as the check verified it, not on the raw token (a
//! client rotating random tokens would get a fresh bucket each time). The middleware puts the
//! request's [`Caller`](crate::Caller) in its extensions before the services it wraps run: a
//! limiting middleware registered *before* `wrap(bearer)` on the same `App`, `Scope` or
//! `Resource` (actix-web runs the last registered first) reads it with
//! `req.extensions().get::<Caller>()` and keys its buckets on `caller.name()`; a refused
//! request (401, 403, 500) never reaches it. This crate has no dependency on actix-governor,
//! not even a test one: it is GPL-3.0. The attribute's check runs inside the handler's
//! extraction, after every middleware, so to limit per caller, protect the scope with the
//! middleware (naming the same bearer: `WidgetsKey::bearer()?.clone()`). The `tower` module
//! shows the same with tower-governor. Limits are per process: N replicas allow N times the
//! quota.

mod caller;
mod extractor;
mod middleware;
mod response;

pub use caller::CallerFuture;
pub use extractor::AuthenticatedFuture;
pub use middleware::{MiddlewareFuture, SecretBearerMiddleware};
pub use response::RejectionHandler;

use actix_web::error::InternalError;
use actix_web::http::header::{AUTHORIZATION, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, ResponseError, web};
use futures_util::FutureExt;
use futures_util::future::{LocalBoxFuture, Shared, WeakShared};

use crate::bearer::SecretBearer;
use crate::error::Error;
use crate::rejection::AuthError;

/// The check, with a refusal as actix-web's error, which carries the response to send (the
/// [`RejectionHandler`]'s, or the default one): the middleware's, which answers at once.
async fn check_request(
    req: &HttpRequest,
    bearer: Result<&SecretBearer, Error>,
) -> Result<(), actix_web::Error> {
    check(req, bearer)
        .await
        .map_err(|error| refusal(req, error))
}

/// The check every actix entry point runs, with an app's own store from its app data, if
/// any (else the installed one). What it
/// decides stays in the request's extensions, for the [`Caller`](crate::Caller) extractor: an
/// accepted request's `Caller`, or a refused one's [`Check::Refused`]. Not generic: every
/// handler's extractor shares this one copy.
async fn check(req: &HttpRequest, bearer: Result<&SecretBearer, Error>) -> Result<(), AuthError> {
    let checked = match bearer {
        Ok(bearer) => {
            let authorization = req
                .headers()
                .get_all(AUTHORIZATION)
                .map(HeaderValue::as_bytes);
            // The app data is searched only for a bearer that reads a secret manager.
            let store = bearer.needs_store().then(|| app_data(req)).flatten();
            bearer.authenticate(store, authorization).await
        }
        Err(error) => Err(AuthError::fail_closed(error)),
    };
    match checked {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            Ok(())
        }
        Err(error) => {
            // Cloned on refusals alone (a box): a `Caller` beside a plain guard answers the
            // guard's refusal, whichever of the two actix-web polls first.
            req.extensions_mut().insert(Check::Refused(error.clone()));
            Err(error)
        }
    }
}

/// The check of a request, boxed with what it needs: one that must wait (for a secret manager).
type CheckFuture = LocalBoxFuture<'static, Result<(), AuthError>>;

/// A check that waits, shared by the guard that runs it and the `Caller` extractors beside the
/// guard, which wait for it rather than answer before it.
type SharedCheck = Shared<CheckFuture>;

/// What a request's extensions say of a check that has not accepted it (an accepted one leaves
/// its `Caller`). Nothing needs clearing: a check is under way exactly while its guard holds
/// it, which the weak handle tells.
enum Check {
    /// A check under way. Weak, because the check holds the request, whose extensions hold
    /// this: a strong handle would be a cycle, and a request given up while its check waits
    /// would never be freed. The guard holds the check until it has answered.
    Waiting(WeakShared<CheckFuture>),
    /// A check that refused the request, and why.
    Refused(AuthError),
}

/// Shares a check that must wait with the request's other extractors, through its extensions.
fn share(req: &HttpRequest, check: CheckFuture) -> SharedCheck {
    let check = check.shared();
    if let Some(waiting) = check.downgrade() {
        req.extensions_mut().insert(Check::Waiting(waiting));
    }
    check
}

/// The error that answers a refused request with its response.
fn refusal(req: &HttpRequest, error: AuthError) -> actix_web::Error {
    let response = match app_data::<RejectionHandler>(req) {
        Some(handler) => handler.respond(req, &error),
        None => error.error_response(),
    };
    InternalError::from_response(error, response).into()
}

/// `T` registered in the app data, as itself or as `web::Data<T>`: every binding this crate
/// reads is found both ways.
fn app_data<T: 'static>(req: &HttpRequest) -> Option<&T> {
    req.app_data::<T>()
        .or_else(|| req.app_data::<web::Data<T>>().map(|data| data.get_ref()))
}
