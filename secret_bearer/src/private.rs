//! What `#[secret_bearer]` expands to refers to these paths, and only these: they are not part
//! of the public API and may change in any release.

use std::sync::LazyLock;

pub use actix_web::HttpRequest;

pub use crate::__document_handler as document_handler;
pub use crate::actix::{Authenticated, BearerProvider};
pub use crate::{Error, SecretBearer};
#[cfg(feature = "openapi")]
pub use inventory;

/// The bearer of one annotated handler, built on first use.
pub struct HandlerBearer(LazyLock<Result<SecretBearer, Error>>);

impl HandlerBearer {
    /// `build` is the builder chain the attribute's keys spell.
    pub const fn new(build: fn() -> Result<SecretBearer, Error>) -> Self {
        Self(LazyLock::new(build))
    }

    /// The attribute was validated at compile time by the same rules `build` applies, so an
    /// error here is not expected; if it happens anyway it fails closed, as any other would.
    pub fn get(&self) -> Result<&SecretBearer, Error> {
        self.0.as_ref().map_err(Clone::clone)
    }
}
