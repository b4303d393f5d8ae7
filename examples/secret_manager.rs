//! The reference's secret-manager example: the primary and the alternate secret are read from a
//! secret manager, bound once in the app data. This fake one knows two paths and fails for any
//! other, as the reference's does.
//!
//! ```text
//! cargo run --example secret_manager
//! curl 'http://localhost:8080/' -H "Authorization: SUPERSECRET"
//! ```

use actix_web::{HttpResponse, get};
use secret_bearer::{ManagerError, SecretManager, SecretStore, secret_bearer};
use secret_bearer_workspace::{hello_world, serve};

struct FakeSecretManager;

impl SecretManager for FakeSecretManager {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        match path {
            "/path/to/my/secret" => Ok("SUPERSECRET".to_owned()),
            "/path/to/alternate/secret" => Ok("ALSOOKAY".to_owned()),
            _ => Err(ManagerError::not_found(format!(
                "Attempt to fetch non-existent secret: {path}"
            ))),
        }
    }
}

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
