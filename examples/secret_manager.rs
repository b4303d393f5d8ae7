//! The reference's secret-manager example: the primary and the alternate secret are read from a
//! secret manager, installed once for the process (`SecretStore::install`). The fake one knows
//! two paths and fails for any other, as the reference's does. `axum_secret_manager` is the
//! same on axum.
//!
//! ```text
//! cargo run --example secret_manager
//! curl 'http://localhost:8080/' -H "Authorization: SUPERSECRET"
//! ```

use actix_web::{HttpResponse, get};
use secret_bearer::{SecretStore, secret_bearer};
use secret_bearer_workspace::{FakeSecretManager, hello_world, serve};

#[get("/")]
#[secret_bearer(
    secret = "/path/to/my/secret",
    alt_secret = "/path/to/alternate/secret"
)]
async fn hello() -> HttpResponse {
    hello_world()
}

fn main() -> std::io::Result<()> {
    // One store for the process: every worker's handlers read through its one cache.
    SecretStore::new(FakeSecretManager)
        .install()
        .map_err(std::io::Error::other)?;
    // Every secret is read (and cached) at start-up; what cannot be is logged.
    serve(secret_bearer::resolve_all!(), |config| {
        config.service(hello);
    })
}
