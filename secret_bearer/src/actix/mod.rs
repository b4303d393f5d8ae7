//! actix-web integration: the [`Authenticated`] extractor (what `#[secret_bearer]` generates)
//! and the middleware that [`SecretBearer`] is, for a whole `App` or `Scope`.

mod extractor;
mod middleware;

pub use extractor::{Authenticated, AuthenticatedFuture, BearerProvider, FromAppData};
pub use middleware::SecretBearerMiddleware;

use actix_web::http::header::{AUTHORIZATION, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use crate::rejection::AuthError;
use crate::response::RejectionHandler;
use crate::{Error, SecretBearer};

/// The one check every actix entry point runs.
fn authenticate(req: &HttpRequest, bearer: Result<&SecretBearer, Error>) -> Result<(), AuthError> {
    let bearer = bearer.map_err(AuthError::fail_closed)?;
    bearer.check(
        req.headers()
            .get_all(AUTHORIZATION)
            .map(HeaderValue::as_bytes),
    )
}

fn refusal(req: &HttpRequest, error: &AuthError) -> HttpResponse {
    RejectionHandler::respond(req, error)
}
