//! [`Authenticated`]: authenticate first, then run the handler's other extractors.

use std::any::TypeId;
use std::marker::PhantomData;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::FutureExt;
use pin_project_lite::pin_project;

use super::{CheckFuture, SharedCheck, app_data, check, refusal, share};
use crate::bearer::SecretBearer;
use crate::error::Error;
use crate::guard::{Authenticated, BearerProvider};
use crate::rejection::AuthError;

/// [`Authenticated`] on actix-web, with the bearer its provider finds (in the app data, for
/// `Authenticated<T>`).
///
/// # Beside other parameters
///
/// `Authenticated` alone (`T = ()`) is a plain guard: `async fn put(_: Authenticated, body:
/// web::Bytes)`. Beside other parameters, in any order:
///
/// - the handler runs only once the request is authenticated;
/// - the guard takes nothing from the parameters beside it: they get the body whether or not
///   the check has to wait (for a secret manager), and a [`Caller`](crate::Caller) beside it
///   names the caller the guard accepted, or answers with the guard's refusal;
/// - the guard does not hold them back: actix-web runs every parameter's extractor alongside
///   the others, so a `web::Json` beside the guard may read the body while the check waits for
///   a store, and its error (a 400 for a malformed body) may answer the request instead of the
///   guard's 401.
///
/// For the body to stay unread until the request is authenticated, and the 401 to win over
/// every extractor's error, put the parameters in `T` (`Authenticated<(web::Path<u32>,
/// web::Json<Widget>)>`), or use the attribute, which does that, or the middleware.
///
/// A guard with a `T` of its own keeps the body for `T` while its check waits, whether `T`
/// reads it or not: a parameter beside it that reads the body would then get it empty. Put
/// every parameter that reads the body in `T`.
// `T: 'static`, as every handler parameter is (actix's `Route::to` asks it of them all): the
// guard asks `T`'s type whether it may read the body.
impl<T: FromRequest + 'static, P: BearerProvider> FromRequest for Authenticated<T, P> {
    type Error = actix_web::Error;
    type Future = AuthenticatedFuture<T, P>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        AuthenticatedFuture {
            extract: ExtractAfterCheck::new(req, payload, P::bearer(|| app_data(req))),
            provider: PhantomData,
        }
    }
}

pin_project! {
    /// The future of [`Authenticated`]'s extraction. Only this thin wrapper is generic in the
    /// provider; what it wraps is generic in `T` alone, so handlers with the same parameter
    /// types share its code.
    pub struct AuthenticatedFuture<T: FromRequest, P> {
        #[pin]
        extract: ExtractAfterCheck<T>,
        provider: PhantomData<fn() -> P>,
    }
}

impl<T: FromRequest, P> Future for AuthenticatedFuture<T, P> {
    type Output = Result<Authenticated<T, P>, actix_web::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().extract.poll(cx).map_ok(Authenticated::new)
    }
}

pin_project! {
    /// The check, then `T`'s extraction.
    #[project = ExtractProj]
    enum ExtractAfterCheck<T: FromRequest> {
        /// The check must wait (for a secret manager): the payload `T` may read waits with it,
        /// unread. The check is shared with the request's other extractors (a `Caller`).
        Checking { check: SharedCheck, req: HttpRequest, payload: Payload },
        /// The check refused. The response is built only when this is polled: a `Caller`
        /// beside the guard that answers first answers alone, and a `RejectionHandler` runs
        /// once a request.
        Refused { error: Option<AuthError>, req: HttpRequest },
        Extracting { #[pin] extract: T::Future },
    }
}

impl<T: FromRequest + 'static> ExtractAfterCheck<T> {
    /// Runs the check as far as it goes now. Most checks end at once (the secrets are read or
    /// cached): then `T` is extracted at once, with the request's own payload. A check that
    /// must wait (for a secret manager) takes the payload with it for `T`, so that nothing of
    /// `T` reads the body before the request is authenticated; a plain guard (`T = ()`) reads
    /// none, and leaves it to the parameters beside it.
    fn new(req: &HttpRequest, payload: &mut Payload, bearer: Result<&SecretBearer, Error>) -> Self {
        if let Some(checked) = check_in_place(req, &bearer) {
            return Self::after(checked, req, payload);
        }
        let mut check = check_owned(req.clone(), bearer.cloned());
        match poll_once(check.as_mut()) {
            Poll::Ready(checked) => Self::after(checked, req, payload),
            Poll::Pending => Self::Checking {
                check: share(req, check),
                req: req.clone(),
                payload: if reads_nothing::<T>() {
                    Payload::None
                } else {
                    payload.take()
                },
            },
        }
    }

    fn after(checked: Result<(), AuthError>, req: &HttpRequest, payload: &mut Payload) -> Self {
        match checked {
            Ok(()) => Self::Extracting {
                extract: T::from_request(req, payload),
            },
            Err(error) => Self::Refused {
                error: Some(error),
                req: req.clone(),
            },
        }
    }
}

/// The check of a bearer whose secrets are environment variables, which never waits: run in
/// place, with no box (about 200 of the check's 4,500 instructions a request). `None` for a
/// bearer that reads a manager, which may wait: its check runs in the box that owns what it
/// needs from the start, so that it is never run twice. (An environment check that did not end
/// would start over in the box; it has nothing to undo.)
fn check_in_place(
    req: &HttpRequest,
    bearer: &Result<&SecretBearer, Error>,
) -> Option<Result<(), AuthError>> {
    if bearer.as_ref().is_ok_and(|bearer| bearer.needs_store()) {
        return None;
    }
    let bearer = bearer.as_ref().map(|bearer| *bearer).map_err(Error::clone);
    match poll_once(pin!(check(req, bearer))) {
        Poll::Ready(checked) => Some(checked),
        Poll::Pending => None,
    }
}

/// Whether `T` is `()`, the one extractor known to read nothing: the guard keeps the payload
/// for any other, which may read it. (Known at compile time: the test folds away.)
fn reads_nothing<T: 'static>() -> bool {
    TypeId::of::<T>() == TypeId::of::<()>()
}

/// One poll, by whoever constructs the extractor: the task's waker comes with the next poll.
fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(
        futures_util::task::noop_waker_ref(),
    ))
}

impl<T: FromRequest> Future for ExtractAfterCheck<T> {
    type Output = Result<T, actix_web::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match self.as_mut().project() {
                ExtractProj::Checking {
                    check,
                    req,
                    payload,
                } => {
                    if let Err(error) = ready!(check.poll_unpin(cx)) {
                        return Poll::Ready(Err(refusal(req, error)));
                    }
                    let extract = T::from_request(req, payload);
                    self.set(Self::Extracting { extract });
                }
                ExtractProj::Refused { error, req } => {
                    let error = error.take().expect("polled again after its refusal");
                    return Poll::Ready(Err(refusal(req, error)));
                }
                ExtractProj::Extracting { extract } => return extract.poll(cx).map_err(Into::into),
            }
        }
    }
}

/// The check of a request. Not generic: every handler's extractor shares this one copy.
fn check_owned(req: HttpRequest, bearer: Result<SecretBearer, Error>) -> CheckFuture {
    Box::pin(async move { check(&req, bearer.as_ref().map_err(Error::clone)).await })
}
