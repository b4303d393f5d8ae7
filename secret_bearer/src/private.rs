//! What `#[secret_bearer]` expands to refers to these paths, and only these: they are not part
//! of the public API and may change in any release.

use std::sync::LazyLock;

pub use actix_web::HttpRequest;

pub use crate::__document_handler as document_handler;
pub use crate::__register_handler as register_handler;
pub use crate::actix::{Authenticated, BearerProvider};
use crate::client::{self, Authorize};
pub use crate::startup::RegisteredHandler;
pub use crate::{Error, SecretBearer};
pub use inventory;

/// The bearer of one annotated handler or client function, built on first use.
pub struct LazyBearer(LazyLock<Result<SecretBearer, Error>>);

impl LazyBearer {
    /// `build` is the builder chain the attribute's keys spell.
    pub const fn new(build: fn() -> Result<SecretBearer, Error>) -> Self {
        Self(LazyLock::new(build))
    }

    /// The attribute was validated at compile time by the same rules `build` applies, so an
    /// error here is not expected; if it happens anyway it fails closed, as any other would.
    #[inline]
    pub fn get(&'static self) -> Result<&'static SecretBearer, Error> {
        match &*self.0 {
            Ok(bearer) => Ok(bearer),
            Err(error) => Err(cloned(error)),
        }
    }
}

// Out of every handler's check: a clone of each kind of error is a lot of code to inline for a
// path that is never expected.
#[cold]
#[inline(never)]
fn cloned(error: &Error) -> Error {
    error.clone()
}

/// The hidden type `#[secret_bearer]` adds beside a handler: it owns the handler's bearer.
pub trait HandlerProvider: 'static {
    /// The handler's bearer.
    fn handler_bearer() -> Result<&'static SecretBearer, Error>;
}

impl<T: HandlerProvider> BearerProvider for T {
    #[inline]
    fn bearer(_: &HttpRequest) -> Result<&SecretBearer, Error> {
        T::handler_bearer()
    }
}

/// What an annotated `async` client function runs first: its request authorized with the
/// primary secret, read through the store [`client::bind_store`] bound.
pub async fn authorize<R: Authorize>(bearer: &'static LazyBearer, request: R) -> Result<R, Error> {
    let authorization = bearer
        .get()?
        .authorization_with(client::bound_store())
        .await?;
    Ok(request.authorize(&authorization))
}

/// [`authorize`] for a function that is not `async`: its secrets are environment variables
/// (the attribute refuses a secret in a manager there).
pub fn authorize_now<R: Authorize>(bearer: &'static LazyBearer, request: R) -> Result<R, Error> {
    Ok(request.authorize(&bearer.get()?.authorization()?))
}
