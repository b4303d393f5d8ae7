//! [`SecretBearerLayer`]: what a tower stack is given.

use tower_layer::Layer;

use super::SecretBearerService;
use crate::bearer::SecretBearer;
use crate::store::SecretStore;

/// A `tower::Layer` that checks every request with a [`SecretBearer`] before the service it
/// wraps sees it (see the [module docs](crate::tower)).
#[derive(Clone, Debug)]
pub struct SecretBearerLayer {
    bearer: SecretBearer,
    store: Option<SecretStore>,
}

impl SecretBearerLayer {
    /// Checks requests with `bearer`, whose secrets are environment variables (for secrets in
    /// a manager, add [`SecretBearerLayer::with_store`]).
    pub fn new(bearer: SecretBearer) -> Self {
        Self {
            bearer,
            store: None,
        }
    }

    /// The bearer that checks the requests: to document the paths the layer protects
    /// (`layer.bearer().document_paths(&mut openapi, "/api")`, feature `openapi`), as for
    /// actix-web's middleware.
    pub fn bearer(&self) -> &SecretBearer {
        &self.bearer
    }

    /// Reads the bearer's secrets that live in a secret manager through `store`'s cache.
    pub fn with_store(self, store: SecretStore) -> Self {
        Self {
            store: Some(store),
            ..self
        }
    }
}

impl<S> Layer<S> for SecretBearerLayer {
    type Service = SecretBearerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SecretBearerService::new(inner, self.bearer.clone(), self.store.clone())
    }
}
