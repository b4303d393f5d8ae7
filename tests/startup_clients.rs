//! `resolve_all` and client functions: a client's missing secret is found at start-up, before
//! any request is sent. (A test binary of its own: `resolve_all` sees every annotated function
//! in the binary, and this one's fails.)

use secret_bearer::{Error, SecretSource, secret_bearer};

#[secret_bearer(env = "SB_STARTUP_CLIENT_UNSET")]
async fn authorize(request: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder, Error> {
    Ok(request)
}

#[actix_web::test]
async fn a_client_functions_missing_secret_is_reported_at_start_up() {
    let _ = authorize;
    let unresolved = secret_bearer::resolve_all(None).await.unwrap_err();
    assert_eq!(
        unresolved.errors(),
        [Error::MissingSecret {
            source: SecretSource::Env("SB_STARTUP_CLIENT_UNSET".into()),
        }],
        "{unresolved}"
    );
}
