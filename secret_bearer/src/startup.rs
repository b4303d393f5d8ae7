//! [`resolve_all`]: read every secret at start-up, so a misconfigured service can refuse to
//! start instead of answering 500.

use std::fmt;
use std::sync::{Mutex, PoisonError, Weak};

use crate::bearer::Inner;
use crate::{Error, SecretBearer, SecretStore};

/// Every bearer built so far, weakly: a registry must not keep a dropped bearer alive.
static BUILT: Mutex<Vec<Weak<Inner>>> = Mutex::new(Vec::new());

pub(crate) fn register(bearer: Weak<Inner>) {
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    built.retain(|bearer| bearer.strong_count() > 0);
    built.push(bearer);
}

/// An annotated handler's bearer, built on first use; listed so [`resolve_all`] can build it.
#[doc(hidden)]
pub struct RegisteredHandler(pub fn() -> Result<&'static SecretBearer, Error>);

inventory::collect!(RegisteredHandler);

/// Reads the secrets of every `#[secret_bearer]` handler and of every live [`SecretBearer`]
/// now, through `store` for those that live in a secret manager (which warms its cache), and
/// returns how many bearers it checked, or every problem found.
///
/// ```no_run
/// # async fn start() -> std::io::Result<()> {
/// use secret_bearer::{FileManager, SecretStore};
///
/// let store = SecretStore::new(FileManager::new("/var/run/secrets"));
/// secret_bearer::resolve_all(Some(&store)).await.map_err(std::io::Error::other)?;
/// // ... then start the server with `App::new().app_data(store.clone())`.
/// # Ok(()) }
/// ```
pub async fn resolve_all(store: Option<&SecretStore>) -> Result<usize, Unresolved> {
    let mut errors = Vec::new();
    for handler in inventory::iter::<RegisteredHandler> {
        if let Err(error) = (handler.0)() {
            errors.push(error);
        }
    }
    let bearers: Vec<SecretBearer> = BUILT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter_map(Weak::upgrade)
        .map(SecretBearer::from_registered)
        .collect();
    for bearer in &bearers {
        if let Err(error) = bearer.resolve_with(store).await
            && !errors.contains(&error)
        {
            errors.push(error);
        }
    }
    if errors.is_empty() {
        Ok(bearers.len())
    } else {
        Err(Unresolved { errors })
    }
}

/// The secrets [`resolve_all`] could not read: each error names its source, never a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    errors: Vec<Error>,
}

impl Unresolved {
    /// Every problem, one per source.
    pub fn errors(&self) -> &[Error] {
        &self.errors
    }
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("secrets that cannot be read at start-up: ")?;
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Unresolved {}
