//! The HTTP client that talks to Vault: TLS configured as Vault's CLI configures it, no
//! redirect followed, and every answer that is not Vault's own turned into an error that names
//! no credential.

use std::path::Path;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderValue, LOCATION};
use reqwest::{Certificate, Client, Identity, RequestBuilder, Response, StatusCode, Url};
use secrecy::zeroize::Zeroizing;

use crate::manager::{ManagerError, ManagerErrorKind};

/// How long one request to Vault may take: requests waiting for a secret wait for it.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What the client trusts, shows and verifies: `None` roots trust the platform's (as Vault's
/// CLI does without `VAULT_CACERT`), `Some` trusts those alone; a server name is the name
/// Vault's certificate is verified against, in place of the address's host.
#[derive(Clone, Default)]
pub(super) struct Tls {
    pub(super) roots: Option<Vec<Certificate>>,
    pub(super) identity: Option<Identity>,
    pub(super) server_name: Option<ServerName>,
}

/// A TLS server name (`VAULT_TLS_SERVER_NAME`) and the host and port of the address it stands
/// for. Requests name it as their host, so that rustls verifies Vault's certificate against it
/// and sends it as SNI; as the client's resolver, it maps that name to the address's host, so
/// that the connection still goes where the address says.
#[derive(Clone, Debug)]
pub(super) struct ServerName {
    name: String,
    host: String,
    port: u16,
}

impl ServerName {
    /// `name` standing for `address`'s host, and the URL requests are then made to: the
    /// address with `name` as its host. Refused unless `name` is a DNS name (as rustls takes
    /// it: an IP address is not one, nor a wildcard) and the address is `https://`.
    pub(super) fn new(name: &str, address: &Url) -> Result<(Self, Url), ManagerError> {
        let (true, Some(host), Some(port)) = (
            address.scheme() == "https",
            address.host_str(),
            address.port_or_known_default(),
        ) else {
            return Err(ManagerError::new(
                ManagerErrorKind::Invalid,
                format!(
                    "a TLS server name (VAULT_TLS_SERVER_NAME) needs an https:// Vault address, \
                     not `{}`",
                    origin(address)
                ),
            ));
        };
        // Held to DNS's rules first: the URL parser would cut `vault/x` or `vault:1` short.
        // It then refuses what it reads as an IPv4 address (`127.0.0.1`, `0x7f.1`).
        let mut base = address.clone();
        let lowercase = name.to_ascii_lowercase();
        if !is_dns_name(&lowercase)
            || base.set_host(Some(&lowercase)).is_err()
            || base.domain() != Some(lowercase.as_str())
        {
            return Err(ManagerError::new(
                ManagerErrorKind::Invalid,
                format!("the TLS server name (VAULT_TLS_SERVER_NAME) `{name}` is not a DNS name"),
            ));
        }
        // An IPv6 address is written in brackets in a URL, and without them to be resolved.
        let host = host
            .strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(host);
        let server_name = Self {
            name: lowercase,
            host: host.to_owned(),
            port,
        };
        Ok((server_name, base))
    }
}

/// Labels of letters, digits, `-` and `_` (which rustls takes too), 1 to 63 bytes each, none
/// starting or ending with `-`, 253 bytes in all.
fn is_dns_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        })
}

impl Resolve for ServerName {
    /// The server name resolves to the address's host (resolved in turn, unless it is an IP
    /// address); any other name (a proxy's) to its own addresses. A port of 0 is reqwest's to
    /// replace with the URL's.
    fn resolve(&self, name: Name) -> Resolving {
        let target = if name.as_str().eq_ignore_ascii_case(&self.name) {
            (self.host.clone(), self.port)
        } else {
            (name.as_str().to_owned(), 0)
        };
        Box::pin(async move {
            let addresses: Addrs = Box::new(tokio::net::lookup_host(target).await?);
            Ok(addresses)
        })
    }
}

