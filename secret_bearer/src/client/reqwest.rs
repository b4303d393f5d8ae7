//! `reqwest` (feature `reqwest`): authorizing a `RequestBuilder`, and sending one with a retry
//! after a 401.

use ::reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use ::reqwest::{RequestBuilder, Response, StatusCode};

use super::authorization::sensitive_value;
use super::retry::retrying;
use super::{Answer, Authorization, Authorize, SendError};
use crate::bearer::SecretBearer;
use crate::store::SecretStore;

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

#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
impl Answer for Response {
    fn is_unauthorized(&self) -> bool {
        self.status() == StatusCode::UNAUTHORIZED
    }
}

/// Sends `request` with the bearer's `Authorization`, and once more after a 401 with the
/// secret read again first. A request whose body streams cannot be sent twice, so its 401 is
/// the answer.
///
/// `store` is where a secret that lives in a secret manager is read through.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use secret_bearer::SecretBearer;
/// use secret_bearer::client::reqwest::send;
///
/// let bearer = SecretBearer::builder().env("MY_SECRET").build()?;
/// let client = reqwest::Client::new();
/// let response = send(&bearer, None, client.get("http://localhost:8080/widgets")).await?;
/// # Ok(()) }
/// ```
pub async fn send(
    bearer: &SecretBearer,
    store: Option<&SecretStore>,
    request: RequestBuilder,
) -> Result<Response, SendError<::reqwest::Error>> {
    let again = request.try_clone();
    let authorization = bearer.authorization_rereading(store, false).await?;
    let response = request
        .authorize(&authorization)
        .send()
        .await
        .map_err(SendError::Client)?;
    let Some(again) = again.filter(|_| response.is_unauthorized()) else {
        return Ok(response);
    };
    drop(response);
    retrying();
    let authorization = bearer.authorization_rereading(store, true).await?;
    again
        .authorize(&authorization)
        .send()
        .await
        .map_err(SendError::Client)
}
