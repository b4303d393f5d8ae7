//! [`Caller`] as an axum extractor: what a check left in the request's extensions.

use axum_core::extract::FromRequestParts;
use http::request::Parts;

use crate::caller::Caller;
use crate::error::{Error, ErrorKind};
use crate::rejection::AuthError;

/// The caller the check accepted. A handler no check protects has none: that is a mistake in
/// the service, answered as a misconfiguration (a 500, and an error event), not a 401.
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AuthError> {
        let caller = parts.extensions.get::<Caller>().cloned();
        caller.ok_or_else(|| AuthError::fail_closed(Error::from(ErrorKind::Unprotected)))
    }
}
