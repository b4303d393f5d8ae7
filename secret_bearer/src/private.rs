//! What `#[secret_bearer]` expands to refers to these paths, and only these: they are not part
//! of the public API and may change in any release.

use std::sync::OnceLock;

#[cfg(feature = "actix")]
pub use actix_web::FromRequest;

pub use crate::__document_handler as document_handler;
pub use crate::__handler_provider as handler_provider;
pub use crate::bearer::{SecretBearer, SecretBearerBuilder};
pub use crate::check::probe_accepts;
use crate::client::Authorize;
pub use crate::error::Error;
pub use crate::guard::{Authenticated, BearerProvider};
pub use crate::startup::{RegisteredHandler, resolve_handlers};
pub use crate::store::SecretStore;
pub use inventory;

/// An attribute's keys, as data: what a handler's or client function's bearer is built from.
/// Data rather than a builder chain per function, so that each annotated function adds a
/// static, not code.
pub struct Spec {
    /// `env`.
    pub env: Option<&'static str>,
    /// `alt_env`.
    pub alt_env: Option<&'static str>,
    /// `secret`.
    pub secret: Option<&'static str>,
    /// `alt_secret`.
    pub alt_secret: Option<&'static str>,
    /// `keys_env`.
    pub keys_env: Option<&'static str>,
    /// `keys_secret`.
    pub keys_secret: Option<&'static str>,
    /// `prefix`.
    pub prefix: Option<&'static str>,
    /// `doc`.
    pub doc: Option<&'static str>,
    /// `rotating`.
    pub rotating: bool,
}

impl Spec {
    /// No key set: what the attribute's keys are written over.
    pub const NONE: Self = Self {
        env: None,
        alt_env: None,
        secret: None,
        alt_secret: None,
        keys_env: None,
        keys_secret: None,
        prefix: None,
        doc: None,
        rotating: false,
    };

    fn build(&self) -> Result<SecretBearer, Error> {
        let mut builder = SecretBearer::builder();
        let sources = [
            (self.env, SecretBearerBuilder::env as Setter),
            (self.secret, SecretBearerBuilder::secret),
            (self.alt_env, SecretBearerBuilder::alt_env),
            (self.alt_secret, SecretBearerBuilder::alt_secret),
            (self.keys_env, SecretBearerBuilder::keys_env),
            (self.keys_secret, SecretBearerBuilder::keys_secret),
            (self.prefix, SecretBearerBuilder::prefix),
            (self.doc, SecretBearerBuilder::doc),
        ];
        for (value, set) in sources {
            if let Some(value) = value {
                builder = set(builder, value);
            }
        }
        if self.rotating {
            builder = builder.rotating();
        }
        builder.build()
    }
}

type Setter = fn(SecretBearerBuilder, &'static str) -> SecretBearerBuilder;

/// The bearer of one annotated handler or client function, built on first use.
pub struct LazyBearer {
    spec: Spec,
    bearer: OnceLock<Result<SecretBearer, Error>>,
}

impl LazyBearer {
    /// The bearer `spec` describes, to build when first asked for.
    pub const fn new(spec: Spec) -> Self {
        Self {
            spec,
            bearer: OnceLock::new(),
        }
    }

    /// The attribute was validated at compile time by the same rules the builder applies, so
    /// an error here is not expected; if it happens anyway it fails closed, as any other would.
    pub fn get(&'static self) -> Result<&'static SecretBearer, Error> {
        let bearer = self.bearer.get_or_init(|| self.spec.build());
        bearer.as_ref().map_err(Error::clone)
    }
}

/// The hidden type `#[secret_bearer]` adds beside a handler: it owns the handler's bearer.
pub trait HandlerProvider: 'static {
    /// The handler's bearer.
    fn handler_bearer() -> Result<&'static SecretBearer, Error>;
}

impl<T: HandlerProvider> BearerProvider for T {
    fn bearer<'a>(_: impl FnOnce() -> Option<&'a SecretBearer>) -> Result<&'a SecretBearer, Error> {
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
