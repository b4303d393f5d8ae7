//! The HTTP client that talks to Vault: TLS configured as Vault's CLI configures it, no
//! redirect followed, and every answer that is not Vault's own turned into an error that names
//! no credential.

use std::path::Path;
use std::time::Duration;

use reqwest::header::{HeaderValue, LOCATION};
use reqwest::{Certificate, Client, Identity, RequestBuilder, Response, Url};
use secrecy::zeroize::Zeroizing;

use crate::manager::{ManagerError, ManagerErrorKind};

/// How long one request to Vault may take: requests waiting for a secret wait for it.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What the client trusts and shows: `None` roots trust the platform's (as Vault's CLI does
/// without `VAULT_CACERT`), `Some` trusts those alone.
#[derive(Clone, Default)]
pub(super) struct Tls {
    pub(super) roots: Option<Vec<Certificate>>,
    pub(super) identity: Option<Identity>,
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

/// Sends a request to Vault; a redirect is an error that names where it pointed (its origin,
/// never its path or query) and how to fix it; the request is not sent again, anywhere.
pub(super) async fn send(request: RequestBuilder, address: &Url) -> Result<Response, ManagerError> {
    let response = request.send().await.map_err(|error| {
        ManagerError::unavailable(format!("cannot reach Vault at {}", origin(address)))
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
}
