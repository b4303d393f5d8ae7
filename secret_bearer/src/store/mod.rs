//! [`SecretStore`]: a secret manager, and the one cache in front of it that handlers and
//! clients both read through.
//!
//! The cache is ours, not a crate's: what it must promise (a value never served past `ttl`
//! while the store answers, `stale-if-error` with a hard bound, authoritative `NotFound`, a
//! single flight that no ending of a fetch can leave claimed, and a mismatch refresh limited
//! per path) is the security property itself. Caffeine-style caches for Rust (`moka`'s
//! future cache, `mini-moka`, `cached`) offer time-to-live and single flight, but neither a
//! refresh ahead that keeps serving, nor stale-if-error with a bound, nor a refusal that drops
//! the value at once; bending one to these rules would take more code than the rules.

mod entry;
mod fetch;
mod policy;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock, PoisonError, RwLock, RwLockReadGuard};

use tokio::time::Instant;

use crate::error::{Error, ErrorKind};
use crate::manager::{DynSecretManager, SecretManager};
use crate::secret::{Held, Secret, Use, hold};
use crate::source::{Origin, SecretSource, SecretVersion};
use entry::{Entry, Look};
pub use policy::CachePolicy;

/// A [`SecretManager`] with its cache: what secrets in a manager are read through. Install one
/// at start-up, as clearskies binds `secrets`, and every server and client in the process reads
/// through it: the attribute's handlers on actix-web and axum, the middleware, the tower layer,
/// the clients.
///
/// ```no_run
/// # async fn start() -> Result<(), Box<dyn std::error::Error>> {
/// use secret_bearer::{FileManager, SecretStore};
///
/// SecretStore::new(FileManager::new("/var/run/secrets")).install()?;
/// // Then check every handler's secrets before serving: a handler whose secret lives in a
/// // manager, in a process with no store installed, fails here rather than at its first request.
/// secret_bearer::resolve_all!().await?;
/// # Ok(()) }
/// ```
///
/// One store serves the process, so that no server or client can be left without one: there is
/// nothing to register per app, router, layer or call. A test that needs a store of its own for
/// one app gives it there instead, and it wins over the installed one for that app's requests:
/// in actix-web's app data (`App::app_data(store)`, or as `web::Data<SecretStore>`), or in the
/// request's extensions on axum and behind the tower layer (`.layer(Extension(store))`,
/// tower-http's `AddExtensionLayer`).
///
/// Each path is cached on its own under the [`CachePolicy`] (the JSON keys of one path share
/// its fetches, and come from one version of its document):
/// - fetched when first needed, with one fetch in flight however many requests wait for it;
/// - refreshed in the background once `refresh_after` old, while the value keeps serving;
/// - never served once `ttl` old while the store answers: requests wait for the fetch;
/// - while the store is unreachable (an error, a timeout after `fetch_timeout`, a panic), the
///   last good value serves for at most `ttl + stale_if_error` after it was fetched, with a
///   warning per failed fetch, and the store is asked again every `retry_after`; then the
///   source fails closed;
/// - `NotFound`, or a value that cannot be used, takes effect at once: the source fails
///   closed (an alternate is then simply absent), and is asked for again after `retry_after`;
/// - fetched early when a credential fails to match a value older than `mismatch_min_age`, at
///   most once per `mismatch_interval`, so a rotation in the store is accepted without a
///   restart and a flood of bad credentials cannot hammer it.
///
/// The guarantee: a request that starts more than `ttl` after the store changed is checked
/// against the new value (plus one fetch, at most `fetch_timeout`), with or without traffic
/// in between. While the store is unreachable the last good value serves for at most
/// `ttl + stale_if_error` after it was fetched. To revoke one caller, remove it from the set;
/// to revoke everything, delete the secret. To end a rotation, unset or delete the alternate.
///
/// Within a Tokio runtime (as in actix-web) each fetch is a task of its own, which a request
/// that gives up does not cancel. The cache keeps what checks compare with, each secret's
/// SHA-256 digest; the key itself only for clients, which must send it. A cached secret is
/// read under shared locks, without allocating.
#[derive(Clone)]
pub struct SecretStore {
    inner: Arc<StoreInner>,
}

