//! [`SecretBearer`] as middleware: every request to the wrapped `App`, `Scope` or `Resource`
//! is authenticated before its handler, or any of its extractors, runs.

use std::rc::Rc;

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::{LocalBoxFuture, Ready, ready};

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
        ready(Ok(SecretBearerMiddleware {
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
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let (service, bearer) = (Rc::clone(&self.service), self.bearer.clone());
        Box::pin(async move {
            match check_request(req.request(), Ok(&bearer)).await {
                Ok(()) => Ok(service.call(req).await?.map_into_left_body()),
                Err(refusal) => Ok(req.error_response(refusal).map_into_right_body()),
            }
        })
    }
}
