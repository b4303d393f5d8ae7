//! Each thread's view of the secrets a bearer reads through a secret manager's cache.
//!
//! The cache is shared by every worker, and reading it takes a lock and a reference count. A
//! request compares with its thread's view instead, which it trusts while the clock says
//! nothing is due and every cache entry it copied is still at the generation it copied: one
//! clock read and a load per secret. A view is rebuilt from the cache when either changes.

use std::cell::RefCell;
use std::sync::Arc;

use crate::secret::Secret;
use crate::store::{Generation, Slot};

thread_local! {
    static VIEWS: RefCell<Vec<View>> = const { RefCell::new(Vec::new()) };
}

/// Bounds what a thread keeps for bearers and stores that come and go (tests, mostly).
const MAX_VIEWS: usize = 64;

struct View {
    bearer: u64,
    store: u64,
    /// The earliest time a copied secret is due.
    valid_until: u64,
    primary: Copied,
    alternate: Option<Copied>,
}

/// One secret as a view holds it.
pub(crate) struct Copied {
    /// The cache entry and the generation copied; `None` for an environment variable's
    /// secret, which never changes.
    from: Option<(Arc<Slot>, Generation)>,
    due: u64,
    secret: Arc<Secret>,
}

impl Copied {
    pub(crate) fn env(secret: Arc<Secret>) -> Self {
        Self {
            from: None,
            due: u64::MAX,
            secret,
        }
    }

    pub(crate) fn managed(
        slot: Arc<Slot>,
        generation: Generation,
        secret: Arc<Secret>,
        due: u64,
    ) -> Self {
        Self {
            from: Some((slot, generation)),
            due,
            secret,
        }
    }

    #[inline]
    fn is_current(&self) -> bool {
        self.from
            .as_ref()
            .is_none_or(|(slot, generation)| slot.is_published(*generation))
    }
}

/// `compare` applied to this thread's view of the bearer's secrets, if it has a current one.
#[inline]
pub(crate) fn with_view<R>(
    bearer: u64,
    store: u64,
    now: u64,
    compare: impl FnOnce(&Secret, Option<&Secret>) -> R,
) -> Option<R> {
    VIEWS.with_borrow(|views| {
        let view = views
            .iter()
            .find(|view| view.bearer == bearer && view.store == store)?;
        let current = now < view.valid_until
            && view.primary.is_current()
            && view.alternate.as_ref().is_none_or(Copied::is_current);
        current.then(|| {
            compare(
                &view.primary.secret,
                view.alternate.as_ref().map(|a| &*a.secret),
            )
        })
    })
}

/// Keeps this thread's view of the bearer's secrets, replacing any older one.
pub(crate) fn remember(bearer: u64, store: u64, primary: Copied, alternate: Option<Copied>) {
    let valid_until = primary.due.min(
        alternate
            .as_ref()
            .map_or(u64::MAX, |alternate| alternate.due),
    );
    let view = View {
        bearer,
        store,
        valid_until,
        primary,
        alternate,
    };
    VIEWS.with_borrow_mut(|views| {
        match views
            .iter_mut()
            .find(|old| old.bearer == bearer && old.store == store)
        {
            Some(old) => *old = view,
            None => {
                if views.len() >= MAX_VIEWS {
                    views.clear();
                }
                views.push(view);
            }
        }
    });
}
