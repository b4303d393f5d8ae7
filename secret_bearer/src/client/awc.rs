//! `awc` (feature `awc`): authorizing a `ClientRequest`, and sending one with a retry after
//! a 401.

use ::awc::error::SendRequestError;
use ::awc::http::StatusCode;
use ::awc::http::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use ::awc::{ClientRequest, ClientResponse, SendClientRequest};
use bytes::Bytes;

use super::authorization::sensitive_value;
use super::retry::retrying;
use super::{Answer, Authorization, Authorize, SendError};
use crate::bearer::SecretBearer;
use crate::store::SecretStore;

#[cfg_attr(docsrs, doc(cfg(feature = "awc")))]
impl Authorize for ClientRequest {
    fn authorize(mut self, authorization: &Authorization) -> Self {
        let headers = self.headers_mut();
        match sensitive_value!(HeaderValue, authorization) {
            Some(value) => drop(headers.insert(AUTHORIZATION, value)),
            None => drop(headers.remove(AUTHORIZATION)),
        }
        self
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "awc")))]
impl<S> Answer for ClientResponse<S> {
    fn is_unauthorized(&self) -> bool {
        self.status() == StatusCode::UNAUTHORIZED
    }
}

/// Sends `request` with `body` and the bearer's `Authorization`, and once more after a 401
/// with the secret read again first. The answer is awc's own response type (which its
/// compression features decide).
///
/// A redirect the client follows to the same origin (scheme, host and port) carries the header,
/// and one to another origin drops it, as awc's redirects do for the request's own headers. One
/// exception: when the secret read again for the retry differs, the retry's first request
/// carries the new one, but a same-origin redirect of it the first (awc cannot change the
/// headers of a request it may send twice), which goes only where the first attempt sent it.
///
/// `store` is where a secret that lives in a secret manager is read through.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use secret_bearer::SecretBearer;
/// use secret_bearer::client::awc::send;
///
/// let bearer = SecretBearer::builder().env("MY_SECRET").build()?;
/// let client = awc::Client::default();
/// let response = send(&bearer, None, client.get("http://localhost:8080/widgets"), "").await?;
/// # Ok(()) }
/// ```
pub async fn send<R>(
    bearer: &SecretBearer,
    store: Option<&SecretStore>,
    request: ClientRequest,
    body: impl Into<Bytes>,
) -> Result<R, SendError<SendRequestError>>
where
    SendClientRequest: Future<Output = Result<R, SendRequestError>>,
    R: Answer,
{
    let authorization = bearer.authorization_rereading(store, false).await?;
    // In the request's own headers, which awc's redirects carry to the same origin: they leave
    // out a frozen request's extra headers. Frozen, the request can be sent twice.
    let request = request
        .authorize(&authorization)
        .freeze()
        .map_err(|error| SendError::Client(error.into()))?;
    let body = body.into();
    let response = request
        .send_body(body.clone())
        .await
        .map_err(SendError::Client)?;
    if !response.is_unauthorized() {
        return Ok(response);
    }
    drop(response);
    retrying();
    let authorization = bearer.authorization_rereading(store, true).await?;
    // An extra header replaces the request's own of the same name in what is sent.
    request
        .extra_headers(header(&authorization))
        .send_body(body)
        .await
        .map_err(SendError::Client)
}

fn header(authorization: &Authorization) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(value) = sensitive_value!(HeaderValue, authorization) {
        headers.insert(AUTHORIZATION, value);
    }
    headers
}
