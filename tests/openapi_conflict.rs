//! Two configurations documented under one scheme name are an error, not a silent overwrite.
//! (Its own test binary: the attribute's registry is per binary.)

use actix_web::Responder;
use secret_bearer::openapi::document_handlers;
use secret_bearer::{Error, ErrorKind};
use secret_bearer::{SecretBearer, secret_bearer};
use utoipa::OpenApi;

#[allow(dead_code)] // documented, never mounted
#[utoipa::path(get, path = "/plain", responses((status = 200, description = "Hello")))]
#[secret_bearer(env = "SB_TEST_PRIMARY", doc = "Shared")]
async fn plain() -> impl Responder {
    "hello"
}

#[allow(dead_code)] // documented, never mounted
#[utoipa::path(get, path = "/bearer", responses((status = 200, description = "Hello")))]
#[secret_bearer(env = "SB_TEST_PRIMARY", doc = "Shared", prefix = "Bearer ")]
async fn bearer() -> impl Responder {
    "hello"
}

// Documented by hand (below), not by the attribute.
#[allow(dead_code)]
#[utoipa::path(get, path = "/other", responses((status = 200, description = "Hello")))]
async fn other() -> impl Responder {
    "hello"
}

#[derive(OpenApi)]
#[openapi(paths(plain, bearer))]
struct Both;

#[derive(OpenApi)]
#[openapi(paths(plain, other))]
struct One;

#[test]
fn handlers_that_disagree_on_a_name_are_refused_and_change_nothing() {
    let mut doc = Both::openapi();
    let before = serde_json::to_value(&doc).unwrap();
    let conflict = document_handlers(&mut doc);
    assert!(
        matches!(conflict.as_ref().map_err(Error::kind), Err(ErrorKind::ConflictingScheme { name, .. }) if name == "Shared"),
        "{conflict:?}"
    );
    assert_eq!(serde_json::to_value(&doc).unwrap(), before);
}

#[test]
fn only_handlers_in_the_document_count_and_an_existing_scheme_is_respected() {
    let mut doc = One::openapi();
    assert_eq!(document_handlers(&mut doc), Ok(1));
    let middleware = SecretBearer::builder()
        .env("A")
        .prefix("Bearer ")
        .doc("Shared")
        .build()
        .unwrap();
    let conflict = middleware.document_paths(&mut doc, "/other");
    assert!(
        matches!(conflict.as_ref().map_err(Error::kind), Err(ErrorKind::ConflictingScheme { name, .. }) if name == "Shared"),
        "{conflict:?}"
    );
    let same = SecretBearer::builder()
        .env("A")
        .doc("Shared")
        .build()
        .unwrap();
    assert_eq!(same.document_paths(&mut doc, "/other"), Ok(1));
}
