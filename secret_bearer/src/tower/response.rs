//! A refusal as an `http` response: the same status, challenge and clearskies body as on
//! actix-web.

use http::header::{CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use http::{Response, StatusCode};

use crate::rejection::AuthError;

/// The response to a refused HTTP request, its body made by `body` from clearskies' JSON.
pub(crate) fn http_response<B>(
    error: &AuthError,
    body: impl FnOnce(&'static str) -> B,
) -> Response<B> {
    let mut response = Response::new(body(error.body()));
    *response.status_mut() = if error.is_misconfigured() {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::UNAUTHORIZED
    };
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // Always a valid value (`AuthError::challenge`); a `None` here would only drop the header.
    if let Some(challenge) = error
        .challenge()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        headers.insert(WWW_AUTHENTICATE, challenge);
    }
    response
}
