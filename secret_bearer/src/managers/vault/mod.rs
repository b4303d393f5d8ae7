//! [`VaultManager`]: secrets in HashiCorp Vault's or OpenBao's key/value store, version 2.

mod client;
mod env;
mod login;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, StatusCode, Url};
use secrecy::zeroize::{Zeroize, Zeroizing};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::json;
use crate::manager::{ManagerError, ManagerErrorKind, SecretManager};
use login::{Login, Session, Token};

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
/// # The token
///
/// A static token ([`new`](Self::new), `VAULT_TOKEN`) is sent as it is, and a 403 is
/// [`Denied`](ManagerErrorKind::Denied) at once. A login ([`kubernetes`](Self::kubernetes),
/// [`approle`](Self::approle)) is made at the first read, and made again once two thirds of
/// the token's lease have passed, one login at a time however many reads wait; a read refused
/// (403) with a logged-in token (revoked, or expired early) logs in once more and reads once
/// more, and only then is `Denied`. Logging in again rather than renewing
/// (`auth/token/renew-self`) also outlives a token's maximum TTL, and reads the pod's rotated
/// service-account token. So an AppRole secret ID is used at every login: give the role
/// secret IDs of unlimited uses (`secret_id_num_uses` 0), and a TTL as long as the service
/// runs, or build a new manager with a new one. While a login fails, the
/// [`SecretStore`](crate::SecretStore) serves what it cached as long as its policy allows.
///
/// ```no_run
/// # fn main() -> Result<(), secret_bearer::ManagerError> {
/// use secret_bearer::VaultManager;
///
/// // In a pod: log in with its service account, trusting the cluster's Vault CA alone.
/// let vault = VaultManager::kubernetes("https://vault.vault.svc:8200", "widgets")?
///     .ca_cert("/etc/vault-ca/ca.crt")?
///     .mount("kv");
/// # Ok(())
/// # }
/// ```
///
/// # What crosses the network, and to whom
///
/// Only to the address given (`VAULT_ADDR`): the token in `X-Vault-Token` on each read; at a
/// login, the service-account JWT (Kubernetes) or the role ID and secret ID (AppRole), in the
/// body of `POST /v1/auth/<mount>/login`; the namespace in `X-Vault-Namespace`. Nothing else
/// is ever sent: no redirect is followed (a 3xx is an error that names where it pointed, so
/// that neither the token nor a login's secrets follow it to another origin, or from `https`
/// to `http`), and no `Referer`. A proxy from `HTTPS_PROXY`/`HTTP_PROXY` (minus `NO_PROXY`) is
/// used as Vault's CLI uses it: an `https://` Vault is tunnelled through it, end to end
/// encrypted, but a plain-`http` proxy or Vault address shows the token to the network. With
/// a [TLS server name](Self::tls_server_name), unlike with Vault's CLI, the proxy is asked to
/// connect to that name (and `NO_PROXY` is matched against it), not to the address's host:
/// whoever answers must still hold a certificate for that name.
///
/// # TLS
///
/// `https://` addresses are verified with rustls against the platform's roots, or, with
/// [`ca_cert`](Self::ca_cert) or [`ca_path`](Self::ca_path) (`VAULT_CACERT`, `VAULT_CAPATH`),
/// against those certificates alone, as Vault's CLI does; [`client_cert`](Self::client_cert)
/// (`VAULT_CLIENT_CERT`, `VAULT_CLIENT_KEY`) presents a client certificate. The certificate
/// must hold the address's host, or, with [`tls_server_name`](Self::tls_server_name)
/// (`VAULT_TLS_SERVER_NAME`), that name, which is then also sent as SNI and in the `Host`
/// header (which Vault does not look at), while the connection still goes to the address's
/// host. Verification cannot be switched off: [`from_env`](Self::from_env) refuses
/// `VAULT_SKIP_VERIFY`. `http://` addresses are allowed, for dev servers on loopback.
///
/// Errors say which secret, and whether it is missing (404), refused (403: the token, or its
/// policy), or the server unreachable; they never hold a value or a credential. Each request
/// times out after 10 seconds. The token, the role ID and the secret ID show as `[REDACTED]` in
/// `Debug`; the JWT is read from its file at each login and kept no longer. The buffers that
/// held them are wiped (except what reqwest's connection still shares when it lets go, and
/// what reqwest and rustls keep of a client certificate's key).
#[derive(Clone)]
pub struct VaultManager {
    client: Client,
    tls: client::Tls,
    /// As configured: what errors and `Debug` show.
    address: Url,
    /// What requests are made to: the address, or with a TLS server name, the address with
    /// that name as its host (which the client resolves to the address's host).
    base: Url,
    login: Login,
    session: Arc<Session>,
    mount: String,
    namespace: Option<String>,
}

impl VaultManager {
    /// The server at `address` (such as `https://vault:8200`), read with `token`, on the
    /// mount `secret` (Vault's and OpenBao's default KV v2 mount).
    pub fn new(address: &str, token: impl Into<String>) -> Result<Self, ManagerError> {
        Self::with_login(address, Login::Token(SecretString::from(token.into())))
    }

