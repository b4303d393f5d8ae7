//! [`Authenticated`]: authenticate first, then run the handler's other extractors.

use std::fmt;
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::{app_data, check_request};
use crate::bearer::SecretBearer;
use crate::error::Error;

/// Where an [`Authenticated`] extractor finds the [`SecretBearer`] that guards a request.
///
/// `#[secret_bearer]` implements it for a hidden type per handler; [`FromAppData`] is the one
/// to use by hand. Implement it to pick a bearer any other way.
pub trait BearerProvider: 'static {
    /// The bearer for this request, or why there is none (answered with a 500).
    fn bearer(req: &HttpRequest) -> Result<&SecretBearer, Error>;
}

/// Finds the [`SecretBearer`] in the app data, registered as itself or as `web::Data`.
#[derive(Debug)]
pub enum FromAppData {}

impl BearerProvider for FromAppData {
    fn bearer(req: &HttpRequest) -> Result<&SecretBearer, Error> {
        app_data(req).ok_or(Error::NotRegistered)
    }
}

/// An extractor that authenticates the request, and only then extracts `T`.
///
/// Until the request is authenticated, `T`'s extractor does not run: an unauthenticated request
/// never has its body read, and its 401 wins over every error `T` would have raised. This is the
/// parameter `#[secret_bearer]` gives a handler, with `T` the tuple of the handler's own
/// parameters. By hand, with the bearer in the app data:
///
/// ```
/// use actix_web::{App, HttpResponse, web};
/// use secret_bearer::{Authenticated, SecretBearer};
///
/// async fn create(auth: Authenticated<web::Json<serde_json::Value>>) -> HttpResponse {
///     let body = auth.into_inner();
///     HttpResponse::Created().json(body.into_inner())
/// }
///
/// let bearer = SecretBearer::builder().env("MY_AUTH_SECRET").build()?;
/// let app = App::new().app_data(bearer).route("/", web::post().to(create));
/// # let _ = app;
/// # Ok::<(), secret_bearer::Error>(())
/// ```
///
/// `Authenticated` alone (`T = ()`) is a plain guard. As one parameter among others it is
/// checked first only if it comes first; wrapping the others in its `T` makes that certain.
pub struct Authenticated<T = (), P = FromAppData> {
    inner: T,
    provider: PhantomData<fn() -> P>,
}

// By hand: a derive would ask `P: Debug`, and `#[secret_bearer]`'s hidden providers are not,
// which would stop `#[tracing::instrument]` and friends from formatting the parameter.
impl<T: fmt::Debug, P> fmt::Debug for Authenticated<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Authenticated").field(&self.inner).finish()
    }
}

impl<T, P> Authenticated<T, P> {
    /// What `T` extracted.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: FromRequest + 'static, P: BearerProvider> FromRequest for Authenticated<T, P> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The payload waits, unread, until the check is done.
        let (req, mut payload) = (req.clone(), payload.take());
        Box::pin(async move {
            check_request(&req, P::bearer(&req)).await?;
            let inner = T::from_request(&req, &mut payload)
                .await
                .map_err(Into::into)?;
            Ok(Self {
                inner,
                provider: PhantomData,
            })
        })
    }
}
