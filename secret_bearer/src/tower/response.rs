//! A refusal as an `http` response: on HTTP, the same status, challenge and clearskies body as
//! on actix-web; on gRPC, the status gRPC clients read.

use http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use http::{HeaderMap, Response, StatusCode};

use crate::rejection::AuthError;

/// The values of a request's `Authorization` headers, as the check reads them.
pub(crate) fn authorization(headers: &HeaderMap) -> impl Iterator<Item = &[u8]> {
    headers
        .get_all(AUTHORIZATION)
        .iter()
        .map(HeaderValue::as_bytes)
}

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

/// Whether a request is gRPC's (`application/grpc`, `application/grpc+proto`, ...).
pub(super) fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.as_bytes().get(..16))
        .is_some_and(|start| start.eq_ignore_ascii_case(b"application/grpc"))
}

/// The response to a refused gRPC request, as tonic answers a `Status` ("trailers only"): HTTP
/// 200, the status in the headers, an empty body made by `body`.
pub(super) fn grpc_response<B>(
    error: &AuthError,
    body: impl FnOnce(&'static str) -> B,
) -> Response<B> {
    // gRPC's codes: 16 UNAUTHENTICATED, 13 INTERNAL. The messages name no source and no value.
    let (status, message) = if error.is_misconfigured() {
        ("13", "authentication is misconfigured")
    } else {
        ("16", "not authenticated")
    };
    let mut response = Response::new(body(""));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    headers.insert("grpc-status", HeaderValue::from_static(status));
    headers.insert("grpc-message", HeaderValue::from_static(message));
    response
}
