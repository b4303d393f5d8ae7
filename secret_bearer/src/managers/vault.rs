//! [`VaultManager`]: secrets in HashiCorp Vault's or OpenBao's key/value store, version 2.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, StatusCode, Url};
use secrecy::zeroize::{Zeroize, Zeroizing};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::json;
use crate::manager::{ManagerError, ManagerErrorKind, SecretManager};

/// How long one request to Vault may take: requests waiting for a secret wait for it.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A [`SecretManager`] over a Vault or OpenBao KV version 2 mount (feature `vault`).
///
/// A KV secret is a map of keys to values: its path is the secret's path, and the map comes
/// back as a JSON object, so the key is picked with `#`:
/// `#[secret_bearer(secret = "myapp/api#token")]` reads the key `token` of the secret
/// `myapp/api`, at `GET /v1/<mount>/data/myapp/api`.
///
/// [`get_previous`](SecretManager::get_previous), which `rotating` reads, is the version
/// before the latest (`?version=<latest - 1>`), or the latest when there is none before it or
/// it was deleted or destroyed.
///
/// Errors say which secret, and whether it is missing (404), refused (403: the token, or its
/// policy), or the server unreachable; they never hold a value. Each request times out after
/// 10 seconds. The client speaks plain HTTP unless your build enables one of reqwest's TLS
/// features (for example `reqwest = { version = "0.12", features = ["rustls-tls"] }`), which
/// an `https://` address needs; or pass your own client with [`VaultManager::with_client`].
#[derive(Clone)]
pub struct VaultManager {
    client: Client,
    address: Url,
    token: SecretString,
    mount: String,
    namespace: Option<String>,
}