    /// The server at `address`, logged in to with Kubernetes auth as `role`, with the pod's
    /// service-account token (read at each login from
    /// `/var/run/secrets/kubernetes.io/serviceaccount/token`, or
    /// [`kubernetes_token_file`](Self::kubernetes_token_file)) at the mount `kubernetes`
    /// (or [`auth_mount`](Self::auth_mount)).
    pub fn kubernetes(address: &str, role: impl Into<String>) -> Result<Self, ManagerError> {
        Self::with_login(
            address,
            Login::Kubernetes {
                mount: "kubernetes".to_owned(),
                role: role.into(),
                token_file: PathBuf::from(login::KUBERNETES_TOKEN_FILE),
            },
        )
    }

    /// The server at `address`, logged in to with AppRole auth at the mount `approle` (or
    /// [`auth_mount`](Self::auth_mount)).
    pub fn approle(
        address: &str,
        role_id: impl Into<String>,
        secret_id: impl Into<String>,
    ) -> Result<Self, ManagerError> {
        Self::with_login(
            address,
            Login::AppRole {
                mount: "approle".to_owned(),
                role_id: SecretString::from(role_id.into()),
                secret_id: SecretString::from(secret_id.into()),
            },
        )
    }

    fn with_login(address: &str, login: Login) -> Result<Self, ManagerError> {
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
        let tls = client::Tls::default();
        Ok(Self {
            client: client::build(&tls)?,
            tls,
            base: address.clone(),
            address,
            login,
            session: Arc::default(),
            mount: "secret".to_owned(),
            namespace: None,
        })
    }

