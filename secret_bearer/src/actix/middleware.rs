//! [`SecretBearer`] as middleware: every request to the wrapped `App`, `Scope` or `Resource`
//! is authenticated before its handler, or any of its extractors, runs.

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::{Either, MapOk, Ready, TryFutureExt, ready};

use super::{authenticate, refusal};
use crate::SecretBearer;

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
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = SecretBearerMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SecretBearerMiddleware {
            service,
            bearer: self.clone(),
        }))
    }
}

/// The service [`SecretBearer`] wraps around another as middleware.
#[derive(Debug)]
pub struct SecretBearerMiddleware<S> {
    service: S,
    bearer: SecretBearer,
}

type LeftBody<B> = fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>>;

impl<S, B> Service<ServiceRequest> for SecretBearerMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Either<MapOk<S::Future, LeftBody<B>>, Ready<Result<Self::Response, Self::Error>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        match authenticate(req.request(), Ok(&self.bearer)) {
            Ok(()) => Either::Left(
                self.service
                    .call(req)
                    .map_ok(ServiceResponse::map_into_left_body),
            ),
            Err(error) => {
                let response = refusal(req.request(), &error);
                Either::Right(ready(Ok(req.into_response(response).map_into_right_body())))
            }
        }
    }
}
