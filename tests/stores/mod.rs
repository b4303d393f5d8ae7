//! What the tests against real secret stores (OpenBao, moto's AWS Secrets Manager) check the
//! same way: a handler across rotations, and a store that stops. (Not in `support`: its
//! handler would join every test binary's list of handlers.)
#![allow(dead_code)] // Each test binary uses its own part.

use std::time::Duration;

use actix_web::{App, get, test};
use secret_bearer::{
    CachePolicy, ErrorKind, ManagerErrorKind, SecretBearer, SecretStore, secret_bearer,
};

use crate::support::servers::Server;
use crate::support::{CapturedLogs, get_request};

/// Where both stores keep the handler's secret: the `token` key of a key/value secret.
pub const PATH: &str = "service/key";

/// The handler whose secret lives in the store, and whose alternate is its previous version.
#[get("/")]
#[secret_bearer(secret = "service/key#token", rotating)]
pub async fn guarded() -> &'static str {
    "ok"
}

/// Whether `bearer` accepts `credential`, its secrets read through `store`.
pub async fn accepts(bearer: &SecretBearer, store: &SecretStore, credential: &str) -> bool {
    bearer
        .authenticate(Some(store), [credential.as_bytes()])
        .await
        .is_ok()
}

/// The key/value document a store holds for `token`.
pub fn document(token: &str) -> serde_json::Value {
    serde_json::json!({ "token": token })
}

/// After a rotation, the handler accepts the new key as soon as the refresh rules allow (a
/// mismatch may refresh at once here), and still the old one; two rotations on, the oldest is
/// refused. `rotate` writes a new version of [`PATH`].
pub async fn a_handler_follows_rotations(
    manager: impl secret_bearer::SecretManager,
    rotate: impl AsyncFn(&'static str),
) {
    rotate("FIRST").await;
    let policy = CachePolicy::default()
        .mismatch_min_age(Duration::ZERO)
        .mismatch_interval(Duration::ZERO);
    let store = SecretStore::with_policy(manager, policy);
    let app = test::init_service(App::new().app_data(store).service(guarded)).await;
    let status = async |credential| {
        test::call_service(&app, get_request("/", Some(credential)))
            .await
            .status()
            .as_u16()
    };
    assert_eq!(status("FIRST").await, 200);
    rotate("SECOND").await;
    assert_eq!(
        status("SECOND").await,
        200,
        "the new key, right after the rotation"
    );
    assert_eq!(status("FIRST").await, 200, "and still the old one");
    rotate("THIRD").await;
    assert_eq!(status("THIRD").await, 200);
    assert_eq!(status("SECOND").await, 200);
    assert_eq!(status("FIRST").await, 401, "two rotations ago");
}

/// With `FIRST` stored at [`PATH`] and fetched, the server stops: the cached secret keeps
/// serving past its time-to-live, and a secret never fetched fails closed with an error that
/// says the store is unreachable (`unreachable` begins its message), logged, without a value.
pub async fn a_stopped_store_serves_stale_and_fails_closed(
    server: &mut Server,
    manager: impl secret_bearer::SecretManager,
    unreachable: &str,
) {
    let policy = CachePolicy::default()
        .ttl(Duration::from_millis(200))
        .retry_after(Duration::from_millis(100));
    let store = SecretStore::with_policy(manager, policy);
    let cached = SecretBearer::builder()
        .secret("service/key#token")
        .build()
        .unwrap();
    let never_fetched = SecretBearer::builder()
        .secret("service/other")
        .build()
        .unwrap();
    assert!(accepts(&cached, &store, "FIRST").await);

    server.stop();
    let logs = CapturedLogs::start();
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..3 {
        assert!(
            accepts(&cached, &store, "FIRST").await,
            "the last good secret keeps serving"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let error = never_fetched.resolve_with(Some(&store)).await.unwrap_err();
    let ErrorKind::Manager { error, .. } = error.kind() else {
        panic!("{error:?}");
    };
    assert_eq!(error.kind(), ManagerErrorKind::Unavailable, "{error}");
    assert!(error.message().contains(unreachable), "{error}");
    let refused = never_fetched
        .authenticate(Some(&store), [&b"FIRST"[..]])
        .await
        .unwrap_err();
    assert_eq!(refused.status_code(), 500);
    let logs = logs.text();
    assert!(logs.contains(unreachable), "{logs}");
    assert_eq!(
        logs.matches("none was fetched before").count(),
        1,
        "one failed fetch, logged once: {logs}"
    );
    assert!(!logs.contains("FIRST"), "{logs}");
}
