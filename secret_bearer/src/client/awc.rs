//! `awc` (feature `awc`): authorizing a `ClientRequest`, and [`send`]ing one, once more after a
//! 401 when the secret read again differs.
//!
//! What crosses the network: `Authorization: <prefix><primary secret>`, never the alternate.
//! To whom: the origin the request names, and the same origin (scheme, host and port) when the
//! client follows a redirect; a redirect to another origin drops the header. What is never sent
//! again: a request the server answered 403; a refused request is sent again at most once, and
//! only with a different secret (a same-origin redirect of that second request is the one
//! exception, described at [`send`]).

use ::awc::error::SendRequestError;
use ::awc::http::StatusCode;
use ::awc::http::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use ::awc::{ClientRequest, ClientResponse, SendClientRequest};
use bytes::Bytes;

use super::SendError;
use super::authorization::sensitive_value;
use super::authorization::{Attach, Authorization, Authorize};
use crate::bearer::SecretBearer;

#[cfg_attr(docsrs, doc(cfg(feature = "awc")))]
impl Attach for ClientRequest {
    fn authorize(mut self, authorization: &Authorization) -> Self {
        let headers = self.headers_mut();
        match sensitive_value!(HeaderValue, authorization) {
            Some(value) => drop(headers.insert(AUTHORIZATION, value)),
            None => drop(headers.remove(AUTHORIZATION)),
        }
        self
    }
}

/// Sends `request` with `body` and the bearer's `Authorization`; after a 401, reads the secret
/// again and sends the request once more only if it differs from the one refused (a secret in
/// a manager rotated since it was cached). An unchanged secret could only be refused again, so
/// its 401 is the answer at once. A 403 is never followed by another request. The answer is
/// awc's own response type (which its compression features decide).
///
/// A redirect the client follows to the same origin (scheme, host and port) carries the header,
/// and one to another origin drops it, as awc's redirects do for the request's own headers. One
/// exception: a same-origin redirect of the request sent again carries the secret the server
/// refused, not the new one (awc cannot change the headers of a request it may send twice), so
/// it goes only to the origin that secret was sent to already.
///
/// A secret that lives in a secret manager is read through the installed
/// [`SecretStore`](crate::SecretStore). A secret that cannot be read, first or again, is
/// [`SendError::Secret`], and nothing more is sent.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use secret_bearer::SecretBearer;
/// use secret_bearer::client::awc::send;
///
/// let bearer = SecretBearer::builder().env("MY_SECRET").build()?;
/// let client = awc::Client::default();
/// let response = send(&bearer, client.get("http://localhost:8080/widgets"), "").await?;
/// # Ok(()) }
/// ```
pub async fn send<S>(
    bearer: &SecretBearer,
    request: ClientRequest,
    body: impl Into<Bytes>,
) -> Result<ClientResponse<S>, SendError<SendRequestError>>
where
    SendClientRequest: Future<Output = Result<ClientResponse<S>, SendRequestError>>,
{
    let sent = bearer.authorization_with().await?;
    // In the request's own headers, which awc's redirects carry to the same origin: they leave
    // out a frozen request's extra headers. Frozen, the request can be sent twice.
    let request = request
        .authorize(&sent)
        .freeze()
        .map_err(|error| SendError::Client(error.into()))?;
    let body = body.into();
    let response = request
        .send_body(body.clone())
        .await
        .map_err(SendError::Client)?;
    if response.status() != StatusCode::UNAUTHORIZED {
        return Ok(response);
    }
    let Some(changed) = bearer.authorization_to_resend(&sent).await? else {
        return Ok(response);
    };
    drop(response);
    // An extra header replaces the request's own of the same name in what is sent.
    request
        .extra_headers(header(&changed))
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

#[cfg_attr(docsrs, doc(cfg(feature = "awc")))]
impl Authorize for ClientRequest {}
