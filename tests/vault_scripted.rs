//! `VaultManager` against a Vault the test scripts, on loopback: where the token and a
//! login's secrets go (never along a redirect to 127.0.0.2), and how a refused token is
//! replaced (one login, one more read, never a loop).

use std::sync::{Arc, Mutex};

use secret_bearer::{ManagerErrorKind, SecretManager, VaultManager};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request the scripted Vault received: its request line, its headers (lower-cased names)
/// and its body.
#[derive(Clone, Debug)]
struct Request {
    line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// An HTTP/1.1 server on `ip` that answers each request with `script(request)` (status line,
/// extra headers, JSON body) and records it.
struct Scripted {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Scripted {
    async fn start(
        ip: &str,
        script: impl Fn(&Request) -> (&'static str, String, String) + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind((ip, 0)).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (recorded, script) = (requests.clone(), Arc::new(script));
        tokio::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                let (recorded, script) = (recorded.clone(), script.clone());
                tokio::spawn(async move {
                    while let Some(request) = read_request(&mut stream).await {
                        let (status, headers, body) = script(&request);
                        recorded.lock().unwrap().push(request);
                        let answer = format!(
                            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{headers}\
                             content-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if stream.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { url, requests }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// How many requests started with `line` (`"GET /v1/secret/data/x"`, ...).
    fn count(&self, line: &str) -> usize {
        self.requests()
            .iter()
            .filter(|request| request.line.starts_with(line))
            .count()
    }
}

/// Reads one request (headers, then a body of `content-length`), or `None` once the client
/// closes the connection.
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Request> {
    let mut bytes = Vec::new();
    let end = loop {
        if let Some(end) = bytes.windows(4).position(|window| window == b"\r\n\r\n") {
            break end;
        }
        let mut chunk = [0; 4096];
        let read = stream
            .read(&mut chunk)
            .await
            .ok()
            .filter(|read| *read > 0)?;
        bytes.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8(bytes[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|header| header.split_once(':'))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(0, |(_, value)| value.parse().unwrap());
    let mut body = bytes[end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0; 4096];
        let read = stream
            .read(&mut chunk)
            .await
            .ok()
            .filter(|read| *read > 0)?;
        body.extend_from_slice(&chunk[..read]);
    }
    Some(Request {
        line,
        headers,
        body: String::from_utf8(body).unwrap(),
    })
}

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
    assert_eq!(error.kind(), ManagerErrorKind::Invalid);
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

#[tokio::test]
async fn a_refused_logged_in_token_is_replaced_by_one_login_and_one_more_read() {
    let logins = Arc::new(Mutex::new(0));
    let counter = logins.clone();
    // The first token is revoked behind the manager's back; the second is good.
    let vault = Scripted::start("127.0.0.1", move |request| {
        if request.line.starts_with("POST /v1/auth/approle/login") {
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
    let logins = Arc::new(Mutex::new(0));
    let counter = logins.clone();
    let vault = Scripted::start("127.0.0.1", move |request| {
        if request.line.starts_with("POST /v1/auth/approle/login") {
            let mut logins = counter.lock().unwrap();
            *logins += 1;
            login_answer(*logins - 1)
        } else {
            forbidden()
        }
    })
    .await;
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
