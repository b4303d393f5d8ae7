//! [`Authenticated`]: authenticate first, then run the handler's other extractors.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{FromRequest, HttpRequest};
use pin_project_lite::pin_project;

use futures_util::future::LocalBoxFuture;

use super::{Checked, app_data, authenticate, refusal};
use crate::rejection::AuthError;
use crate::{Error, SecretBearer};

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

impl<T: FromRequest, P: BearerProvider> FromRequest for Authenticated<T, P> {
    type Error = actix_web::Error;
    type Future = AuthenticatedFuture<T, P>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        match authenticate(req, P::bearer(req)) {
            Checked::Now(Ok(())) => AuthenticatedFuture::Extracting {
                extract: T::from_request(req, payload),
                provider: PhantomData,
            },
            Checked::Now(Err(error)) => AuthenticatedFuture::refused(req, error),
            // The payload waits, unread, until the secret is fetched and the check is done.
            Checked::Later(check) => AuthenticatedFuture::Authenticating {
                waiting: Box::new(Waiting {
                    check,
                    req: req.clone(),
                    payload: payload.take(),
                }),
            },
        }
    }
}

/// A request whose secret is being fetched: boxed, so that the common future stays small.
#[doc(hidden)]
pub struct Waiting {
    check: LocalBoxFuture<'static, Result<(), AuthError>>,
    req: HttpRequest,
    payload: Payload,
}

pin_project! {
    /// The future of [`Authenticated`]'s extraction.
    #[project = AuthenticatedProj]
    #[allow(missing_docs)]
    pub enum AuthenticatedFuture<T: FromRequest, P> {
        #[doc(hidden)]
        Authenticating { waiting: Box<Waiting> },
        #[doc(hidden)]
        Extracting { #[pin] extract: T::Future, provider: PhantomData<fn() -> P> },
        #[doc(hidden)]
        Refused { error: Option<actix_web::Error> },
    }
}

impl<T: FromRequest, P> AuthenticatedFuture<T, P> {
    fn refused(req: &HttpRequest, error: AuthError) -> Self {
        let response = refusal(req, &error);
        Self::Refused {
            error: Some(InternalError::from_response(error, response).into()),
        }
    }
}

impl<T: FromRequest, P> Future for AuthenticatedFuture<T, P> {
    type Output = Result<Authenticated<T, P>, actix_web::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let next = match self.as_mut().project() {
                AuthenticatedProj::Authenticating { waiting } => {
                    match ready!(waiting.check.as_mut().poll(cx)) {
                        Ok(()) => Self::Extracting {
                            extract: T::from_request(&waiting.req, &mut waiting.payload),
                            provider: PhantomData,
                        },
                        Err(error) => Self::refused(&waiting.req, error),
                    }
                }
                AuthenticatedProj::Extracting { extract, .. } => {
                    return extract
                        .poll(cx)
                        .map_ok(|inner| Authenticated {
                            inner,
                            provider: PhantomData,
                        })
                        .map_err(Into::into);
                }
                AuthenticatedProj::Refused { error } => {
                    return match error.take() {
                        Some(error) => Poll::Ready(Err(error)),
                        None => panic!("AuthenticatedFuture polled after completion"),
                    };
                }
            };
            self.set(next);
        }
    }
}
