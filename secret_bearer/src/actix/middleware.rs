//! [`SecretBearer`] as middleware: every request to the wrapped `App`, `Scope` or `Resource`
//! is authenticated before its handler, or any of its extractors, runs.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use futures_util::future::{LocalBoxFuture, Ready};
use pin_project_lite::pin_project;

use super::check_request;
use crate::bearer::SecretBearer;

/// ```
/// use actix_web::{App, HttpResponse, web};
/// use secret_bearer::SecretBearer;
///
/// let bearer = SecretBearer::builder().env("MY_AUTH_SECRET").prefix("Bearer ").build()?;
/// let app = App::new()
///     .route("/health", web::get().to(HttpResponse::Ok))
///     .service(web::scope("/api").wrap(bearer).route("/", web::get().to(HttpResponse::Ok)));
/// # let _ = app;
/// # Ok::<(), secret_bearer::Error>(())
/// ```
///
/// Put CORS middleware outside it (registered after it), so that preflight requests, which
/// carry no credentials, are answered before they reach the check.
impl<S, B> Transform<S, ServiceRequest> for SecretBearer
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = SecretBearerMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        futures_util::future::ready(Ok(SecretBearerMiddleware {
            service: Rc::new(service),
            bearer: self.clone(),
        }))
    }
}

/// The service [`SecretBearer`] wraps around another as middleware.
#[derive(Debug)]
pub struct SecretBearerMiddleware<S> {
    // Shared with the requests in flight, which call it once authenticated.
    service: Rc<S>,
    bearer: SecretBearer,
}

impl<S, B> Service<ServiceRequest> for SecretBearerMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = MiddlewareFuture<S, B>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        // Before anything else: what the request reaches next (an inner middleware, the
        // handler, a `RejectionHandler`, and the middleware outside on its way back) prints
        // `Sensitive` in place of the credential. (`headers_mut` needs the request unshared, as
        // actix-web's own routing after a middleware does.)
        mark_sensitive(req.headers_mut());
        MiddlewareFuture {
            state: State::Checking {
                check: check_service_request(req, self.bearer.clone()),
                service: Rc::clone(&self.service),
            },
        }
    }
}

pin_project! {
    /// The check, then the wrapped service's call (not boxed with the check: the check's box
    /// stays small, and is the same type for every service).
    pub struct MiddlewareFuture<S: Service<ServiceRequest>, B> {
        #[pin]
        state: State<S, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S: Service<ServiceRequest>, B> {
        Checking { check: LocalBoxFuture<'static, Checked>, service: Rc<S> },
        Calling { #[pin] call: S::Future, body: PhantomData<B> },
    }
}

/// The request to pass on, or the refusal to answer with.
type Checked = Result<ServiceRequest, ServiceResponse>;

impl<S, B> Future for MiddlewareFuture<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let mut state = self.as_mut().project().state;
            match state.as_mut().project() {
                StateProj::Checking { check, service } => match ready!(check.as_mut().poll(cx)) {
                    Ok(req) => {
                        let call = service.call(req);
                        state.set(State::Calling {
                            call,
                            body: PhantomData,
                        });
                    }
                    Err(refusal) => return Poll::Ready(Ok(refusal.map_into_right_body())),
                },
                StateProj::Calling { call, .. } => {
                    return call.poll(cx).map_ok(ServiceResponse::map_into_left_body);
                }
            }
        }
    }
}

/// Marks every `Authorization` value sensitive, in one pass over the headers (actix-web's
/// `HeaderMap` lends no value but the first of a name mutably; `retain` lends them all, and
/// keeps every header).
fn mark_sensitive(headers: &mut HeaderMap) {
    headers.retain(|name, value| {
        if name == AUTHORIZATION {
            value.set_sensitive(true);
        }
        true
    });
}

/// The check of a request, handing it back to pass on, or answering it. Not generic: every
/// middleware shares this one copy.
fn check_service_request(
    req: ServiceRequest,
    bearer: SecretBearer,
) -> LocalBoxFuture<'static, Checked> {
    Box::pin(async move {
        match check_request(req.request(), Ok(&bearer)).await {
            Ok(()) => Ok(req),
            Err(refusal) => Err(req.error_response(refusal)),
        }
    })
}