impl VaultManager {
    /// The server at `address` (such as `http://127.0.0.1:8200`), read with `token`, on the
    /// mount `secret` (Vault's and OpenBao's default KV v2 mount).
    pub fn new(address: &str, token: impl Into<String>) -> Result<Self, ManagerError> {
        let address = Url::parse(address).map_err(|error| {
            ManagerError::new(
                ManagerErrorKind::Invalid,
                format!("the Vault address `{address}` is not a URL: {error}"),
            )
        })?;
        if address.cannot_be_a_base() || !matches!(address.scheme(), "http" | "https") {
            return Err(ManagerError::new(
                ManagerErrorKind::Invalid,
                format!("the Vault address `{address}` is not an http(s) URL"),
            ));
        }
        let client = Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|error| {
                ManagerError::new(ManagerErrorKind::Other, "cannot build an HTTP client")
                    .with_source(error)
            })?;
        Ok(Self {
            client,
            address,
            token: SecretString::from(token.into()),
            mount: "secret".to_owned(),
            namespace: None,
        })
    }

    /// Configured as Vault's and OpenBao's command-line tools are: the address from
    /// `VAULT_ADDR` (or `BAO_ADDR`), the token from `VAULT_TOKEN` (or `BAO_TOKEN`), the
    /// namespace from `VAULT_NAMESPACE` (or `BAO_NAMESPACE`), if set.
    pub fn from_env() -> Result<Self, ManagerError> {
        let address = first_var(&["VAULT_ADDR", "BAO_ADDR"])?;
        let token = Zeroizing::new(first_var(&["VAULT_TOKEN", "BAO_TOKEN"])?);
        let manager = Self::new(&address, token.as_str())?;
        Ok(match first_var(&["VAULT_NAMESPACE", "BAO_NAMESPACE"]) {
            Ok(namespace) => manager.namespace(namespace),
            Err(_) => manager,
        })
    }

    /// The KV version 2 mount secrets are read from (default `secret`).
    #[must_use]
    pub fn mount(mut self, mount: impl Into<String>) -> Self {
        self.mount = mount.into().trim_matches('/').to_owned();
        self
    }

    /// The namespace (Vault Enterprise, OpenBao) requests are made in.
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Sends through this client instead (for TLS settings, a proxy, other timeouts).
    #[must_use]
    pub fn with_client(mut self, client: Client) -> Self {
        self.client = client;
        self
    }

    /// The URL of a secret's data: `<address>/v1/<mount>/data/<path>`, each segment encoded,
    /// so a path can name nothing but a secret of this mount.
    fn url(&self, path: &str, version: Option<u64>) -> Result<Url, ManagerError> {
        let relative = path.strip_prefix('/').unwrap_or(path);
        if relative
            .split('/')
            .any(|segment| segment.is_empty() || segment == "." || segment == "..")
        {
            return Err(ManagerError::new(
                ManagerErrorKind::Invalid,
                format!(
                    "secret path `{path}` has an empty, `.` or `..` segment; it names a secret \
                     of the mount"
                ),
            ));
        }
        let mut url = self.address.clone();
        url.path_segments_mut()
            .map_err(|()| ManagerError::new(ManagerErrorKind::Invalid, "bad Vault address"))?
            .pop_if_empty()
            .push("v1")
            .extend(self.mount.split('/'))
            .push("data")
            .extend(relative.split('/'));
        if let Some(version) = version {
            url.query_pairs_mut()
                .append_pair("version", &version.to_string());
        }
        Ok(url)
    }

    fn headers(&self) -> Result<HeaderMap, ManagerError> {
        let invalid = |what: &str| {
            ManagerError::new(
                ManagerErrorKind::Invalid,
                format!("the Vault {what} cannot be sent in a header"),
            )
        };
        let mut headers = HeaderMap::new();
        let mut token =
            HeaderValue::from_str(self.token.expose_secret()).map_err(|_| invalid("token"))?;
        token.set_sensitive(true);
        headers.insert("x-vault-token", token);
        if let Some(namespace) = &self.namespace {
            let namespace = HeaderValue::from_str(namespace).map_err(|_| invalid("namespace"))?;
            headers.insert("x-vault-namespace", namespace);
        }
        Ok(headers)
    }

    /// A version of the secret at `path` (the latest for `None`): its key/value map as JSON,
    /// and its version number.
    async fn read(&self, path: &str, version: Option<u64>) -> Result<(String, u64), ManagerError> {
        let url = self.url(path, version)?;
        let response = self
            .client
            .get(url)
            .headers(self.headers()?)
            .send()
            .await
            .map_err(|error| {
                ManagerError::unavailable(format!(
                    "cannot reach Vault at {}",
                    self.address.as_str().trim_end_matches('/')
                ))
                .with_source(error.without_url())
            })?;
        let status = response.status();
        let which = || match version {
            Some(version) => format!("version {version} of secret `{path}`"),
            None => format!("secret `{path}`"),
        };
        match status {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => {
                return Err(ManagerError::not_found(format!(
                    "Vault has no {} in mount `{}` (or it was deleted)",
                    which(),
                    self.mount
                )));
            }
            StatusCode::FORBIDDEN => {
                return Err(ManagerError::denied(format!(
                    "Vault refused to read {} in mount `{}`: permission denied (check the token \
                     and its policy)",
                    which(),
                    self.mount
                )));
            }
            status => {
                let kind = if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                    ManagerErrorKind::Unavailable
                } else {
                    ManagerErrorKind::Other
                };
                return Err(ManagerError::new(
                    kind,
                    format!("Vault answered {status} to reading {}", which()),
                ));
            }
        }
        let body = response.bytes().await.map_err(|error| {
            ManagerError::unavailable(format!("Vault's answer for {} was cut short", which()))
                .with_source(error.without_url())
        })?;
        let answer = json::parse(&body);
        // Wiped when it is ours alone, as reqwest's collected body usually is; a buffer still
        // shared (with the connection's read buffer) is hyper's, out of our reach.
        if let Ok(mut body) = body.try_into_mut() {
            body.zeroize();
        }
        let answer = answer.map_err(|_| {
            ManagerError::new(
                ManagerErrorKind::Invalid,
                format!("Vault's answer for {} is not JSON", which()),
            )
        })?;
        secret_of(&answer).ok_or_else(|| {
            ManagerError::new(
                ManagerErrorKind::Invalid,
                format!(
                    "Vault's answer for {} is not a KV version 2 secret (is mount `{}` KV \
                     version 1?)",
                    which(),
                    self.mount
                ),
            )
        })
    }
}

/// The key/value map, as JSON, and the version of a KV v2 read's answer:
/// `{"data": {"data": {...}, "metadata": {"version": n}}}`.
fn secret_of(answer: &Value) -> Option<(String, u64)> {
    let data = answer.get("data")?;
    let map = data.get("data").filter(|map| map.is_object())?;
    let version = data.get("metadata")?.get("version")?.as_u64()?;
    Some((json_text(map)?, version))
}

