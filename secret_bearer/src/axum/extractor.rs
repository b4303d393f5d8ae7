//! [`Authenticated`] on axum: the check, then `T`'s extraction.

use axum_core::extract::{FromRequest, FromRequestParts, Request};
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;

use crate::bearer::SecretBearer;
use crate::error::Error;
use crate::guard::{Authenticated, BearerProvider};
use crate::rejection::AuthError;
use crate::store::SecretStore;

/// [`Authenticated`] with a `T` that reads only the request's head (`Path`, `Query`, headers,
/// `State`; a tuple of them; `()` for a plain guard).
impl<S, T, P> FromRequestParts<S> for Authenticated<T, P>
where
    S: Send + Sync,
    T: FromRequestParts<S>,
    P: BearerProvider,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        check(parts, find::<P>)
            .await
            .map_err(AuthError::into_response)?;
        extracted(T::from_request_parts(parts, state).await)
    }
}

/// [`Authenticated`] with a `T` that reads the body (`Json`, `Bytes`, `String`; a tuple that
/// ends with one): the body is handed to `T` only once the request is authenticated.
impl<S, T, P> FromRequest<S> for Authenticated<T, P>
where
    S: Send + Sync,
    T: FromRequest<S>,
    P: BearerProvider,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        check(&mut parts, find::<P>)
            .await
            .map_err(AuthError::into_response)?;
        extracted(T::from_request(Request::from_parts(parts, body), state).await)
    }
}

/// `T`'s extraction, once the request is authenticated: the guard, or `T`'s rejection.
// The error is axum's own rejection type, a `Response`, however large.
#[allow(clippy::result_large_err)]
fn extracted<T, P>(inner: Result<T, impl IntoResponse>) -> Result<Authenticated<T, P>, Response> {
    inner
        .map(Authenticated::new)
        .map_err(IntoResponse::into_response)
}

/// Where a provider finds its bearer, as a function pointer: the check is not generic, so every
/// handler shares its one copy.
type Find = for<'a> fn(&'a Parts) -> Result<&'a SecretBearer, Error>;

fn find<P: BearerProvider>(parts: &Parts) -> Result<&SecretBearer, Error> {
    P::bearer(|| parts.extensions.get::<SecretBearer>())
}

/// The check, with an app's own store from the request's extensions, if any (else the
/// installed one); an accepted request's
/// [`Caller`](crate::Caller) is left there, for the extractor. The request's `Authorization` is
/// marked sensitive first, for what extracts (and may print) it after the check.
async fn check(parts: &mut Parts, find: Find) -> Result<(), AuthError> {
    crate::tower::mark_sensitive(&mut parts.headers);
    let verdict = match find(parts) {
        Ok(bearer) => {
            // The extensions are searched only for a bearer that reads a secret manager.
            let store = bearer
                .needs_store()
                .then(|| parts.extensions.get::<SecretStore>())
                .flatten();
            let authorization = crate::tower::authorization(&parts.headers);
            bearer.authenticate(store, authorization).await
        }
        Err(error) => Err(AuthError::fail_closed(error)),
    };
    parts.extensions.insert(verdict?);
    Ok(())
}
