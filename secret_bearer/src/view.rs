//! Each thread's view of the secrets a bearer reads through a secret manager's cache.
//!
//! The cache is shared by every worker, and reading it takes a lock and a reference count. A
//! request compares with its thread's view instead, which it trusts while the clock says
//! nothing it copied is due and no cache entry anywhere has published since it was copied:
//! one clock read and one load. A view is rebuilt from the cache when either changes.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::secret::Secret;

thread_local! {
    static VIEWS: RefCell<Vec<View>> = const { RefCell::new(Vec::new()) };
}

/// Counts what every cache entry of every store in the process has published. One counter
/// rather than one per entry: entries publish once per fetch, minutes apart, so sharing it
/// costs a few needless rebuilds and saves a dependent load per secret on every check.
static PUBLICATIONS: AtomicU64 = AtomicU64::new(0);

/// Bounds what a thread keeps for bearers and stores that come and go (tests, mostly).
const MAX_VIEWS: usize = 64;

struct View {
    bearer: u64,
    store: u64,
    /// [`publications`] when the secrets were copied.
    publications: u64,
    /// The earliest time a copied secret is due.
    valid_until: u64,
    primary: Arc<Secret>,
    alternate: Option<Arc<Secret>>,
}

/// One secret as a view copies it, and when it is due (never, for an environment variable's).
pub(crate) struct Copied {
    pub(crate) secret: Arc<Secret>,
    pub(crate) due: u64,
}

/// Called by a cache entry after it changed what it holds: every view copied before is stale.
pub(crate) fn published() {
    PUBLICATIONS.fetch_add(1, Ordering::Release);
}

/// Read before copying secrets for a view, so that a publication during the copy makes the
/// view stale rather than wrong.
pub(crate) fn publications() -> u64 {
    PUBLICATIONS.load(Ordering::Acquire)
}

/// `compare` applied to this thread's view of the bearer's secrets, if it has a current one.
#[inline(always)]
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
        let current = now < view.valid_until && publications() == view.publications;
        current.then(|| compare(&view.primary, view.alternate.as_deref()))
    })
}

/// Keeps this thread's view of the bearer's secrets, replacing any older one; `publications`
/// is what [`publications`] said before the secrets were copied.
pub(crate) fn remember(
    bearer: u64,
    store: u64,
    publications: u64,
    primary: Copied,
    alternate: Option<Copied>,
) {
    let valid_until = primary.due.min(
        alternate
            .as_ref()
            .map_or(u64::MAX, |alternate| alternate.due),
    );
    let view = View {
        bearer,
        store,
        publications,
        valid_until,
        primary: primary.secret,
        alternate: alternate.map(|alternate| alternate.secret),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn copied(secret: &[u8], due: u64) -> Copied {
        Copied {
            secret: Arc::new(Secret::new(secret).unwrap()),
            due,
        }
    }

    /// What this thread's view of bearer `bearer` (store 1) answers at `now`.
    fn viewed(bearer: u64, now: u64) -> Option<Vec<u8>> {
        with_view(bearer, 1, now, |primary, _| primary.expose().to_vec())
    }

    /// Remembers a view of `primary` (and `alternate`) and reads it back at `now`. Other tests
    /// in this binary publish concurrently, so a read that a publication may have made stale is
    /// tried again rather than taken for an answer.
    fn remembered(
        bearer: u64,
        primary: (&[u8], u64),
        alternate: Option<(&[u8], u64)>,
        now: u64,
    ) -> Option<Vec<u8>> {
        for _ in 0..1_000 {
            let seen = publications();
            let copy = |(secret, due)| copied(secret, due);
            remember(bearer, 1, seen, copy(primary), alternate.map(copy));
            let answer = viewed(bearer, now);
            if publications() == seen {
                return answer;
            }
        }
        panic!("other tests published throughout 1,000 tries")
    }

    #[test]
    fn a_view_serves_until_a_secret_is_due_or_anything_publishes() {
        // Bearer ids far from the ones real bearers get in this test binary.
        let (bearer, other) = (u64::MAX - 1, u64::MAX - 2);
        let first = remembered(bearer, (b"FIRST", 100), None, 99);
        assert_eq!(first.as_deref(), Some(&b"FIRST"[..]));
        assert_eq!(viewed(bearer, 100), None, "due");
        assert_eq!(viewed(other, 1), None, "another bearer's");

        let second = remembered(bearer, (b"SECOND", 100), None, 1);
        assert_eq!(second.as_deref(), Some(&b"SECOND"[..]));
        // A publication by another thread, to any entry, makes the view stale.
        std::thread::spawn(published).join().unwrap();
        assert_eq!(viewed(bearer, 1), None);

        // Copied while something published: stale at once, never wrong for long.
        let before = publications();
        published();
        remember(bearer, 1, before, copied(b"THIRD", 100), None);
        assert_eq!(viewed(bearer, 1), None);
    }

    #[test]
    fn the_alternate_bounds_the_view_too() {
        let bearer = u64::MAX - 3;
        let alternate = Some((&b"OLD"[..], 50));
        assert!(remembered(bearer, (b"NEW", 100), alternate, 49).is_some());
        assert_eq!(viewed(bearer, 50), None);
    }
}
