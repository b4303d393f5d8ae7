//! The reference's widgets client: a `ClientWithMiddleware` whose `SecretBearerClientMiddleware` sends
//! every request with `MY_SECRET`, as clearskies' `ApiBackend` does, and the calls the
//! reference's client makes through it.
//!
//! It speaks clearskies' REST contract (the envelope, `POST /widgets`, `GET /widgets`), so it
//! works against any server that does, not only `examples/widgets_server/`.

use std::fmt;

use reqwest::{Method, Response, StatusCode};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware, RequestBuilder};
use secret_bearer::SecretBearer;
use secret_bearer::client::SecretBearerClientMiddleware;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A widget as the API answers it. The server owns the id and the timestamps, so to a client
/// they are plain strings, as in the reference's client model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Widget {
    /// Set by the server.
    pub id: String,
    /// The widget's name.
    pub name: String,
    /// Its category.
    pub category: String,
    /// Its cost.
    pub cost: f64,
    /// Set by the server.
    pub created_at: String,
    /// Set by the server.
    pub updated_at: String,
}

/// What a client writes: the API's writeable columns.
#[derive(Clone, Debug, Serialize)]
pub struct NewWidget<'a> {
    /// The widget's name.
    pub name: &'a str,
    /// Its category.
    pub category: &'a str,
    /// Its cost.
    pub cost: f64,
}

/// clearskies' response envelope.
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// `success`, `client_error`, `input_errors`, `failure`.
    pub status: String,
    /// What went wrong, or `""`.
    pub error: String,
    /// The answer.
    pub data: T,
    /// The list's pagination, or `{}`.
    pub pagination: Value,
    /// Errors by column, or `{}`.
    pub input_errors: Value,
}

impl<T> Envelope<T> {
    /// The envelope a successful call is printed in, as the reference's client prints it.
    pub fn success(data: T) -> Self {
        Self {
            status: "success".to_owned(),
            error: String::new(),
            data,
            pagination: Value::Object(Default::default()),
            input_errors: Value::Object(Default::default()),
        }
    }
}

/// Why a call failed.
#[derive(Debug)]
pub enum ClientError {
    /// `MY_SECRET` could not be read (the error names the variable, never its value).
    Secret(secret_bearer::Error),
    /// The request could not be sent, or the answer read.
    Http(reqwest::Error),
    /// The API answered with an error.
    Api {
        /// The answer's status.
        status: StatusCode,
        /// The envelope's `error`.
        error: String,
        /// The envelope's `input_errors`.
        input_errors: Value,
    },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secret(error) => write!(f, "cannot authenticate to the widgets API: {error}"),
            Self::Http(error) => write!(f, "cannot reach the widgets API: {error}"),
            Self::Api { status, .. } if *status == StatusCode::UNAUTHORIZED => write!(
                f,
                "the widgets API refused the secret in MY_SECRET ({status}): check that it is \
                 the server's"
            ),
            Self::Api {
                status,
                error,
                input_errors,
            } => write!(
                f,
                "the widgets API answered {status}: {error} {input_errors}"
            ),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<secret_bearer::Error> for ClientError {
    fn from(error: secret_bearer::Error) -> Self {
        Self::Secret(error)
    }
}

impl From<reqwest::Error> for ClientError {
    fn from(error: reqwest::Error) -> Self {
        Self::Http(error)
    }
}

impl From<reqwest_middleware::Error> for ClientError {
    fn from(error: reqwest_middleware::Error) -> Self {
        match error {
            reqwest_middleware::Error::Reqwest(error) => Self::Http(error),
            // The one middleware is ours: what it fails with is the secret's error.
            reqwest_middleware::Error::Middleware(error) => match error.downcast() {
                Ok(error) => Self::Secret(error),
                Err(other) => Self::Api {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    error: other.to_string(),
                    input_errors: Value::Null,
                },
            },
        }
    }
}

/// The widgets API, as a client sees it. Its methods know nothing of authentication: the
/// client's middleware attaches `MY_SECRET` to every request and, after a 401, reads it again
/// and sends the request once more only if it changed (an unchanged secret would only be
/// refused again, so the 401 is the answer).
// The trait is used on actix's single-threaded runtime, where its futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait WidgetsApi {
    /// A request to `path`, under the API's base URL.
    fn request(&self, method: Method, path: &str) -> RequestBuilder;

    /// `POST /widgets`: creates a widget and answers it as the server stored it.
    async fn create(&self, widget: &NewWidget<'_>) -> Result<Widget, ClientError> {
        let response = self.request(Method::POST, "widgets").json(widget).send();
        data(response.await?).await
    }

    /// `GET /widgets`: the widgets, in the API's default order (by name). No sort is asked
    /// for: clearskies 2.2.1 sorts wrongly when asked, and right by default.
    async fn list(&self) -> Result<Vec<Widget>, ClientError> {
        data(self.request(Method::GET, "widgets").send().await?).await
    }
}

/// The envelope's data of a successful answer, or the API's error.
async fn data<T: DeserializeOwned>(response: Response) -> Result<T, ClientError> {
    let status = response.status();
    let envelope: Envelope<Value> = response.json().await?;
    if !status.is_success() || envelope.status != "success" {
        return Err(ClientError::Api {
            status,
            error: envelope.error,
            input_errors: envelope.input_errors,
        });
    }
    serde_json::from_value(envelope.data).map_err(|error| ClientError::Api {
        status,
        error: format!("unexpected data: {error}"),
        input_errors: Value::Null,
    })
}

/// The widgets API at a base URL (`http://localhost:8080` in the reference).
#[derive(Clone, Debug)]
pub struct WidgetsClient {
    http: ClientWithMiddleware,
    base_url: String,
}

impl WidgetsClient {
    /// A client of the API at `base_url`, sending `MY_SECRET` (read for every request).
    pub fn new(base_url: impl Into<String>) -> Result<Self, ClientError> {
        let bearer = SecretBearer::builder().env("MY_SECRET").build()?;
        let http = ClientBuilder::new(reqwest::Client::new())
            .with(SecretBearerClientMiddleware::new(bearer))
            .build();
        Ok(Self {
            http,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
        })
    }
}

impl WidgetsApi for WidgetsClient {
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}/{path}", self.base_url))
    }
}

/// What the reference's client does: creates Thinga and Mabob, and lists the widgets.
pub async fn api_demo(api: &impl WidgetsApi) -> Result<Vec<Widget>, ClientError> {
    api.create(&NewWidget {
        name: "Thinga",
        category: "Doohickey",
        cost: 125.0,
    })
    .await?;
    api.create(&NewWidget {
        name: "Mabob",
        category: "Doohicky",
        cost: 150.0,
    })
    .await?;
    api.list().await
}
