//! `resolve_all!`: the secrets of every annotated handler the calling crate defines, read at
//! start-up; a linked library's handlers, which this crate may never mount, do not count.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use secret_bearer::{
    AuthErrorKind, CachePolicy, Error, ErrorKind, ManagerError, ManagerErrorKind, SecretBearer,
    SecretManager, SecretStore, secret_bearer,
};
use support::{PRIMARY, init_env};

#[secret_bearer(env = "SB_TEST_PRIMARY")]
async fn from_the_environment() -> &'static str {
    "env"
}

/// The same keys as `from_the_environment`'s, spelled otherwise: one bearer, resolved once.
#[secret_bearer(environment_key = "SB_TEST_PRIMARY")]
async fn from_the_environment_too() -> &'static str {
    "env too"
}

#[secret_bearer(secret = "/service/key", alt_secret = "/service/old-key")]
async fn from_the_manager() -> &'static str {
    "manager"
}

/// A named bearer, named by two handlers: resolved once.
#[secret_bearer(secret = "/service/key", prefix = "Bearer ")]
struct ManagedKey;

#[secret_bearer(ManagedKey)]
async fn named_one() -> &'static str {
    "one"
}

#[secret_bearer(ManagedKey)]
async fn named_two() -> &'static str {
    "two"
}

/// Knows `/service/old-key`, and `/service/key` only once `complete`. (An alternate the store
/// does not have is no problem: it is simply not accepted.)
#[derive(Clone, Default)]
struct Store {
    complete: Arc<AtomicBool>,
}

impl SecretManager for Store {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        match path {
            "/service/key" if self.complete.load(Ordering::SeqCst) => Ok(PRIMARY.to_owned()),
            "/service/old-key" => Ok("OLD".to_owned()),
            _ => Err(ManagerError::new(
                ManagerErrorKind::NotFound,
                format!("no secret at {path}"),
            )),
        }
    }
}

/// The problems `resolve_all!` reported.
fn problems(error: &Error) -> &[Error] {
    match error.kind() {
        ErrorKind::Unresolved { errors, .. } => errors,
        other => panic!("{other:?}"),
    }
}

#[actix_web::test]
async fn every_secret_is_read_at_start_up_and_every_problem_reported() {
    init_env();
    let _ = (
        from_the_environment,
        from_the_environment_too,
        from_the_manager,
        named_one,
        named_two,
    );
    // The workspace library's `unmounted` handler needs a variable nobody sets: it is linked
    // into this binary, but not this crate's, so it does not stop this crate from starting.
    let _ = secret_bearer_workspace::unmounted;

    // With no store installed, the manager's secrets cannot be read at all: the forgotten store
    // stops the service at start-up.
    let unresolved = secret_bearer::resolve_all!().await.unwrap_err();
    let shown = unresolved.to_string();
    assert!(
        problems(&unresolved)
            .iter()
            .any(|error| matches!(error.kind(), ErrorKind::NoSecretStore { .. })),
        "{shown}"
    );
    assert!(
        shown.contains("install one at start-up, with `SecretStore::new(manager).install()`"),
        "{shown}"
    );

    // Installed once; again (a clone) changes nothing; another is refused.
    let manager = Store::default();
    let policy = CachePolicy::default().retry_after(Duration::ZERO);
    let store = SecretStore::with_policy(manager.clone(), policy);
    store.clone().install().unwrap();
    store.install().unwrap();
    let other = SecretStore::new(Store::default()).install().unwrap_err();
    assert!(
        matches!(other.kind(), ErrorKind::StoreAlreadyInstalled { .. }),
        "{other:?}"
    );

    let unresolved = secret_bearer::resolve_all!().await.unwrap_err();
    let shown = unresolved.to_string();
    assert_eq!(problems(&unresolved).len(), 1, "{shown}");
    assert!(
        shown.contains("the secret manager could not read secret `/service/key`: not found"),
        "{shown}"
    );
    assert!(!shown.contains(PRIMARY), "{shown}");

    manager.complete.store(true, Ordering::SeqCst);
    let checked = secret_bearer::resolve_all!().await.unwrap();
    assert_eq!(
        checked, 5,
        "this crate's two configurations written on handlers (three handlers: two share their \
         keys), `ManagedKey` once (for its two handlers) and the shared table's `TestKey` and \
         `TestKeys`; not the library's handler"
    );

    // A bearer built in code is checked by hand.
    let by_hand = SecretBearer::builder()
        .env("SB_TEST_UNSET_STARTUP")
        .build()
        .unwrap();
    assert_eq!(
        by_hand.resolve().unwrap_err().to_string(),
        "environment variable `SB_TEST_UNSET_STARTUP` is not set, or is empty"
    );

    // A secret in a manager, with the store installed and holding it: what waits reads it;
    // what does not wait says that reading it takes waiting (not that a store is missing).
    let managed = SecretBearer::builder()
        .secret("/service/key")
        .build()
        .unwrap();
    managed.resolve_with(None).await.unwrap();
    // No prefix: the whole header is the key.
    let header = PRIMARY;
    let accepted = managed.authenticate(None, [header.as_bytes()]).await;
    assert!(accepted.is_ok(), "{accepted:?}");
    let unread = managed.resolve().unwrap_err();
    assert!(
        matches!(unread.kind(), ErrorKind::NeedsWaiting { .. }),
        "{unread:?}"
    );
    assert!(
        unread.to_string().starts_with(
            "secret `/service/key` lives in a secret manager, and reading it takes waiting"
        ),
        "{unread}"
    );
    let refused = managed.check([header.as_bytes()]).unwrap_err();
    assert_eq!(refused.status_code(), 500);
    assert!(
        matches!(refused.kind(), AuthErrorKind::Misconfigured { error, .. }
            if matches!(error.kind(), ErrorKind::NeedsWaiting { .. })),
        "{refused:?}"
    );
}