/// A value's JSON text, written into a buffer of its final size: `serde_json::to_string` grows
/// its buffer as it writes, and each buffer it outgrows is freed holding what was written.
/// `None` cannot happen (the writers cannot fail, and JSON text is UTF-8) but is handled.
fn json_text(value: &Value) -> Option<String> {
    let mut length = Length(0);
    serde_json::to_writer(&mut length, value).ok()?;
    let mut text = Vec::with_capacity(length.0);
    serde_json::to_writer(&mut text, value).ok()?;
    String::from_utf8(text)
        .map_err(|error| error.into_bytes().zeroize())
        .ok()
}

/// Counts what is written, keeping none of it.
struct Length(usize);

impl std::io::Write for Length {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn first_var(names: &[&str]) -> Result<String, ManagerError> {
    names
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .ok_or_else(|| {
            ManagerError::new(
                ManagerErrorKind::Invalid,
                format!("set {}", names.join(" or ")),
            )
        })
}

impl SecretManager for VaultManager {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        Ok(self.read(path, None).await?.0)
    }

    async fn get_previous(&self, path: &str) -> Result<String, ManagerError> {
        let (latest, version) = self.read(path, None).await?;
        if version <= 1 {
            return Ok(latest);
        }
        // Wiped unless it is the answer.
        let mut latest = Zeroizing::new(latest);
        match self.read(path, Some(version - 1)).await {
            Ok((previous, _)) => Ok(previous),
            // Deleted or destroyed: only the latest is left to accept.
            Err(error) if error.kind() == ManagerErrorKind::NotFound => {
                Ok(std::mem::take(&mut *latest))
            }
            Err(error) => Err(error),
        }
    }
}

impl fmt::Debug for VaultManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultManager")
            .field("address", &self.address.as_str())
            .field("mount", &self.mount)
            .field("namespace", &self.namespace)
            .field("token", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_secrets_of_the_mount_and_nothing_else() {
        let manager = VaultManager::new("http://127.0.0.1:8200/", "t")
            .unwrap()
            .mount("kv/team");
        assert_eq!(
            manager.url("/myapp/api key", Some(3)).unwrap().as_str(),
            "http://127.0.0.1:8200/v1/kv/team/data/myapp/api%20key?version=3"
        );
        for escape in ["../../sys/seal", "a//b", "a/./b", "", "/", "a/"] {
            let error = manager.url(escape, None).unwrap_err();
            assert_eq!(error.kind(), ManagerErrorKind::Invalid, "{escape:?}");
        }
        assert_eq!(
            manager.url("a?x=1#y", None).unwrap().as_str(),
            "http://127.0.0.1:8200/v1/kv/team/data/a%3Fx=1%23y"
        );
    }

    #[test]
    fn the_token_is_sensitive_and_never_shown() {
        let manager = VaultManager::new("http://vault:8200", "s.TOKEN").unwrap();
        assert!(!format!("{manager:?}").contains("TOKEN"));
        assert!(manager.headers().unwrap()["x-vault-token"].is_sensitive());
        let headers = manager.namespace("team/a").headers().unwrap();
        assert_eq!(headers["x-vault-namespace"], "team/a");
        assert!(VaultManager::new("vault:8200", "t").is_err());
        assert!(VaultManager::new("not a url", "t").is_err());
    }

    #[test]
    fn answers_are_read_as_kv_version_2() {
        let answer = serde_json::json!({
            "data": {"data": {"token": "x"}, "metadata": {"version": 4}}
        });
        assert_eq!(secret_of(&answer), Some((r#"{"token":"x"}"#.to_owned(), 4)));
        assert_eq!(
            secret_of(&serde_json::json!({"data": {"token": "x"}})),
            None
        );
    }

    #[test]
    fn a_value_is_written_as_serde_json_writes_it_in_a_buffer_of_its_size() {
        let value = serde_json::json!({"k": "SECRET\n\u{1}é", "l": [1.5, -2, null, {"m": true}]});
        let text = json_text(&value).unwrap();
        assert_eq!(text, serde_json::to_string(&value).unwrap());
        assert_eq!(text.capacity(), text.len());
    }
}
