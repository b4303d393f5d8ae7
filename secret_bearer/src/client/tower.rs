//! tower (feature `tower`): the client layer for hyper, tonic and any tower client.

use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use http::{Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use super::authorization::Attach;
use crate::bearer::SecretBearer;

/// The error of a [`SecretBearerClient`]: the inner service's, or the secret's (tower's
/// `BoxError`).
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A `tower::Layer` (feature `tower`) that authorizes every request of a tower
/// client service (hyper-util's client, a tonic `Channel`, any `Service` of `http` requests),
/// as `SecretBearerClientMiddleware` (feature `reqwest-middleware`) does for reqwest.
///
/// ```
/// # async fn run(channel: tonic::transport::Channel) -> Result<(), secret_bearer::Error> {
/// use secret_bearer::SecretBearer;
/// use secret_bearer::client::SecretBearerClientLayer;
/// use tower::ServiceBuilder;
///
/// let bearer = SecretBearer::builder().env("HEALTH_KEY").prefix("Bearer ").build()?;
/// let channel = ServiceBuilder::new()
///     .layer(SecretBearerClientLayer::new(bearer))
///     .service(channel);
/// let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
/// # let _ = &mut health; Ok(()) }
/// ```
///
/// What crosses the network: each request gets `Authorization: <prefix><primary secret>` (for
/// gRPC, the `authorization` metadata), replacing any value it had, marked sensitive; the
/// alternate is never sent. To whom: the layer sets the header on the request it is given and
/// follows no redirect itself; tonic's `Channel` and hyper-util's client follow none either. A
/// service that does (tower-http's `FollowRedirect`, above or below this layer) copies the
/// header to wherever a redirect points unless its policy keeps to the same origin
/// (`policy::SameOrigin`).
///
/// What is never sent again: any request, by this layer (a tower request's body is consumed by
/// sending it). After a 401, or a gRPC answer with `grpc-status` 16 (`UNAUTHENTICATED`) in its
/// headers, the secret is read again before the refusal is answered, so the next request
/// carries the new one (an environment variable is read for every request anyway; a secret in
/// a manager is fetched again within the store's limits on refreshes after a mismatch). A
/// secret that cannot be read is the call's error (the [`Error`](crate::Error), boxed), and
/// nothing is sent.
#[derive(Clone, Debug)]
pub struct SecretBearerClientLayer {
    bearer: SecretBearer,
}

impl SecretBearerClientLayer {
    /// Authorizes requests with `bearer`, whose secret, when it lives in a secret manager, is
    /// read through the installed [`SecretStore`](crate::SecretStore).
    pub fn new(bearer: SecretBearer) -> Self {
        Self { bearer }
    }
}

impl<S> Layer<S> for SecretBearerClientLayer {
    type Service = SecretBearerClient<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SecretBearerClient {
            inner,
            layer: self.clone(),
        }
    }
}

/// The client service [`SecretBearerClientLayer`] wraps around another.
#[derive(Clone, Debug)]
pub struct SecretBearerClient<S> {
    inner: S,
    layer: SecretBearerClientLayer,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SecretBearerClient<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    ReqBody: Send + 'static,
    ResBody: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = BoxError;
    // Boxed: reading a secret from a store may wait, and a box per request is nothing beside
    // the request's trip over the network.
    type Future = BoxFuture<'static, Result<Response<ResBody>, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // The clone takes the place of the service made ready, which the request is given.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let SecretBearerClientLayer { bearer } = self.layer.clone();
        Box::pin(async move {
            let authorization = bearer.authorization_with().await?;
            let _ = request.headers_mut().authorize(&authorization);
            drop(authorization);
            let response = inner.call(request).await.map_err(Into::into)?;
            if is_refused(&response) {
                // Not resent (its body is spent): the next request carries what is read now.
                tracing::info!(
                    "the server refused the request (401, or gRPC's UNAUTHENTICATED): reading \
                     the secret again for the next request"
                );
                bearer.reread_sent().await;
            }
            Ok(response)
        })
    }
}

/// A 401, or gRPC's `UNAUTHENTICATED` in the headers (a "trailers only" answer, as servers and
/// our own layer refuse a call).
fn is_refused<B>(response: &Response<B>) -> bool {
    response.status() == StatusCode::UNAUTHORIZED
        || response
            .headers()
            .get("grpc-status")
            .is_some_and(|status| status == "16")
}
