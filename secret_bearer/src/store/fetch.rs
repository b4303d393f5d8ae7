//! The single flight: one fetch at a time per entry, each bounded in time, and recorded
//! however it ends.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use secrecy::zeroize::Zeroizing;
use tokio::runtime::Handle;
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

use super::SecretStore;
use super::entry::{Entry, Fetched, Generation};
use crate::manager::{ManagerError, ManagerErrorKind};

impl SecretStore {
    /// Fetches the entry unless a fetch has ended since `seen`, and waits for it. Within a
    /// Tokio runtime the fetch is a task of its own, so a request that gives up waiting (a
    /// client that disconnects) does not cancel it.
    pub(super) async fn refresh(&self, entry: &Arc<Entry>, seen: Generation) {
        let fetch = self.fetch(Arc::clone(entry), seen, None);
        match Handle::try_current() {
            // A task cancelled with its runtime leaves the entry as it was; the waiter settles
            // with what is there.
            Ok(runtime) => drop(runtime.spawn(fetch).await),
            Err(_) => fetch.await,
        }
    }

    /// Starts a refresh without waiting for it, unless one is under way; `false` when there is
    /// no runtime to run it in.
    pub(super) fn refresh_in_background(&self, entry: &Arc<Entry>, seen: Generation) -> bool {
        let Ok(runtime) = Handle::try_current() else {
            return false;
        };
        // Claimed here, not in the task: however many requests find the entry due at once,
        // one starts the refresh.
        if let Ok(flight) = Arc::clone(&entry.fetching).try_lock_owned() {
            drop(runtime.spawn(self.fetch(Arc::clone(entry), seen, Some(flight))));
        }
        true
    }

    /// One fetch, in the single flight: none if another fetch has ended since `seen` (while
    /// this one waited for its turn).
    fn fetch(
        &self,
        entry: Arc<Entry>,
        seen: Generation,
        flight: Option<OwnedMutexGuard<()>>,
    ) -> impl Future<Output = ()> + Send + 'static {
        let store = self.clone();
        async move {
            let _flight = match flight {
                Some(flight) => flight,
                None => Arc::clone(&entry.fetching).lock_owned().await,
            };
            if entry.generation() != seen {
                return;
            }
            let asked_at = Instant::now();
            let fetched = store.ask(&entry).await;
            entry.keep(fetched, asked_at, Instant::now(), &store.inner.policy);
        }
    }

    /// Asks the manager once, within the policy's `fetch_timeout`: a manager that takes longer,
    /// or panics, has not reached its store.
    async fn ask(&self, entry: &Entry) -> Fetched {
        if Handle::try_current().is_ok() && !timers_enabled() {
            // Tokio's own panic would be caught below and read as the manager's.
            return Fetched::Refused(ManagerError::new(
                ManagerErrorKind::Other,
                "the Tokio runtime has no timers, which the cache needs to bound each fetch: \
                 build it with `enable_time()` or `enable_all()` (as `#[tokio::main]`, \
                 `#[actix_web::main]` and actix-web's server do)",
            ));
        }
        let timeout = self.inner.policy.fetch_timeout;
        let get = self.inner.manager.get_boxed(&entry.path, entry.version);
        let bounded = async move {
            // Only Tokio's timer can cut a fetch off; outside a runtime it runs to its end.
            if Handle::try_current().is_err() {
                return Some(get.await);
            }
            tokio::time::timeout(timeout, get).await.ok()
        };
        // The manager is the user's code: its panic must not end the fetch unrecorded.
        match AssertUnwindSafe(bounded).catch_unwind().await {
            Ok(Some(Ok(value))) => Fetched::Value(Zeroizing::new(value.into_bytes())),
            Ok(Some(Err(error))) => Fetched::from(error),
            Ok(None) => Fetched::Unreachable(ManagerError::new(
                ManagerErrorKind::Unavailable,
                format!("the secret manager did not answer within the fetch timeout ({timeout:?})"),
            )),
            Err(_) => Fetched::Unreachable(ManagerError::new(
                ManagerErrorKind::Other,
                "the secret manager panicked",
            )),
        }
    }
}

/// Whether the current Tokio runtime has its timers enabled. Tokio has no question to ask
/// this; making a timer panics without them, so the answer is whether that panics.
fn timers_enabled() -> bool {
    std::panic::catch_unwind(|| drop(tokio::time::sleep(std::time::Duration::ZERO))).is_ok()
}
