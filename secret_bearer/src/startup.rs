//! [`resolve_all`]: read every secret at start-up, so a misconfigured service can refuse to
//! start instead of answering 500.

use std::fmt;
use std::sync::{Mutex, PoisonError, Weak};

use crate::bearer::Inner;
use crate::{Error, SecretBearer, SecretStore, client};

/// Every bearer built so far, weakly: a registry must not keep a dropped bearer alive.
static BUILT: Mutex<Vec<Weak<Inner>>> = Mutex::new(Vec::new());

pub(crate) fn register(bearer: Weak<Inner>) {
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    built.retain(|bearer| bearer.strong_count() > 0);
    built.push(bearer);
}

/// An annotated function's bearer, built on first use; listed so [`resolve_all`] can build it.
#[doc(hidden)]
pub enum Registered {
    /// A handler's, whose secrets in a manager are read through the app's store.
    Handler(fn() -> Result<&'static SecretBearer, Error>),
    /// A client function's, whose secrets in a manager are read through the store
    /// [`client::bind_store`] bound.
    Client(fn() -> Result<&'static SecretBearer, Error>),
}

inventory::collect!(Registered);

/// Reads the secrets of every `#[secret_bearer]` handler and client function and of every live
/// [`SecretBearer`] now, and returns how many bearers it checked, or every problem found.
///
/// Secrets that live in a secret manager are read through `store` (which warms its cache),
/// except client functions', which are read through the store [`client::bind_store`] bound,
/// as their calls will: bind it first.
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
    let mut clients = Vec::new();
    for registered in inventory::iter::<Registered> {
        let built = match registered {
            Registered::Handler(build) => build().map(|_| ()),
            Registered::Client(build) => build().map(|bearer| clients.push(bearer)),
        };
        note(&mut errors, built);
    }
    for bearer in &clients {
        note(
            &mut errors,
            bearer.resolve_with(client::bound_store()).await,
        );
    }
    let bearers: Vec<SecretBearer> = BUILT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter_map(Weak::upgrade)
        .map(SecretBearer::from_registered)
        .collect();
    for bearer in &bearers {
        if !clients.iter().any(|client| client.is(bearer)) {
            note(&mut errors, bearer.resolve_with(store).await);
        }
    }
    if errors.is_empty() {
        Ok(bearers.len())
    } else {
        Err(Unresolved { errors })
    }
}

/// Keeps `result`'s error, once: bearers that share a source fail alike.
fn note(errors: &mut Vec<Error>, result: Result<(), Error>) {
    if let Err(error) = result
        && !errors.contains(&error)
    {
        errors.push(error);
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
