//! actix-web integration: the [`Authenticated`] extractor (what `#[secret_bearer]` generates)
//! and the middleware that [`SecretBearer`] is, for a whole `App` or `Scope`.

mod caller;
mod extractor;
mod middleware;

pub use extractor::{Authenticated, AuthenticatedFuture, BearerProvider, FromAppData};
pub use middleware::{MiddlewareFuture, SecretBearerMiddleware};

use actix_web::error::InternalError;
use actix_web::http::header::{AUTHORIZATION, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, web};

use crate::bearer::SecretBearer;
use crate::error::Error;
use crate::rejection::AuthError;
use crate::response::RejectionHandler;

/// The check every actix entry point runs, with the store bound in the app data. An accepted
/// request keeps its [`Caller`](crate::Caller) in its extensions, for the handler's extractor.
/// A refusal is actix-web's error, which carries the response to send (the
/// [`RejectionHandler`]'s, or the default one). Not generic: every handler's extractor shares
/// this one copy.
async fn check_request(
    req: &HttpRequest,
    bearer: Result<&SecretBearer, Error>,
) -> Result<(), actix_web::Error> {
    let checked = match bearer {
        Ok(bearer) => {
            let authorization = req
                .headers()
                .get_all(AUTHORIZATION)
                .map(HeaderValue::as_bytes);
            // The app data is searched only for a bearer that reads a secret manager.
            let store = bearer.needs_store().then(|| app_data(req)).flatten();
            bearer.authenticate(store, authorization).await
        }
        Err(error) => Err(AuthError::fail_closed(error)),
    };
    match checked {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            Ok(())
        }
        Err(error) => Err(refusal(req, error)),
    }
}

/// The error that answers a refused request with its response.
fn refusal(req: &HttpRequest, error: AuthError) -> actix_web::Error {
    let response = match app_data::<RejectionHandler>(req) {
        Some(handler) => handler.respond(req, &error),
        None => error.default_response(),
    };
    InternalError::from_response(error, response).into()
}

/// `T` registered in the app data, as itself or as `web::Data<T>`: every binding this crate
/// reads is found both ways.
fn app_data<T: 'static>(req: &HttpRequest) -> Option<&T> {
    req.app_data::<T>()
        .or_else(|| req.app_data::<web::Data<T>>().map(|data| data.get_ref()))
}
