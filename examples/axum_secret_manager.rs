//! The reference's secret-manager example, on axum: the primary and the alternate secret are
//! read from a secret manager, installed once for the process (`SecretStore::install`). It
//! answers byte for byte as `secret_manager` does on actix-web.
//!
//! ```text
//! cargo run -p secret_bearer_tests --example axum_secret_manager
//! curl 'http://localhost:8080/' -H "Authorization: SUPERSECRET"
//! ```

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use secret_bearer::{SecretStore, secret_bearer};
use secret_bearer_workspace::{FakeSecretManager, hello_world_json};

#[path = "support/axum.rs"]
mod support;

#[secret_bearer(
    secret = "/path/to/my/secret",
    alt_secret = "/path/to/alternate/secret"
)]
async fn hello() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], hello_world_json())
}

fn main() -> std::io::Result<()> {
    // One store for the process: every handler reads through its one cache.
    SecretStore::new(FakeSecretManager)
        .install()
        .map_err(std::io::Error::other)?;
    let app = Router::new().route("/", get(hello));
    // Every secret is read (and cached) at start-up; what cannot be is logged.
    support::serve(secret_bearer::resolve_all!(), app)
}