    /// Configured as Vault's and OpenBao's command-line tools are (each `VAULT_` name may be
    /// spelled `BAO_`): the address from `VAULT_ADDR`; the namespace from `VAULT_NAMESPACE`;
    /// TLS from `VAULT_CACERT`, `VAULT_CAPATH`, `VAULT_CLIENT_CERT`, `VAULT_CLIENT_KEY` and
    /// `VAULT_TLS_SERVER_NAME`; and one way to the token: `VAULT_TOKEN`; or `VAULT_ROLE_ID` and
    /// `VAULT_SECRET_ID` (AppRole); or `VAULT_KUBERNETES_ROLE` (Kubernetes), with
    /// `VAULT_AUTH_MOUNT` for a login mount other than the method's default.
    ///
    /// Refused: `VAULT_SKIP_VERIFY` set to anything but false (set `VAULT_CACERT` to the
    /// server's CA instead: a key check must not trust whoever answers), a
    /// `VAULT_TLS_SERVER_NAME` that is not a DNS name or beside an `http://` address, and more
    /// than one way to the token. A secret ID in the environment stays in the process's
    /// environment, which this crate cannot wipe.
    pub fn from_env() -> Result<Self, ManagerError> {
        env::manager()
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

    /// The mount of the login's auth method (defaults `kubernetes`, `approle`); a static
    /// token has none, and is left as it is.
    #[must_use]
    pub fn auth_mount(mut self, auth_mount: impl Into<String>) -> Self {
        if let Login::Kubernetes { mount, .. } | Login::AppRole { mount, .. } = &mut self.login {
            *mount = auth_mount.into().trim_matches('/').to_owned();
            self.session = Arc::default();
        }
        self
    }

    /// The service-account token file a Kubernetes login reads; other logins are left as they
    /// are.
    #[must_use]
    pub fn kubernetes_token_file(mut self, file: impl Into<PathBuf>) -> Self {
        if let Login::Kubernetes { token_file, .. } = &mut self.login {
            *token_file = file.into();
            self.session = Arc::default();
        }
        self
    }

    /// Trusts the certificates of this PEM file alone (`VAULT_CACERT`), not the platform's.
    pub fn ca_cert(self, file: impl AsRef<Path>) -> Result<Self, ManagerError> {
        let roots = client::certificates_in(file.as_ref())?;
        self.with_tls(|tls| tls.roots = Some(roots))
    }

    /// Trusts the certificates of the PEM files in this directory alone (`VAULT_CAPATH`), not
    /// the platform's.
    pub fn ca_path(self, dir: impl AsRef<Path>) -> Result<Self, ManagerError> {
        let roots = client::certificates_under(dir.as_ref())?;
        self.with_tls(|tls| tls.roots = Some(roots))
    }

    /// Presents this client certificate and its private key, PEM files (`VAULT_CLIENT_CERT`,
    /// `VAULT_CLIENT_KEY`), to a Vault that asks for one.
    pub fn client_cert(
        self,
        certificate: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, ManagerError> {
        let identity = client::identity(certificate.as_ref(), key.as_ref())?;
        self.with_tls(|tls| tls.identity = Some(identity))
    }

    /// Verifies Vault's certificate against this DNS name, and sends it as SNI, in place of
    /// the address's host (`VAULT_TLS_SERVER_NAME`); the connection still goes to the
    /// address's host. Refused for an `http://` address, and for a name that is not a DNS name
    /// (an IP address, a wildcard).
    pub fn tls_server_name(mut self, name: &str) -> Result<Self, ManagerError> {
        let (server_name, base) = client::ServerName::new(name, &self.address)?;
        self.base = base;
        self.with_tls(|tls| tls.server_name = Some(server_name))
    }

    fn with_tls(mut self, change: impl FnOnce(&mut client::Tls)) -> Result<Self, ManagerError> {
        change(&mut self.tls);
        self.client = client::build(&self.tls)?;
        Ok(self)
    }

    /// The token to read with: the static one, or the session's (logging in if need be).
    async fn token(&self) -> Result<Token, ManagerError> {
        match &self.login {
            Login::Token(token) => Ok(Token {
                value: token.clone(),
                login: None,
            }),
            login => {
                self.session
                    .token(|| {
                        login.log_in(
                            &self.client,
                            &self.base,
                            &self.address,
                            self.namespace.as_deref(),
                        )
                    })
                    .await
            }
        }
    }

    /// The URL of a secret's data: `<base>/v1/<mount>/data/<path>`, each segment encoded,
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
        let mut url = self.base.clone();
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

    fn headers(&self, token: &SecretString) -> Result<HeaderMap, ManagerError> {
        let invalid = |what: &str| {
            ManagerError::new(
                ManagerErrorKind::Invalid,
                format!("the Vault {what} cannot be sent in a header"),
            )
        };
        let mut headers = HeaderMap::new();
        let mut token =
            HeaderValue::from_str(token.expose_secret()).map_err(|_| invalid("token"))?;
        token.set_sensitive(true);
        headers.insert("x-vault-token", token);
        if let Some(namespace) = &self.namespace {
            let namespace = HeaderValue::from_str(namespace).map_err(|_| invalid("namespace"))?;
            headers.insert("x-vault-namespace", namespace);
        }
        Ok(headers)
    }

    /// A version of the secret at `path` (the latest for `None`): its key/value map as JSON,
    /// and its version number. A logged-in token that is refused is replaced once.
    async fn read(&self, path: &str, version: Option<u64>) -> Result<(String, u64), ManagerError> {
        let token = self.token().await?;
        match (
            self.read_with(&token.value, path, version).await,
            token.login,
        ) {
            (Err(error), Some(login)) if error.kind() == ManagerErrorKind::Denied => {
                self.session.forget(login).await;
                let token = self.token().await?;
                self.read_with(&token.value, path, version).await
            }
            (answer, _) => answer,
        }
    }

    async fn read_with(
        &self,
        token: &SecretString,
        path: &str,
        version: Option<u64>,
    ) -> Result<(String, u64), ManagerError> {
        let url = self.url(path, version)?;
        let request = self.client.get(url).headers(self.headers(token)?);
        let response = client::send(request, &self.address).await?;
        let status = response.status();
        let which = || match version {
            Some(version) => format!("version {version} of secret `{path}`"),
            None => format!("secret `{path}`"),
        };
        match status {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => {
                return Err(ManagerError::new(
                    ManagerErrorKind::NotFound,
                    format!(
                        "Vault has no {} in mount `{}` (or it was deleted)",
                        which(),
                        self.mount
                    ),
                ));
            }
            StatusCode::FORBIDDEN => {
                return Err(ManagerError::new(
                    ManagerErrorKind::Denied,
                    format!(
                        "Vault refused to read {} in mount `{}`: permission denied (check the token \
                     and its policy)",
                        which(),
                        self.mount
                    ),
                ));
            }
            status => {
                let kind = if client::is_unavailable(status) {
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
            ManagerError::new(
                ManagerErrorKind::Unavailable,
                format!("Vault's answer for {} was cut short", which()),
            )
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
            .field("address", &client::origin(&self.address))
            .field("mount", &self.mount)
            .field("namespace", &self.namespace)
            .field("login", &self.login)
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
    fn requests_name_the_server_name_and_errors_the_address() {
        let manager = VaultManager::new("https://127.0.0.2:8200", "t")
            .unwrap()
            .tls_server_name("vault.internal")
            .unwrap();
        assert_eq!(
            manager.url("a", None).unwrap().as_str(),
            "https://vault.internal:8200/v1/secret/data/a"
        );
        assert!(format!("{manager:?}").contains(r#"address: "https://127.0.0.2:8200""#));
        let plain = VaultManager::new("http://127.0.0.1:8200", "t").unwrap();
        assert!(plain.tls_server_name("vault.internal").is_err());
    }

    #[test]
    fn the_token_is_sensitive_and_never_shown() {
        let manager = VaultManager::new("http://vault:8200", "s.TOKEN").unwrap();
        assert!(!format!("{manager:?}").contains("TOKEN"));
        let token = SecretString::from("s.TOKEN");
        assert!(manager.headers(&token).unwrap()["x-vault-token"].is_sensitive());
        let headers = manager.namespace("team/a").headers(&token).unwrap();
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
