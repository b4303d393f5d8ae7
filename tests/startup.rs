//! `resolve_all`: every annotated handler's and client function's, and every built bearer's
//! secrets, read at start-up. (A test binary of its own: `resolve_all` sees every annotated
//! function in the binary.)

mod support;

use secret_bearer::{
    Error, ManagerError, SecretBearer, SecretManager, SecretSource, SecretStore, client,
    secret_bearer,
};
use support::{PRIMARY, init_env};

#[secret_bearer(env = "SB_TEST_PRIMARY")]
async fn from_the_environment() -> &'static str {
    "env"
}

#[secret_bearer(secret = "/service/key", alt_secret = "/service/old-key")]
async fn from_the_manager() -> &'static str {
    "manager"
}

/// A client function, whose secret lives in the store bound for clients, which the service's
/// store does not have.
#[secret_bearer(secret = "/upstream/key")]
async fn call_upstream(
    request: reqwest::RequestBuilder,
) -> Result<reqwest::Response, Box<dyn std::error::Error>> {
    Ok(request.send().await?)
}

/// Knows `/service/key`, and `/service/old-key` only when `complete`.
struct Store {
    complete: bool,
}

impl SecretManager for Store {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        match path {
            "/service/key" => Ok(PRIMARY.to_owned()),
            "/service/old-key" if self.complete => Ok("OLD".to_owned()),
            _ => Err(ManagerError::not_found(format!("no secret at {path}"))),
        }
    }
}

/// The clients' store: knows `/upstream/key` only.
struct UpstreamStore;

impl SecretManager for UpstreamStore {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        match path {
            "/upstream/key" => Ok("UPSTREAM".to_owned()),
            _ => Err(ManagerError::not_found(format!("no secret at {path}"))),
        }
    }
}

#[actix_web::test]
async fn every_secret_is_read_at_start_up_and_every_problem_reported() {
    init_env();
    let _ = (from_the_environment, from_the_manager, call_upstream);
    let by_hand = SecretBearer::builder()
        .env("SB_TEST_UNSET_STARTUP")
        .build()
        .unwrap();

    let incomplete = SecretStore::new(Store { complete: false });
    let unresolved = secret_bearer::resolve_all(Some(&incomplete))
        .await
        .unwrap_err();
    let shown = unresolved.to_string();
    assert_eq!(unresolved.errors().len(), 3, "{shown}");
    assert!(
        shown.contains("environment variable `SB_TEST_UNSET_STARTUP` is not set"),
        "{shown}"
    );
    assert!(
        shown.contains("the secret manager could not read secret `/service/old-key`: not found"),
        "{shown}"
    );
    assert!(!shown.contains(PRIMARY), "{shown}");
    // No store is bound for clients yet: the client function's secret cannot be read.
    assert!(
        unresolved.errors().iter().any(|error| matches!(
            error,
            Error::NoSecretStore { source: SecretSource::Manager { path, .. } }
                if path == "/upstream/key"
        )),
        "{shown}"
    );

    // Without a store, the manager's secrets cannot be read at all.
    let unresolved = secret_bearer::resolve_all(None).await.unwrap_err();
    assert!(
        unresolved
            .errors()
            .iter()
            .any(|error| matches!(error, Error::NoSecretStore { .. })),
        "{unresolved}"
    );

    drop(by_hand);
    let complete = SecretStore::new(Store { complete: true });
    // The client function's secret is read through the clients' store, not the service's.
    assert!(client::bind_store(SecretStore::new(UpstreamStore)).is_ok());
    let checked = secret_bearer::resolve_all(Some(&complete)).await.unwrap();
    assert_eq!(
        checked, 3,
        "the two handlers and the client; the dropped bearer is gone"
    );
}
