//! [`Caller`] as an extractor: what the check kept in the request's extensions.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::FutureExt;

use super::{Check, SharedCheck, refusal};
use crate::caller::Caller;
use crate::error::{Error, ErrorKind};
use crate::rejection::AuthError;

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = CallerFuture;

    /// The caller the check accepted. A handler no check protects has none: that is a mistake
    /// in the service, answered as a misconfiguration (a 500, and an error event), not a 401.
    ///
    /// Beside a plain [`Authenticated`](crate::Authenticated) guard, in either order, it waits
    /// for the guard's check, and a refusal is the guard's.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Nothing is read yet: actix-web constructs all of a handler's parameters before it
        // polls any, so by the first poll a guard after this one has started its check.
        CallerFuture {
            req: req.clone(),
            check: None,
        }
    }
}

/// The future of [`Caller`]'s extraction.
pub struct CallerFuture {
    req: HttpRequest,
    /// The check under way beside the extractor, once the first poll has found one.
    check: Option<SharedCheck>,
}

impl Future for CallerFuture {
    type Output = Result<Caller, actix_web::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.check.is_none() {
            this.check = waiting(&this.req);
        }
        if let Some(check) = &mut this.check {
            let checked = ready!(check.poll_unpin(cx));
            // A shared check is not polled again once it has answered.
            this.check = None;
            if let Err(error) = checked {
                return Poll::Ready(Err(refusal(&this.req, error)));
            }
        }
        Poll::Ready(decided(&this.req).map_err(|error| refusal(&this.req, error)))
    }
}

/// The check under way for the request, if a guard is running one.
fn waiting(req: &HttpRequest) -> Option<SharedCheck> {
    match req.extensions().get::<Check>() {
        Some(Check::Waiting(check)) => check.upgrade(),
        _ => None,
    }
}

/// What the request's checks decided: a refusal wins over a caller another check accepted,
/// and no check at all is the service's mistake.
fn decided(req: &HttpRequest) -> Result<Caller, AuthError> {
    // The extensions are released before the error is built: a `RejectionHandler` may read them.
    let (refused, caller) = {
        let extensions = req.extensions();
        let refused = match extensions.get::<Check>() {
            Some(Check::Refused(error)) => Some(error.clone()),
            _ => None,
        };
        (refused, extensions.get::<Caller>().cloned())
    };
    match (refused, caller) {
        (Some(error), _) => Err(error),
        (None, Some(caller)) => Ok(caller),
        (None, None) => Err(AuthError::fail_closed(Error::from(ErrorKind::Unprotected))),
    }
}
