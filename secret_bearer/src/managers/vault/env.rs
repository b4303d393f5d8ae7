//! [`VaultManager::from_env`]: the variables of Vault's and OpenBao's command-line tools.

use std::path::Path;

use secrecy::zeroize::Zeroizing;

use super::VaultManager;
use crate::manager::{ManagerError, ManagerErrorKind};

/// The manager the environment describes (see [`VaultManager::from_env`]).
pub(super) fn manager() -> Result<VaultManager, ManagerError> {
    if let Some(skip) = var("SKIP_VERIFY")
        && !is_false(&skip)
    {
        return Err(invalid(
            "VAULT_SKIP_VERIFY is refused: TLS verification stays on; set VAULT_CACERT to the \
             file of the CA that signed Vault's certificate instead",
        ));
    }
    let address = var("ADDR").ok_or_else(|| invalid("set VAULT_ADDR or BAO_ADDR"))?;
    let token = var("TOKEN").map(Zeroizing::new);
    let approle = var("ROLE_ID").zip(var("SECRET_ID").map(Zeroizing::new));
    let kubernetes = var("KUBERNETES_ROLE");
    let mut manager = match (token, approle, kubernetes) {
        (Some(token), None, None) => VaultManager::new(&address, token.as_str())?,
        (None, Some((role_id, secret_id)), None) => {
            VaultManager::approle(&address, role_id, secret_id.as_str())?
        }
        (None, None, Some(role)) => VaultManager::kubernetes(&address, role)?,
        (None, None, None) => {
            return Err(invalid(
                "set VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID (AppRole), or \
                 VAULT_KUBERNETES_ROLE (Kubernetes)",
            ));
        }
        _ => {
            return Err(invalid(
                "set one of VAULT_TOKEN, VAULT_ROLE_ID and VAULT_SECRET_ID (AppRole), or \
                 VAULT_KUBERNETES_ROLE (Kubernetes), not several",
            ));
        }
    };
    if let Some(mount) = var("AUTH_MOUNT") {
        manager = manager.auth_mount(mount);
    }
    if let Some(namespace) = var("NAMESPACE") {
        manager = manager.namespace(namespace);
    }
    // As for Vault's CLI, a CA file wins over a CA directory.
    if let Some(file) = var("CACERT") {
        manager = manager.ca_cert(file)?;
    } else if let Some(dir) = var("CAPATH") {
        manager = manager.ca_path(dir)?;
    }
    if let Some(name) = var("TLS_SERVER_NAME") {
        manager = manager.tls_server_name(&name)?;
    }
    match (var("CLIENT_CERT"), var("CLIENT_KEY")) {
        (Some(certificate), Some(key)) => manager.client_cert(certificate, Path::new(&key)),
        (None, None) => Ok(manager),
        _ => Err(invalid(
            "set both VAULT_CLIENT_CERT and VAULT_CLIENT_KEY, or neither",
        )),
    }
}

/// `VAULT_<name>`, or else `BAO_<name>`, unless unset or empty.
fn var(name: &str) -> Option<String> {
    ["VAULT_", "BAO_"].iter().find_map(|prefix| {
        std::env::var(format!("{prefix}{name}"))
            .ok()
            .filter(|value| !value.is_empty())
    })
}

/// What Go's `strconv.ParseBool`, which Vault's CLI reads the variable with, takes as false.
fn is_false(value: &str) -> bool {
    matches!(value, "0" | "f" | "F" | "false" | "FALSE" | "False")
}

fn invalid(message: &'static str) -> ManagerError {
    ManagerError::new(ManagerErrorKind::Invalid, message)
}