struct StoreInner {
    manager: Box<dyn DynSecretManager>,
    policy: CachePolicy,
    entries: RwLock<Entries>,
}

/// The entries by path, one map per version, so that a lookup borrows the path.
#[derive(Default)]
struct Entries {
    current: HashMap<Box<str>, Arc<Entry>>,
    previous: HashMap<Box<str>, Arc<Entry>>,
}

impl Entries {
    fn of(&mut self, version: SecretVersion) -> &mut HashMap<Box<str>, Arc<Entry>> {
        match version {
            SecretVersion::Current => &mut self.current,
            SecretVersion::Previous => &mut self.previous,
        }
    }

    fn get(&self, path: &str, version: SecretVersion) -> Option<&Arc<Entry>> {
        match version {
            SecretVersion::Current => self.current.get(path),
            SecretVersion::Previous => self.previous.get(path),
        }
    }
}

/// The store installed for the process, if any ([`SecretStore::install`]).
static INSTALLED: OnceLock<SecretStore> = OnceLock::new();

impl SecretStore {
    /// Binds `manager` with the default [`CachePolicy`].
    pub fn new(manager: impl SecretManager) -> Self {
        Self::with_policy(manager, CachePolicy::default())
    }

    /// Binds `manager` with this cache policy.
    pub fn with_policy(manager: impl SecretManager, policy: CachePolicy) -> Self {
        Self {
            inner: Arc::new(StoreInner {
                manager: Box::new(manager),
                policy,
                entries: RwLock::default(),
            }),
        }
    }

    /// Makes this the store that every server and client of the process reads secrets in a
    /// manager through, from now on. Once per process: installing it again (or a clone of it)
    /// changes nothing, and installing another is [`ErrorKind::StoreAlreadyInstalled`], so that two
    /// parts of a program cannot each believe their store serves.
    pub fn install(self) -> Result<(), Error> {
        let installed = INSTALLED.get_or_init(|| self.clone());
        match Arc::ptr_eq(&installed.inner, &self.inner) {
            true => Ok(()),
            false => Err(Error::from(ErrorKind::StoreAlreadyInstalled)),
        }
    }

    /// The store a read goes through: the one `given` for this request or call (an app's own,
    /// see the type's docs), else the installed one. The one place that rule lives.
    pub(crate) fn or_installed(given: Option<&SecretStore>) -> Option<&SecretStore> {
        given.or_else(|| INSTALLED.get())
    }

    /// The secret `source` names if the cache serves it as it is, without asking the store:
    /// the request path of a cached secret, which takes shared locks and allocates nothing.
    /// `None` when [`SecretStore::secret`] must decide.
    pub(crate) fn cached(&self, source: &SecretSource, used: Use) -> Option<Held> {
        let Origin::Manager { path, version, .. } = &source.0 else {
            return None;
        };
        let entries = self.entries();
        let entry = entries.get(path, *version)?;
        entry.served(source, used, Instant::now(), &self.inner.policy)
    }

    /// The secret `source` names, from the cache: served, served while a refresh starts in
    /// the background, or fetched first (see [`CachePolicy`]).
    pub(crate) async fn secret(&self, source: &SecretSource, used: Use) -> Held {
        let Some(entry) = self.entry(source) else {
            return hold(used, Secret::from_env(source, used));
        };
        let policy = &self.inner.policy;
        let seen = match entry.look(source, used, Instant::now(), policy) {
            Look::Serve(held) => return held,
            Look::ServeAndRefresh(held, seen) => {
                if self.refresh_in_background(&entry, seen) {
                    return held;
                }
                seen
            }
            Look::Wait(seen) => seen,
        };
        self.refresh(&entry, seen).await;
        entry.settle(source, used, Instant::now(), policy)
    }

