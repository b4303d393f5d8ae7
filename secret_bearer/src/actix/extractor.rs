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

    #[inline]
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        match authenticate(req, P::bearer(req)) {
            Checked::Now(Ok(())) => AuthenticatedFuture::extracting(req, payload),
            Checked::Now(Err(error)) => AuthenticatedFuture::Detour {
                detour: Detour::refused(req, error),
            },
            Checked::Later(check) => AuthenticatedFuture::Detour {
                detour: Detour::waiting(check, req, payload),
            },
        }
    }
}

pin_project! {
    /// The future of [`Authenticated`]'s extraction.
    #[project = AuthenticatedProj]
    #[allow(missing_docs)]
    pub enum AuthenticatedFuture<T: FromRequest, P> {
        /// Authenticated: `T` is being extracted.
        #[doc(hidden)]
        Extracting { #[pin] extract: T::Future, provider: PhantomData<fn() -> P> },
        /// Refused, waiting for a secret to be fetched, or done with either.
        #[doc(hidden)]
        Detour { detour: Box<Detour> },
    }
}

impl<T: FromRequest, P> AuthenticatedFuture<T, P> {
    fn extracting(req: &HttpRequest, payload: &mut Payload) -> Self {
        Self::Extracting {
            extract: T::from_request(req, payload),
            provider: PhantomData,
        }
    }
}

impl<T: FromRequest, P> Future for AuthenticatedFuture<T, P> {
    type Output = Result<Authenticated<T, P>, actix_web::Error>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // A loop, not a recursive call: the compiler inlines only what does not recurse.
        loop {
            let detour = match self.as_mut().project() {
                AuthenticatedProj::Extracting { extract, .. } => {
                    return extract
                        .poll(cx)
                        .map_ok(|inner| Authenticated {
                            inner,
                            provider: PhantomData,
                        })
                        .map_err(Into::into);
                }
                AuthenticatedProj::Detour { detour } => detour,
            };
            let (req, mut payload) = ready!(detour.poll(cx))?;
            self.set(Self::extracting(&req, &mut payload));
        }
    }
}

/// The rare ways of [`AuthenticatedFuture`], out of its way: boxed, so that the common future
/// stays small, and not generic, so that each handler's extractor does not carry their code.
#[doc(hidden)]
pub struct Detour(DetourState);

enum DetourState {
    /// The secret is being fetched; the payload waits, unread, until the check is done.
    Waiting {
        check: LocalBoxFuture<'static, Result<(), AuthError>>,
        req: HttpRequest,
        payload: Payload,
    },
    Refused(actix_web::Error),
    Done,
}

impl Detour {
    #[cold]
    #[inline(never)]
    fn refused(req: &HttpRequest, error: AuthError) -> Box<Self> {
        Box::new(Self(DetourState::Refused(refusal_error(req, error))))
    }

    #[cold]
    #[inline(never)]
    fn waiting(
        check: LocalBoxFuture<'static, Result<(), AuthError>>,
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> Box<Self> {
        Box::new(Self(DetourState::Waiting {
            check,
            req: req.clone(),
            payload: payload.take(),
        }))
    }

    /// The request and its payload once authenticated, or the refusal.
    #[inline(never)]
    fn poll(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(HttpRequest, Payload), actix_web::Error>> {
        let checked = match &mut self.0 {
            DetourState::Waiting { check, .. } => Some(ready!(check.as_mut().poll(cx))),
            DetourState::Refused(_) | DetourState::Done => None,
        };
        Poll::Ready(
            match (std::mem::replace(&mut self.0, DetourState::Done), checked) {
                (DetourState::Waiting { req, payload, .. }, Some(Ok(()))) => Ok((req, payload)),
                (DetourState::Waiting { req, .. }, Some(Err(error))) => {
                    Err(refusal_error(&req, error))
                }
                (DetourState::Refused(error), _) => Err(error),
                _ => panic!("AuthenticatedFuture polled after completion"),
            },
        )
    }
}

/// The refusal as actix-web's error: the response it carries is the rejection's.
fn refusal_error(req: &HttpRequest, error: AuthError) -> actix_web::Error {
    let response = refusal(req, &error);
    InternalError::from_response(error, response).into()
}
