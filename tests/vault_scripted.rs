//! `VaultManager` against a Vault the test scripts, on loopback: where the token and a
//! login's secrets go (never along a redirect to 127.0.0.2), and how a refused token is
//! replaced (one login, one more read, never a loop).

mod scripted_http;

use std::sync::{Arc, Mutex};

use scripted_http::{Request, Scripted};
use secret_bearer::{ManagerErrorKind, SecretManager, VaultManager};

const SECRET: &str = r#"{"data": {"data": {"token": "VALUE"}, "metadata": {"version": 1}}}"#;

fn ok(body: &str) -> (&'static str, String, String) {
    ("200 OK", String::new(), body.to_owned())
}

fn forbidden() -> (&'static str, String, String) {
    (
        "403 Forbidden",
        String::new(),
        r#"{"errors": ["permission denied"]}"#.to_owned(),
    )
}

/// A login's answer: token `token-<n>`, for the `n`th login (from 0), with an hour's lease.
fn login_answer(n: usize) -> (&'static str, String, String) {
    ok(&format!(
        r#"{{"auth": {{"client_token": "token-{n}", "lease_duration": 3600, "renewable": true}}}}"#
    ))
}

/// A Vault on 127.0.0.1 that redirects everything to a listener on 127.0.0.2, which records
/// whatever reaches it.
async fn redirecting_to_another_address() -> (Scripted, Scripted) {
    let elsewhere = Scripted::start("127.0.0.2", |_| ok(SECRET)).await;
    let target = elsewhere.url.clone();
    let vault = Scripted::start("127.0.0.1", move |request| {
        let path = request.line.split(' ').nth(1).unwrap().to_owned();
        (
            "307 Temporary Redirect",
            format!("location: {target}{path}\r\n"),
            String::new(),
        )
    })
    .await;
    (vault, elsewhere)
}

#[tokio::test]
async fn a_redirect_to_another_address_carries_the_token_nowhere() {
    let (vault, elsewhere) = redirecting_to_another_address().await;
    let manager = VaultManager::new(&vault.url, "s.ROOT-TOKEN").unwrap();
    let error = manager.get("myapp/api").await.unwrap_err();

    assert!(
        elsewhere.requests().is_empty(),
        "{:?}",
        elsewhere.requests()
    );
    assert_eq!(vault.count("GET /v1/secret/data/myapp/api"), 1);
    // Not `Invalid`: what the store cached keeps serving through a failover's redirects.
    assert_eq!(error.kind(), ManagerErrorKind::Other);
    assert_eq!(
        error.message(),
        format!(
            "Vault at {} answered 307 Temporary Redirect redirecting to {}; redirects are not \
             followed, so that the token stays with this address: set VAULT_ADDR to the active \
             node or its load balancer",
            vault.url, elsewhere.url
        )
    );
    assert!(!format!("{error:?}").contains("ROOT-TOKEN"));
}

#[tokio::test]
async fn a_redirected_login_carries_the_secret_id_nowhere() {
    let (vault, elsewhere) = redirecting_to_another_address().await;
    let manager = VaultManager::approle(&vault.url, "ROLE-ID", "SECRET-ID").unwrap();
    let error = manager.get("myapp/api").await.unwrap_err();

    assert!(
        elsewhere.requests().is_empty(),
        "{:?}",
        elsewhere.requests()
    );
    assert_eq!(vault.count("POST /v1/auth/approle/login"), 1);
    assert!(
        error.message().contains("redirecting to http://127.0.0.2:"),
        "{error}"
    );
    assert!(!format!("{error:?}{manager:?}").contains("SECRET-ID"));
}

/// A Vault whose AppRole logins hand out `token-0`, `token-1`, ... (counted), and which refuses
/// a read whose token `refused` names and answers the others with the secret.
async fn approle_vault(
    refused: impl Fn(Option<&str>) -> bool + Send + Sync + 'static,
) -> (Scripted, Arc<Mutex<usize>>) {
    let logins = Arc::new(Mutex::new(0));
    let counter = logins.clone();
    let vault = Scripted::start("127.0.0.1", move |request| {
        if request.line.starts_with("POST /v1/auth/approle/login") {
            let mut logins = counter.lock().unwrap();
            *logins += 1;
            login_answer(*logins - 1)
        } else if refused(request.header("x-vault-token")) {
            forbidden()
        } else {
            ok(SECRET)
        }
    })
    .await;
    (vault, logins)
}