    /// Announces that `source` will be read, so that a fetch for another source of its path
    /// derives it too (the JSON keys of one document share its fetches from the first).
    pub(crate) fn announce(&self, source: &SecretSource, used: Use) {
        if let Some(entry) = self.entry(source) {
            entry.want(source, used);
        }
    }

    /// After a credential matched no cached secret: refreshes `source` if a rotation in the
    /// store may explain it (see [`CachePolicy`]), and says whether it did. A refresh already
    /// due or under way is waited for rather than repeated.
    pub(crate) async fn refresh_after_mismatch(&self, source: &SecretSource) -> bool {
        let Some(entry) = self.entry(source) else {
            return false;
        };
        match entry.claim_mismatch_refresh(Instant::now(), &self.inner.policy) {
            Some(seen) => {
                self.refresh(&entry, seen).await;
                true
            }
            None => false,
        }
    }

    fn entries(&self) -> RwLockReadGuard<'_, Entries> {
        self.inner
            .entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The cache entry of a source's path, made on first use; `None` for a source that is not
    /// in a manager.
    fn entry(&self, source: &SecretSource) -> Option<Arc<Entry>> {
        let Origin::Manager { path, version, .. } = &source.0 else {
            return None;
        };
        let entries = self.entries();
        if let Some(entry) = entries.get(path, *version) {
            return Some(Arc::clone(entry));
        }
        drop(entries);
        let mut entries = self
            .inner
            .entries
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let entry = entries
            .of(*version)
            .entry(path.as_ref().into())
            .or_insert_with(|| Arc::new(Entry::new(path, *version)));
        Some(Arc::clone(entry))
    }
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretStore")
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use secrecy::zeroize::Zeroizing;

    use super::entry::Fetched;
    use std::time::Duration;

    use super::*;
    use crate::manager::ManagerError;

    struct Counting(Arc<AtomicUsize>);

    impl SecretManager for Counting {
        async fn get(&self, _: &str) -> Result<String, ManagerError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok("KEY".to_owned())
        }
    }

    /// The race of finding 1, made deterministic: a request decides to refresh in the
    /// background, another fetch ends before its refresh starts, and the refresh it started
    /// finds nothing to do. Nothing stays claimed: the next refresh due runs.
    #[test]
    fn a_refresh_that_finds_another_ended_first_leaves_nothing_claimed() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            let fetches = Arc::new(AtomicUsize::new(0));
            let policy = CachePolicy::default().refresh_after(Duration::ZERO);
            let store = SecretStore::with_policy(Counting(Arc::clone(&fetches)), policy);
            let source = SecretSource::manager("/key");
            let entry = store.entry(&source).unwrap();
            let fetched = || Fetched::Value(Zeroizing::new(b"KEY".to_vec()));
            entry.look(&source, Use::Check, Instant::now(), &policy);
            entry.keep(fetched(), Instant::now(), Instant::now(), &policy);

            let Look::ServeAndRefresh(_, seen) =
                entry.look(&source, Use::Check, Instant::now(), &policy)
            else {
                panic!("due for a refresh ahead");
            };
            entry.keep(fetched(), Instant::now(), Instant::now(), &policy);
            assert!(store.refresh_in_background(&entry, seen));
            tokio::task::yield_now().await;
            assert_eq!(
                fetches.load(Ordering::SeqCst),
                0,
                "skipped: another fetch ended"
            );
            assert!(
                entry.fetching.try_lock().is_ok(),
                "and nothing is left claimed"
            );

            let Look::ServeAndRefresh(_, seen) =
                entry.look(&source, Use::Check, Instant::now(), &policy)
            else {
                panic!("still due");
            };
            assert!(store.refresh_in_background(&entry, seen));
            tokio::task::yield_now().await;
            assert_eq!(fetches.load(Ordering::SeqCst), 1, "the next refresh runs");
        });
    }
}
