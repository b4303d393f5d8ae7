//! [`SecretBearerLayer`]: what a tower stack is given.

use tower_layer::Layer;

use super::SecretBearerService;
use crate::bearer::SecretBearer;

/// A `tower::Layer` that checks every request with a [`SecretBearer`] before the service it
/// wraps sees it (see the [module docs](crate::tower)).
#[derive(Clone, Debug)]
pub struct SecretBearerLayer {
    bearer: SecretBearer,
}

impl SecretBearerLayer {
    /// Checks requests with `bearer`, whose secrets in a secret manager, if any, are read
    /// through the installed [`SecretStore`](crate::SecretStore) (or one in the request's
    /// extensions).
    pub fn new(bearer: SecretBearer) -> Self {
        Self { bearer }
    }
}

impl<S> Layer<S> for SecretBearerLayer {
    type Service = SecretBearerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SecretBearerService::new(inner, self.bearer.clone())
    }
}