#[tokio::test]
async fn a_refused_logged_in_token_is_replaced_by_one_login_and_one_more_read() {
    // The first token is revoked behind the manager's back; the second is good.
    let (vault, logins) = approle_vault(|token| token == Some("token-0")).await;
    let manager = VaultManager::approle(&vault.url, "ROLE-ID", "SECRET-ID").unwrap();
    assert_eq!(manager.get("x").await.unwrap(), r#"{"token":"VALUE"}"#);
    assert_eq!(manager.get("x").await.unwrap(), r#"{"token":"VALUE"}"#);

    assert_eq!(*logins.lock().unwrap(), 2);
    assert_eq!(vault.count("GET /v1/secret/data/x"), 3);
    let login = &vault.requests()[0];
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&login.body).unwrap(),
        serde_json::json!({"role_id": "ROLE-ID", "secret_id": "SECRET-ID"})
    );
}

#[tokio::test]
async fn a_token_refused_again_after_a_new_login_is_denied_without_a_loop() {
    let (vault, logins) = approle_vault(|_| true).await;
    let manager = VaultManager::approle(&vault.url, "ROLE-ID", "SECRET-ID").unwrap();
    let error = manager.get("x").await.unwrap_err();

    assert_eq!(error.kind(), ManagerErrorKind::Denied);
    assert_eq!(*logins.lock().unwrap(), 2);
    assert_eq!(vault.count("GET /v1/secret/data/x"), 2);
}

#[tokio::test]
async fn a_static_tokens_refusal_is_denied_at_once() {
    let vault = Scripted::start("127.0.0.1", |_| forbidden()).await;
    let manager = VaultManager::new(&vault.url, "s.STATIC").unwrap();
    let error = manager.get("x").await.unwrap_err();

    assert_eq!(error.kind(), ManagerErrorKind::Denied);
    assert_eq!(vault.requests().len(), 1);
}

#[tokio::test]
async fn a_kubernetes_login_reads_the_service_account_token_afresh_each_time() {
    let file = std::env::temp_dir().join(format!("sb_vault_jwt_{}", std::process::id()));
    std::fs::write(&file, "JWT-ONE\n").unwrap();
    let logins = Arc::new(Mutex::new(0));
    let (counter, rotated) = (logins.clone(), file.clone());
    // The first login's token is refused, and Kubernetes rotates the projected token meanwhile.
    let vault = Scripted::start("127.0.0.1", move |request| {
        if request.line.starts_with("POST /v1/auth/k8s-east/login") {
            std::fs::write(&rotated, "JWT-TWO\n").unwrap();
            let mut logins = counter.lock().unwrap();
            *logins += 1;
            login_answer(*logins - 1)
        } else if request.header("x-vault-token") == Some("token-0") {
            forbidden()
        } else {
            ok(SECRET)
        }
    })
    .await;
    let manager = VaultManager::kubernetes(&vault.url, "web")
        .unwrap()
        .auth_mount("/k8s-east/")
        .kubernetes_token_file(&file)
        .namespace("team-a");
    let value = manager.get("x").await;
    let _ = std::fs::remove_file(&file);
    assert_eq!(value.unwrap(), r#"{"token":"VALUE"}"#);
    assert!(!format!("{manager:?}").contains("JWT"));

    let logins: Vec<Request> = vault
        .requests()
        .into_iter()
        .filter(|request| request.line.starts_with("POST"))
        .collect();
    let jwts: Vec<serde_json::Value> = logins
        .iter()
        .map(|login| serde_json::from_str::<serde_json::Value>(&login.body).unwrap())
        .collect();
    assert_eq!(
        jwts,
        [
            serde_json::json!({"role": "web", "jwt": "JWT-ONE"}),
            serde_json::json!({"role": "web", "jwt": "JWT-TWO"}),
        ]
    );
    assert_eq!(logins[0].header("x-vault-namespace"), Some("team-a"));
}