/// A client that follows no redirect (and so sends no `Referer`, which reqwest adds only to
/// a redirect it follows): Vault answers from the address it
/// was given (an HA standby forwards to the active node itself), so a redirect is a misrouting,
/// and following it would carry `X-Vault-Token` to wherever it points (reqwest strips only
/// `Authorization` and `Cookie` across origins). Proxies come from `HTTPS_PROXY`, `HTTP_PROXY`
/// and `NO_PROXY`, as for Vault's CLI.
pub(super) fn build(tls: &Tls) -> Result<Client, ManagerError> {
    let mut builder = Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(roots) = &tls.roots {
        builder = builder.tls_certs_only(roots.iter().cloned());
    }
    if let Some(identity) = &tls.identity {
        builder = builder.identity(identity.clone());
    }
    if let Some(server_name) = &tls.server_name {
        builder = builder.dns_resolver(server_name.clone());
    }
    builder.build().map_err(|error| {
        ManagerError::new(
            ManagerErrorKind::Invalid,
            "cannot build Vault's HTTPS client",
        )
        .with_source(error.without_url())
    })
}

/// The certificates of a PEM file (`VAULT_CACERT`).
pub(super) fn certificates_in(file: &Path) -> Result<Vec<Certificate>, ManagerError> {
    let pem = std::fs::read(file).map_err(|error| unusable(file, "read").with_source(error))?;
    let certificates = Certificate::from_pem_bundle(&pem)
        .map_err(|error| unusable(file, "parse").with_source(error.without_url()))?;
    if certificates.is_empty() {
        return Err(ManagerError::new(
            ManagerErrorKind::Invalid,
            format!("`{}` holds no PEM certificate", file.display()),
        ));
    }
    Ok(certificates)
}

/// The certificates of the PEM files in a directory (`VAULT_CAPATH`); as Vault's CLI, files
/// that hold none are skipped.
pub(super) fn certificates_under(dir: &Path) -> Result<Vec<Certificate>, ManagerError> {
    let entries =
        std::fs::read_dir(dir).map_err(|error| unusable(dir, "list").with_source(error))?;
    let mut certificates = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|error| unusable(dir, "list").with_source(error))?
            .path();
        if path.is_file() {
            certificates.extend(certificates_in(&path).unwrap_or_default());
        }
    }
    if certificates.is_empty() {
        return Err(ManagerError::new(
            ManagerErrorKind::Invalid,
            format!("`{}` holds no PEM certificate", dir.display()),
        ));
    }
    Ok(certificates)
}

/// A client certificate and its key, PEM files (`VAULT_CLIENT_CERT`, `VAULT_CLIENT_KEY`). The
/// key's buffers are wiped; the parsed key is reqwest's (and rustls') to keep.
pub(super) fn identity(certificate: &Path, key: &Path) -> Result<Identity, ManagerError> {
    let mut pem = Zeroizing::new(
        std::fs::read(certificate)
            .map_err(|error| unusable(certificate, "read").with_source(error))?,
    );
    let key_pem = Zeroizing::new(
        std::fs::read(key).map_err(|error| unusable(key, "read").with_source(error))?,
    );
    pem.push(b'\n');
    pem.extend_from_slice(&key_pem);
    Identity::from_pem(&pem).map_err(|_| {
        ManagerError::new(
            ManagerErrorKind::Invalid,
            format!(
                "`{}` and `{}` are not a PEM certificate and its private key",
                certificate.display(),
                key.display()
            ),
        )
    })
}

fn unusable(file: &Path, what: &str) -> ManagerError {
    ManagerError::new(
        ManagerErrorKind::Invalid,
        format!("cannot {what} `{}`", file.display()),
    )
}

