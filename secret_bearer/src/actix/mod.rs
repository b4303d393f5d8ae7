//! actix-web integration: the [`Authenticated`] extractor (what `#[secret_bearer]` generates)
//! and the middleware that [`SecretBearer`] is, for a whole `App` or `Scope`.

mod extractor;
mod middleware;

pub use extractor::{Authenticated, AuthenticatedFuture, BearerProvider, FromAppData};
pub use middleware::SecretBearerMiddleware;

use actix_web::http::header::{AUTHORIZATION, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;

use crate::rejection::AuthError;
use crate::response::RejectionHandler;
use crate::{Error, SecretBearer, SecretStore};

/// How the check of an actix entry point ends: now (always, for secrets in environment
/// variables or cached), or after a secret is fetched from the bound secret manager.
enum Checked {
    Now(Result<(), AuthError>),
    Later(LocalBoxFuture<'static, Result<(), AuthError>>),
}

/// The one check every actix entry point runs. Inline, so that the common case (see
/// [`accepts_at_once`]) costs the caller one call, not a call into the full check and back.
#[inline(always)]
fn authenticate(req: &HttpRequest, bearer: Result<&SecretBearer, Error>) -> Checked {
    if let Ok(bearer) = &bearer
        && accepts_at_once(req, bearer)
    {
        return Checked::Now(Ok(()));
    }
    authenticate_fully(req, bearer)
}

/// [`SecretBearer::accepts_at_once`] for a request. Out of line and not generic: every
/// handler's extractor, and the middleware, call this one copy, whose code stays small and in
/// the instruction cache, where a copy inlined in each would make a request's code larger (and,
/// served in-process, slower) than the instructions it saves.
#[inline(never)]
pub(crate) fn accepts_at_once(req: &HttpRequest, bearer: &SecretBearer) -> bool {
    bearer.accepts_at_once(|| authorization(req))
}

/// Every answer [`authenticate`]'s common case does not give.
#[inline(never)]
fn authenticate_fully(req: &HttpRequest, bearer: Result<&SecretBearer, Error>) -> Checked {
    let bearer = match bearer {
        Ok(bearer) => bearer,
        Err(error) => return Checked::Now(Err(AuthError::fail_closed(error))),
    };
    let store = if bearer.needs_store() {
        app_data::<SecretStore>(req)
    } else {
        None
    };
    let credential = bearer.credential(authorization(req));
    if let Some(checked) = bearer.check_cached(store, &credential) {
        return Checked::Now(checked);
    }
    let (req, bearer, store) = (req.clone(), bearer.clone(), store.cloned());
    Checked::Later(Box::pin(async move {
        let credential = bearer.credential(authorization(&req));
        bearer
            .check_after_fetching(store.as_ref(), &credential)
            .await
    }))
}

#[inline]
fn authorization(req: &HttpRequest) -> impl Iterator<Item = &[u8]> {
    req.headers()
        .get_all(&AUTHORIZATION)
        .map(HeaderValue::as_bytes)
}

/// `T` registered in the app data, as itself or as `web::Data<T>`: every binding this crate
/// reads is found both ways.
pub(crate) fn app_data<T: 'static>(req: &HttpRequest) -> Option<&T> {
    req.app_data::<T>()
        .or_else(|| req.app_data::<web::Data<T>>().map(|data| data.get_ref()))
}

fn refusal(req: &HttpRequest, error: &AuthError) -> HttpResponse {
    RejectionHandler::respond(req, error)
}
