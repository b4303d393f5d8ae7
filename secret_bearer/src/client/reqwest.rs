//! `reqwest` (feature `reqwest`): authorizing a `RequestBuilder`, and [`send`]ing one, once
//! more after a 401 when the secret read again differs.
//!
//! What crosses the network: `Authorization: <prefix><primary secret>`, never the alternate.
//! To whom: the origin the request names. reqwest's redirects carry the header to the same
//! origin and drop it on a redirect to another scheme, host or port (an `https` page that
//! redirects to `http` included). What is never sent again: a request the server answered 403,
//! or whose body streams; a refused request is sent again at most once, and only with a
//! different secret.

use ::reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use ::reqwest::{RequestBuilder, Response, StatusCode};

use super::authorization::sensitive_value;
use super::{Authorization, Authorize, SendError};
use crate::bearer::SecretBearer;

#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
impl Authorize for RequestBuilder {
    fn authorize(self, authorization: &Authorization) -> Self {
        // `headers` replaces each name it sets; `header` would add a second value.
        let mut headers = HeaderMap::new();
        if let Some(value) = sensitive_value!(HeaderValue, authorization) {
            headers.insert(AUTHORIZATION, value);
        }
        self.headers(headers)
    }
}

/// Sends `request` with the bearer's `Authorization`; after a 401, reads the secret again and
/// sends the request once more only if it differs from the one refused (a secret in a manager
/// rotated since it was cached). An unchanged secret could only be refused again, so its 401 is
/// the answer at once; so is the 401 of a request whose body streams, which cannot be sent
/// twice. A 403 is never followed by another request.
///
/// A secret that lives in a secret manager is read through the installed
/// [`SecretStore`](crate::SecretStore). A secret that cannot be read, first or again, is
/// [`SendError::Secret`], and nothing more is sent.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use secret_bearer::SecretBearer;
/// use secret_bearer::client::reqwest::send;
///
/// let bearer = SecretBearer::builder().env("MY_SECRET").build()?;
/// let client = reqwest::Client::new();
/// let response = send(&bearer, client.get("http://localhost:8080/widgets")).await?;
/// # Ok(()) }
/// ```
pub async fn send(
    bearer: &SecretBearer,
    request: RequestBuilder,
) -> Result<Response, SendError<::reqwest::Error>> {
    let again = request.try_clone();
    let sent = bearer.authorization_with(None).await?;
    let response = request
        .authorize(&sent)
        .send()
        .await
        .map_err(SendError::Client)?;
    let Some(again) = again.filter(|_| response.status() == StatusCode::UNAUTHORIZED) else {
        return Ok(response);
    };
    let Some(changed) = bearer.authorization_to_resend(&sent).await? else {
        return Ok(response);
    };
    drop(response);
    again
        .authorize(&changed)
        .send()
        .await
        .map_err(SendError::Client)
}
