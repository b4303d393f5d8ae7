//! reqwest-middleware (feature `reqwest-middleware`): the client middleware for reqwest.

use std::future::Future;
use std::pin::Pin;

use ::reqwest::{Request, Response, StatusCode};
use ::reqwest_middleware::{Middleware, Next};
use http::Extensions;

use super::authorization::Attach;
use crate::bearer::SecretBearer;

/// A `reqwest_middleware::Middleware` (feature `reqwest-middleware`) that authorizes
/// every request a `ClientWithMiddleware` sends, as clearskies' `ApiBackend` authorizes every
/// request of an API client, so that its methods need no attribute and no request parameter.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use secret_bearer::SecretBearer;
/// use secret_bearer::client::SecretBearerClientMiddleware;
///
/// let bearer = SecretBearer::builder().env("WIDGETS_KEY").prefix("Bearer ").build()?;
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(SecretBearerClientMiddleware::new(bearer))
///     .build();
/// let widgets = client.get("http://localhost:8080/widgets").send().await?;
/// # let _ = widgets; Ok(()) }
/// ```
///
/// What crosses the network: each request gets `Authorization: <prefix><primary secret>`,
/// replacing any value it had, marked sensitive; the alternate is never sent. To whom: the
/// origin the request names. The client's own redirects carry the header to the same origin
/// and drop it on a redirect to another scheme, host or port (an `https` page that redirects to
/// `http` included).
///
/// What is never sent again: after a 401 the secret is read again (an environment variable is
/// read for every request anyway; a secret in a manager is fetched again within the store's
/// limits on refreshes after a mismatch), and the request is sent once more only if the secret
/// differs from the one refused and the request can be cloned. An unchanged secret could only
/// be refused again, and a body that streams cannot be replayed: either way the 401 is the
/// answer. A 403 is never followed by another request, nor is a second 401. A secret that
/// cannot be read is the request's error (`reqwest_middleware::Error::Middleware`, holding the
/// [`Error`](crate::Error), which names the source, never the value), and nothing (more) is
/// sent.
#[derive(Clone, Debug)]
pub struct SecretBearerClientMiddleware {
    bearer: SecretBearer,
}

impl SecretBearerClientMiddleware {
    /// Authorizes requests with `bearer`, whose secret, when it lives in a secret manager, is
    /// read through the installed [`SecretStore`](crate::SecretStore).
    pub fn new(bearer: SecretBearer) -> Self {
        Self { bearer }
    }

    async fn send(
        &self,
        mut request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> ::reqwest_middleware::Result<Response> {
        let again = request.try_clone();
        let sent = self.bearer.authorization_with().await.map_err(middleware)?;
        let _ = request.headers_mut().authorize(&sent);
        let response = next.clone().run(request, extensions).await?;
        let Some(mut again) = again.filter(|_| response.status() == StatusCode::UNAUTHORIZED)
        else {
            return Ok(response);
        };
        let changed = self.bearer.authorization_to_resend(&sent).await;
        let Some(changed) = changed.map_err(middleware)? else {
            return Ok(response);
        };
        drop(response);
        let _ = again.headers_mut().authorize(&changed);
        next.run(again, extensions).await
    }
}

fn middleware(error: crate::Error) -> ::reqwest_middleware::Error {
    ::reqwest_middleware::Error::middleware(error)
}

// The trait's method, as `async_trait` would write it, without that dependency.
impl Middleware for SecretBearerClientMiddleware {
    fn handle<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        request: Request,
        extensions: &'life1 mut Extensions,
        next: Next<'life2>,
    ) -> Pin<Box<dyn Future<Output = ::reqwest_middleware::Result<Response>> + Send + 'async_trait>>
    where
        Self: 'async_trait,
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
    {
        Box::pin(self.send(request, extensions, next))
    }
}
