//! Where a bearer keeps each of its secrets: an environment variable's, read once, or a secret
//! manager's, in the bound store's cache.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use crate::clock::Now;
use crate::secret::Secret;
use crate::store::{Cached, Held, Slot};
use crate::view::Copied;
use crate::{Error, SecretSource, SecretStore};

/// One configured secret, and where its value is kept.
pub(crate) struct Source {
    pub(crate) source: SecretSource,
    kept: Kept,
}

enum Kept {
    /// Environment variables are read once: a process's environment does not change under it.
    Env(OnceLock<Result<Arc<Secret>, Error>>),
    /// The store's cache entry for this source, remembered (by the store's id, which keeps
    /// nothing alive) for the first store it is read through, so that requests do not look it
    /// up by name.
    Managed(OnceLock<(u64, Arc<Slot>)>),
}

/// What a source holds for a request.
pub(crate) enum Lookup<'a> {
    Ready(Held<'a>),
    Failed(Failure<'a>),
    /// A secret in a manager must be fetched first.
    Due,
}

/// Why a source has no secret; kept small, as it travels on every check's path.
pub(crate) enum Failure<'a> {
    Kept(&'a Error),
    Found(Box<Error>),
}

impl Failure<'_> {
    pub(crate) fn into_error(self) -> Error {
        match self {
            Self::Kept(error) => error.clone(),
            Self::Found(error) => *error,
        }
    }
}

impl Source {
    pub(crate) fn new(source: SecretSource) -> Self {
        let kept = if source.is_managed() {
            Kept::Managed(OnceLock::new())
        } else {
            Kept::Env(OnceLock::new())
        };
        Self { source, kept }
    }

    /// What this source holds now. With `stale_ok` (after a fetch was attempted), a secret in
    /// a manager that is due is used rather than fetched again.
    ///
    /// Always inlined, so that an environment secret already read costs a load and a branch:
    /// returned through memory, this enum would cost more than the comparison it feeds.
    #[inline(always)]
    pub(crate) fn lookup(
        &self,
        store: Option<&SecretStore>,
        now: &Now,
        stale_ok: bool,
    ) -> Lookup<'_> {
        if let Kept::Env(loaded) = &self.kept
            && let Some(Ok(secret)) = loaded.get()
        {
            return Lookup::Ready(Held::Borrowed(secret));
        }
        self.lookup_further(store, now, stale_ok)
    }

    fn lookup_further(&self, store: Option<&SecretStore>, now: &Now, stale_ok: bool) -> Lookup<'_> {
        if let Kept::Env(loaded) = &self.kept {
            return match loaded.get_or_init(|| self.source.load().map(Arc::new)) {
                Ok(secret) => Lookup::Ready(Held::Borrowed(secret)),
                Err(error) => Lookup::Failed(Failure::Kept(error)),
            };
        }
        let Some(slot) = store.and_then(|store| self.slot(store)) else {
            return Lookup::Failed(Failure::Found(Box::new(Error::NoSecretStore {
                source: self.source.clone(),
            })));
        };
        from_cache(slot.cached(&self.source, now.get(), stale_ok))
    }

    /// What a thread's view copies of this source: the secret, and when it is due (never, for
    /// an environment variable); `None` unless it is current at `now`.
    pub(crate) fn snapshot(&self, store: &SecretStore, now: u64) -> Option<Copied> {
        match &self.kept {
            Kept::Env(loaded) => Some(Copied {
                secret: Arc::clone(loaded.get()?.as_ref().ok()?),
                due: u64::MAX,
            }),
            Kept::Managed(_) => {
                let (secret, due) = self.slot(store)?.snapshot(&self.source, now)?;
                Some(Copied { secret, due })
            }
        }
    }

    /// This source's entry in `store`'s cache; `None` for an environment variable.
    pub(crate) fn slot(&self, store: &SecretStore) -> Option<Cow<'_, Arc<Slot>>> {
        let Kept::Managed(remembered) = &self.kept else {
            return None;
        };
        let (first, slot) = remembered.get_or_init(|| (store.id(), store.slot(&self.source)));
        Some(if *first == store.id() {
            Cow::Borrowed(slot)
        } else {
            Cow::Owned(store.slot(&self.source))
        })
    }
}

fn from_cache(cached: Cached) -> Lookup<'static> {
    match cached {
        Cached::Secret(secret) => Lookup::Ready(Held::Shared(secret)),
        Cached::Failed(error) => Lookup::Failed(Failure::Found(Box::new(error))),
        Cached::Due => Lookup::Due,
    }
}
