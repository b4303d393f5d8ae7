//! The reference's secret-manager example: the primary and the alternate secret are read from a
//! secret manager, given once to the app (`App::app_data`). The fake one knows two paths and
//! fails for any other, as the reference's does. `axum_secret_manager` is the same on axum.
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
    // One store for every worker, so they share one cache.
    let store = SecretStore::new(FakeSecretManager);
    // Every secret is read (and cached) at start-up; what cannot be is logged.
    let secrets = secret_bearer::resolve_all!(Some(&store));
    let routes = store.clone();
    serve(secrets, move |config| {
        config.app_data(routes.clone()).service(hello);
    })
}
