//! [`SecretBearer`] as middleware: every request to the wrapped `App`, `Scope` or `Resource`
//! is authenticated before its handler, or any of its extractors, runs.

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use std::rc::Rc;

use futures_util::future::{Either, LocalBoxFuture, MapOk, Ready, TryFutureExt, ready};

use super::{Checked, authenticate, refusal};
use crate::SecretBearer;
use crate::rejection::AuthError;

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
        ready(Ok(SecretBearerMiddleware {
            service: Rc::new(service),
            bearer: self.clone(),
        }))
    }
}

/// The service [`SecretBearer`] wraps around another as middleware.
#[derive(Debug)]
pub struct SecretBearerMiddleware<S> {
    // Shared with the requests that wait for a secret to be fetched before calling it.
    service: Rc<S>,
    bearer: SecretBearer,
}

type LeftBody<B> = fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>>;

type Responded<B> = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>;

/// The wrapped service's response, or the refusal, without waiting for anything else.
type Responding<S, B> =
    Either<MapOk<<S as Service<ServiceRequest>>::Future, LeftBody<B>>, Ready<Responded<B>>>;

impl<S, B> Service<ServiceRequest> for SecretBearerMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Either<Responding<S, B>, LocalBoxFuture<'static, Responded<B>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        match authenticate(req.request(), Ok(&self.bearer)) {
            Checked::Now(checked) => Either::Left(respond(&self.service, req, checked)),
            Checked::Later(check) => {
                let service = Rc::clone(&self.service);
                Either::Right(Box::pin(async move {
                    let checked = check.await;
                    respond(&service, req, checked).await
                }))
            }
        }
    }
}

/// Calls the wrapped service when the check passed; answers the refusal otherwise.
fn respond<S, B>(
    service: &S,
    req: ServiceRequest,
    checked: Result<(), AuthError>,
) -> Responding<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    match checked {
        Ok(()) => Either::Left(
            service
                .call(req)
                .map_ok(ServiceResponse::map_into_left_body),
        ),
        Err(error) => {
            let response = refusal(req.request(), &error);
            Either::Right(ready(Ok(req.into_response(response).map_into_right_body())))
        }
    }
}
