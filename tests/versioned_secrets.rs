//! `rotating`: the alternate secret is the primary's previous version in a store that keeps
//! versions, so a rotation in the store needs no change of configuration.

mod stores;
mod support;

use std::sync::{Arc, Mutex};

use actix_web::{App, test};
use secret_bearer::{
    ErrorKind, ManagerError, ManagerErrorKind, SecretBearer, SecretManager, SecretStore,
};
use support::{CapturedLogs, get_request};

/// A store that keeps every version of its one secret, as AWS Secrets Manager and Vault's
/// KV v2 do.
#[derive(Clone, Default)]
struct Versioned(Arc<Mutex<Vec<String>>>);

impl Versioned {
    fn put(&self, value: String) {
        self.0.lock().unwrap().push(value);
    }
}

impl SecretManager for Versioned {
    async fn get(&self, _path: &str) -> Result<String, ManagerError> {
        let versions = self.0.lock().unwrap();
        let current = versions
            .last()
            .ok_or(ManagerError::new(ManagerErrorKind::NotFound, "no secret"))?;
        Ok(current.clone())
    }

    async fn get_previous(&self, _path: &str) -> Result<String, ManagerError> {
        let versions = self.0.lock().unwrap();
        let previous = versions.iter().rev().nth(1).or(versions.last());
        Ok(previous
            .ok_or(ManagerError::new(ManagerErrorKind::NotFound, "no secret"))?
            .to_string())
    }
}

/// A store without versions: the trait's default `get_previous`.
struct Unversioned;

impl SecretManager for Unversioned {
    async fn get(&self, _path: &str) -> Result<String, ManagerError> {
        Ok(stores::document("ONLY").to_string())
    }
}

#[actix_web::test]
async fn a_rotation_in_the_store_is_accepted_and_the_old_secret_still_works() {
    let manager = Versioned::default();
    stores::a_handler_follows_rotations(manager.clone(), async |token| {
        manager.put(stores::document(token).to_string())
    })
    .await;
}

#[actix_web::test]
async fn a_store_without_versions_fails_closed_and_says_why() {
    let bearer = SecretBearer::builder()
        .secret(stores::PATH)
        .rotating()
        .build()
        .unwrap();
    let logs = CapturedLogs::start();
    let store = SecretStore::new(Unversioned);
    let error = bearer.resolve_with(Some(&store)).await.unwrap_err();
    let ErrorKind::Manager { source, error, .. } = error.kind() else {
        panic!("{error:?}");
    };
    assert_eq!(
        source.to_string(),
        "previous version of secret `service/key`"
    );
    assert!(error.message().contains("keeps no versions"), "{error}");
    let app = test::init_service(
        App::new()
            .app_data(SecretStore::new(Unversioned))
            .service(stores::guarded),
    )
    .await;
    let response = test::call_service(&app, get_request("/", Some("ONLY"))).await;
    assert_eq!(response.status(), 500);
    assert!(logs.text().contains("keeps no versions"), "{}", logs.text());
}

#[std::prelude::v1::test]
fn rotating_needs_a_primary_secret_in_a_manager_and_no_other_alternate() {
    let reason = |builder: secret_bearer::SecretBearerBuilder| match builder
        .build()
        .map_err(|e| e.kind().clone())
    {
        Err(ErrorKind::InvalidSetting {
            setting, reason, ..
        }) => format!("{setting:?}: {reason}"),
        other => panic!("{other:?}"),
    };
    assert!(
        reason(SecretBearer::builder().env("A").rotating())
            .contains("which only a secret manager keeps: use `.secret(\"...\")`")
    );
    assert!(
        reason(SecretBearer::builder().secret("/a").alt_env("B").rotating())
            .contains("remove `alt_env`")
    );
    // What a rotating bearer's alternate is: `bearer.rs`'s unit tests.
}