/// Whether an answer says Vault cannot serve now (a server error, or too many requests), which
/// the store treats as unreachable, rather than a refusal.
pub(super) fn is_unavailable(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

/// Sends a request to Vault; a redirect is an error that names where it pointed (its origin,
/// never its path or query) and how to fix it; the request is not sent again, anywhere.
pub(super) async fn send(request: RequestBuilder, address: &Url) -> Result<Response, ManagerError> {
    let response = request.send().await.map_err(|error| {
        ManagerError::new(
            ManagerErrorKind::Unavailable,
            format!("cannot reach Vault at {}", origin(address)),
        )
        .with_source(error.without_url())
    })?;
    if response.status().is_redirection() {
        let target = response
            .headers()
            .get(LOCATION)
            .and_then(|location| location_origin(response.url(), location))
            .unwrap_or_else(|| "no valid Location".to_owned());
        // `Other`, not `Invalid`: a standby answering during a failover is no reason to stop
        // serving what the store cached.
        return Err(ManagerError::new(
            ManagerErrorKind::Other,
            format!(
                "Vault at {} answered {} redirecting to {target}; redirects are not followed, so \
                 that the token stays with this address: set VAULT_ADDR to the active node or \
                 its load balancer",
                origin(address),
                response.status(),
            ),
        ));
    }
    Ok(response)
}

/// An address without its path: what errors show of it.
pub(super) fn origin(address: &Url) -> String {
    address.origin().ascii_serialization()
}

/// The origin a `Location` points to (relative to the request's URL); its path and query are
/// not shown.
fn location_origin(base: &Url, location: &HeaderValue) -> Option<String> {
    let target = base.join(location.to_str().ok()?).ok()?;
    Some(origin(&target))
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    #[test]
    fn a_location_shows_its_origin_only() {
        let base = Url::parse("https://vault:8200/v1/secret/data/x").unwrap();
        let shown =
            |location: &str| location_origin(&base, &HeaderValue::from_str(location).unwrap());
        assert_eq!(
            shown("http://127.0.0.2:1234/v1/secret/data/x?token=s.T").as_deref(),
            Some("http://127.0.0.2:1234")
        );
        assert_eq!(shown("/v1/other").as_deref(), Some("https://vault:8200"));
        assert_eq!(shown("http://[::1").as_deref(), None);
    }

    #[test]
    fn a_server_name_is_a_dns_name_beside_an_https_address() {
        let address = Url::parse("https://127.0.0.2:8200/vault/").unwrap();
        let (server_name, base) = ServerName::new("Vault.Internal", &address).unwrap();
        assert_eq!(base.as_str(), "https://vault.internal:8200/vault/");
        assert_eq!(
            (server_name.name.as_str(), server_name.host.as_str()),
            ("vault.internal", "127.0.0.2")
        );
        assert!(ServerName::new("my_vault-1.internal", &address).is_ok());
        let long_label = "x".repeat(64);
        let long_name = [
            "x".repeat(63),
            "x".repeat(63),
            "x".repeat(63),
            "x".repeat(63),
        ]
        .join(".");
        for refused in [
            "",
            "127.0.0.1",
            "0x7f.1",
            "[::1]",
            "::1",
            "*.internal",
            "a..b",
            "-a.b",
            "a-.b",
            "vault.internal.",
            "vault internal",
            "vault/internal",
            "vault:8200",
            "user@vault",
            &long_label,
            &long_name,
        ] {
            let error = ServerName::new(refused, &address).unwrap_err();
            assert_eq!(error.kind(), ManagerErrorKind::Invalid, "{refused:?}");
            assert!(
                error.message().contains("(VAULT_TLS_SERVER_NAME)"),
                "{error}"
            );
        }
        let plain = Url::parse("http://127.0.0.1:8200").unwrap();
        let error = ServerName::new("vault.internal", &plain).unwrap_err();
        assert_eq!(
            error.message(),
            "a TLS server name (VAULT_TLS_SERVER_NAME) needs an https:// Vault address, not \
             `http://127.0.0.1:8200`"
        );
    }

    async fn resolved(address: &str, server_name: &str, name: &str) -> Vec<SocketAddr> {
        let address = Url::parse(address).unwrap();
        let (server_name, _) = ServerName::new(server_name, &address).unwrap();
        let addresses = server_name.resolve(name.parse().unwrap()).await.unwrap();
        addresses.collect()
    }

    #[tokio::test]
    async fn the_server_name_resolves_to_the_addresss_host_and_other_names_to_theirs() {
        let address = "https://127.0.0.2:8200";
        // Not to 127.0.0.1, where `localhost` itself resolves: to the address's host.
        let loopback2 = SocketAddr::from(([127, 0, 0, 2], 8200));
        assert_eq!(
            resolved(address, "localhost", "localhost").await,
            [loopback2]
        );
        assert_eq!(
            resolved(address, "localhost", "LocalHost").await,
            [loopback2]
        );
        let ipv6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 8443));
        assert_eq!(
            resolved("https://[::1]:8443", "vault.internal", "vault.internal").await,
            [ipv6]
        );
        // A host that is a name is resolved, on the scheme's port when the address has none.
        let by_name = resolved("https://localhost", "vault.internal", "vault.internal").await;
        assert!(!by_name.is_empty());
        assert!(
            by_name
                .iter()
                .all(|found| found.ip().is_loopback() && found.port() == 443),
            "{by_name:?}"
        );
        // Any other name (a proxy's) is itself; reqwest puts the URL's port in place of 0.
        let proxy = SocketAddr::from(([127, 0, 0, 3], 0));
        assert_eq!(
            resolved(address, "vault.internal", "127.0.0.3").await,
            [proxy]
        );
    }
}
