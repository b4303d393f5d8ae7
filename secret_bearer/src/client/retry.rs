//! One retry after a 401, with the secret read again first, as clearskies' API backend does:
//! a server that rotated its secret tells a client so with a 401. A 403 is never retried: the
//! server knew who called, and another secret would not change its mind.

use std::fmt;

use crate::error::Error;
use crate::store::SecretStore;

/// What a request ended with, as far as a retry is concerned.
///
/// Implemented for the responses of each client feature (`reqwest::Response`,
/// `awc::ClientResponse`, `http::Response`) and for a `Result` holding one (an error is not
/// retried). For a function that returns your own types (`Result<Widget, ClientError>`), use
/// [`retry_on_401_if`] and say which outcome was a 401.
pub trait Answer {
    /// Whether the server answered 401 Unauthorized.
    fn is_unauthorized(&self) -> bool;
}

impl<T: Answer, E> Answer for Result<T, E> {
    fn is_unauthorized(&self) -> bool {
        self.as_ref().is_ok_and(Answer::is_unauthorized)
    }
}

/// Runs `attempt`, and once more if it ended with a 401, the second time with the secrets read
/// again. Whatever the second attempt ends with is the answer.
///
/// An environment variable is read afresh for every request anyway. Before the second
/// attempt, each secret that clients send through `store` (the one the attempt's client
/// reads its secret in a manager through, if any) is fetched again, within the cache's limits
/// on refreshes after a mismatch.
///
/// ```no_run
/// # #[cfg(feature = "reqwest")] {
/// use secret_bearer::client::retry_on_401;
/// use secret_bearer::secret_bearer;
///
/// #[secret_bearer(env = "MY_SECRET")]
/// async fn list(request: reqwest::RequestBuilder) -> Result<reqwest::Response, Box<dyn std::error::Error>> {
///     Ok(request.send().await?)
/// }
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = reqwest::Client::new();
/// let widgets = retry_on_401(None, || list(client.get("http://localhost:8080/widgets"))).await?;
/// # Ok(()) }
/// # }
/// ```
pub async fn retry_on_401<F, Fut>(store: Option<&SecretStore>, attempt: F) -> Fut::Output
where
    F: FnMut() -> Fut,
    Fut: Future<Output: Answer>,
{
    retry_on_401_if(store, Answer::is_unauthorized, attempt).await
}

/// [`retry_on_401`] for an attempt that ends with any type, your own included:
/// `is_unauthorized` says whether it ended with a 401.
///
/// ```no_run
/// # #[cfg(feature = "reqwest")] {
/// use secret_bearer::client::retry_on_401_if;
/// use secret_bearer::secret_bearer;
///
/// #[derive(Debug)]
/// pub enum ClientError {
///     /// The server answered 401: the key is wrong, or was rotated.
///     Unauthorized,
///     Http(reqwest::Error),
///     Secret(secret_bearer::Error),
/// }
/// # impl From<reqwest::Error> for ClientError { fn from(e: reqwest::Error) -> Self { Self::Http(e) } }
/// # impl From<secret_bearer::Error> for ClientError { fn from(e: secret_bearer::Error) -> Self { Self::Secret(e) } }
///
/// pub struct Widget {
///     pub name: String,
/// }
///
/// #[allow(async_fn_in_trait)]
/// pub trait WidgetsApi {
///     fn http(&self) -> &reqwest::Client;
///
///     /// Sends one request for a widget, authorized.
///     #[secret_bearer(env = "WIDGETS_KEY", prefix = "Bearer ")]
///     async fn send_widget(&self, request: reqwest::RequestBuilder) -> Result<Widget, ClientError> {
///         let response = request.send().await?;
///         if response.status() == reqwest::StatusCode::UNAUTHORIZED {
///             return Err(ClientError::Unauthorized);
///         }
///         Ok(Widget { name: response.error_for_status()?.text().await? })
///     }
///
///     /// Creates a widget, once more after a 401 with the key read again.
///     async fn create_widget(&self, name: &str) -> Result<Widget, ClientError> {
///         retry_on_401_if(
///             None,
///             |answer| matches!(answer, Err(ClientError::Unauthorized)),
///             || self.send_widget(self.http().post("http://localhost:8080/widgets").body(name.to_owned())),
///         )
///         .await
///     }
/// }
/// # }
/// ```
pub async fn retry_on_401_if<F, Fut, P>(
    store: Option<&SecretStore>,
    is_unauthorized: P,
    mut attempt: F,
) -> Fut::Output
where
    F: FnMut() -> Fut,
    Fut: Future,
    P: FnOnce(&Fut::Output) -> bool,
{
    let first = attempt().await;
    if !is_unauthorized(&first) {
        return first;
    }
    drop(first);
    retrying();
    if let Some(store) = store {
        store.refresh_sent_secrets().await;
    }
    attempt().await
}

/// The retry's one log event: a 401 is worth knowing about, the retry may hide it.
pub(crate) fn retrying() {
    tracing::info!(
        "the server answered 401 Unauthorized: reading the secret again and retrying once"
    );
}

/// Why sending through a client's `send` helper failed: the secret could not be read, or the
/// client could not send.
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError<E> {
    /// The secret could not be read (it names its source, never its value).
    Secret(Error),
    /// The client failed to send the request or to read the answer's head.
    Client(E),
}

impl<E: fmt::Display> fmt::Display for SendError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secret(error) => write!(f, "cannot authorize the request: {error}"),
            Self::Client(error) => write!(f, "cannot send the request: {error}"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for SendError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Secret(error) => Some(error),
            Self::Client(error) => Some(error),
        }
    }
}

impl<E> From<Error> for SendError<E> {
    fn from(error: Error) -> Self {
        Self::Secret(error)
    }
}
