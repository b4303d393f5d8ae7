//! What `#[secret_bearer]` expands to refers to these paths, and only these: they are not part
//! of the public API and may change in any release.

use std::sync::LazyLock;

pub use actix_web::{FromRequest, HttpRequest};

pub use crate::__document_handler as document_handler;
pub use crate::__register_handler as register_handler;
pub use crate::actix::{Authenticated, BearerProvider};
pub use crate::bearer::SecretBearer;
pub use crate::check::probe_accepts;
use crate::client::Authorize;
pub use crate::error::Error;
pub use crate::startup::{RegisteredHandler, resolve_handlers};
pub use crate::store::SecretStore;
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
    pub fn get(&'static self) -> Result<&'static SecretBearer, Error> {
        self.0.as_ref().map_err(Error::clone)
    }
}

/// The hidden type `#[secret_bearer]` adds beside a handler: it owns the handler's bearer.
pub trait HandlerProvider: 'static {
    /// The handler's bearer.
    fn handler_bearer() -> Result<&'static SecretBearer, Error>;
}

impl<T: HandlerProvider> BearerProvider for T {
    fn bearer(_: &HttpRequest) -> Result<&SecretBearer, Error> {
        T::handler_bearer()
    }
}

/// What an annotated `async` client function runs first: its request authorized with the
/// primary secret, read through `store` when it lives in a secret manager.
pub async fn authorize<R: Authorize>(
    bearer: &'static LazyBearer,
    store: Option<&SecretStore>,
    request: R,
) -> Result<R, Error> {
    let authorization = bearer.get()?.authorization_with(store).await?;
    Ok(request.authorize(&authorization))
}

/// [`authorize`] for a function that is not `async`: its secret is an environment variable
/// (the attribute refuses a secret in a manager there).
pub fn authorize_now<R: Authorize>(bearer: &'static LazyBearer, request: R) -> Result<R, Error> {
    Ok(request.authorize(&bearer.get()?.authorization()?))
}
