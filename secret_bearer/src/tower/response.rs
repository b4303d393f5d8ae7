//! A refusal as an `http` response: on HTTP, the same status, challenge and clearskies body as
//! on actix-web; on gRPC, the status gRPC clients read.

use http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use http::{HeaderMap, Request, Response, StatusCode, Version};

use crate::rejection::AuthError;

/// The values of a request's `Authorization` headers, as the check reads them.
pub(crate) fn authorization(headers: &HeaderMap) -> impl Iterator<Item = &[u8]> {
    headers
        .get_all(AUTHORIZATION)
        .iter()
        .map(HeaderValue::as_bytes)
}

/// Marks every `Authorization` value of a request sensitive, so that printing the request or its
/// headers (`{:?}`: a handler, a middleware or a service that logs `?request`) shows `Sensitive`
/// in its place, and a request forwarded over HTTP/2 (by a proxy) keeps it out of the header
/// compression's tables. One pass over the headers: no lookup, no allocation.
pub(crate) fn mark_sensitive(headers: &mut HeaderMap) {
    for (name, value) in headers.iter_mut() {
        if name == AUTHORIZATION {
            value.set_sensitive(true);
        }
    }
}

/// The response to a refused HTTP request, its body made by `body` from clearskies' JSON.
pub(crate) fn http_response<B>(
    error: &AuthError,
    body: impl FnOnce(&'static str) -> B,
) -> Response<B> {
    let mut response = Response::new(body(error.body()));
    // One of 401, 403 and 500, each a valid status.
    *response.status_mut() =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
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

/// Whether a refusal is answered as gRPC answers: only a gRPC call, which is HTTP/2 (or
/// later) with a `content-type` of `application/grpc` or `application/grpc+<format>` (ASCII case
/// ignored, parameters allowed). Everything else gets the HTTP refusal, gRPC-web (`application/grpc-web…`) and any
/// request over HTTP/1.x included: a plain HTTP route's refusal stays a 401 whatever content
/// type its caller sends, and gRPC-web and HTTP/1.1 clients read a 401 as `UNAUTHENTICATED`
/// (gRPC's mapping of HTTP statuses). No gRPC call is HTTP/1.x.
pub(super) fn answers_as_grpc<B>(request: &Request<B>) -> bool {
    const GRPC: &[u8] = b"application/grpc";
    let is_grpc_type = |value: &HeaderValue| {
        let value = value.as_bytes();
        value.len() >= GRPC.len()
            && value[..GRPC.len()].eq_ignore_ascii_case(GRPC)
            && matches!(value.get(GRPC.len()), None | Some(b'+' | b';'))
    };
    request.version() >= Version::HTTP_2
        && request
            .headers()
            .get(CONTENT_TYPE)
            .is_some_and(is_grpc_type)
}

/// The response to a refused gRPC request, as tonic answers a `Status` ("trailers only"): HTTP
/// 200, the status in the headers, an empty body made by `body`.
pub(super) fn grpc_response<B>(
    error: &AuthError,
    body: impl FnOnce(&'static str) -> B,
) -> Response<B> {
    // gRPC's codes: 16 UNAUTHENTICATED, 7 PERMISSION_DENIED, 13 INTERNAL. The messages name
    // no source and no value, and no scope.
    let (status, message) = match error.status_code() {
        500 => ("13", "authentication is misconfigured"),
        403 => ("7", "not authorized"),
        _ => ("16", "not authenticated"),
    };
    let mut response = Response::new(body(""));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    headers.insert("grpc-status", HeaderValue::from_static(status));
    headers.insert("grpc-message", HeaderValue::from_static(message));
    response
}
