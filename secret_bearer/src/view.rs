//! Each thread's view of the secrets a bearer reads through a secret manager's cache.
//!
//! The cache is shared by every worker, and reading it takes a lock and a reference count. A
//! request compares with its thread's view instead, which it trusts while nothing has published
//! since it was copied: one load. A cache entry publishes when it changes what it holds, and
//! [`expiry`](crate::expiry) when a copied secret falls due; the view is then rebuilt from the
//! cache.

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::expiry;
use crate::secret::{Secret, SecretPair};

thread_local! {
    /// Owns this thread's views, and through them their secrets, until the thread exits.
    static KEPT: Kept = const { Kept(RefCell::new(Vec::new())) };

    /// Where checks read the views: `KEPT`'s buffer and length. A value with a destructor costs
    /// every access a call and a state check; plain pointers, set up at compile time, cost one
    /// thread-relative load, which on this path is a fifth of the check.
    static CURRENT: Cell<(NonNull<View>, usize)> = const { Cell::new((NonNull::dangling(), 0)) };
}

struct Kept(RefCell<Vec<View>>);

impl Drop for Kept {
    fn drop(&mut self) {
        // Before the views are freed: a check later in this thread's exit finds none. (Where
        // thread-locals are OS keys, `CURRENT` may already be gone, and with it every reader.)
        let _ = CURRENT.try_with(forget_views);
    }
}

/// Points `current` at no views, before the views change.
fn forget_views(current: &Cell<(NonNull<View>, usize)>) {
    current.set((NonNull::dangling(), 0));
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
    secrets: SecretPair,
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

/// Whether `credential` matches either secret of this thread's view of the bearer's secrets,
/// if it has a current one.
#[inline(always)]
pub(crate) fn matches(bearer: u64, store: u64, credential: &[u8]) -> Option<bool> {
    with_current(bearer, store, |view| {
        view.secrets.matches(credential).into()
    })
}

/// Whether this thread has a current view of the bearer's secrets, so that they are usable.
#[inline(always)]
pub(crate) fn is_current(bearer: u64, store: u64) -> bool {
    with_current(bearer, store, |_| ()).is_some()
}

/// `read` applied to this thread's current view of the bearer's secrets, if it has one.
#[inline(always)]
fn with_current<R>(bearer: u64, store: u64, read: impl FnOnce(&View) -> R) -> Option<R> {
    let (first, len) = CURRENT.get();
    // SAFETY: `CURRENT` describes `KEPT`'s buffer as it is now, or no views: `remember`, the
    // one place that changes the views, empties it before a change and sets it after, and
    // `Kept::drop` empties it before the views are freed. The slice lives only in this call,
    // on this thread, and `read` (one of the two above) changes no view.
    let views = unsafe { std::slice::from_raw_parts(first.as_ptr(), len) };
    let view = views
        .iter()
        .find(|view| view.bearer == bearer && view.store == store)?;
    (publications() == view.publications).then(|| read(view))
}

/// Whether views of secrets that fall due can be kept: not when no thread could be started
/// to end them. Asked before copying secrets, so that a process without it copies nothing.
pub(crate) fn can_remember() -> bool {
    expiry::running()
}

/// Keeps this thread's view of the bearer's secrets, replacing any older one, until the first
/// copied secret is due; `publications` is what [`publications`] said before the secrets were
/// copied.
pub(crate) fn remember(
    bearer: u64,
    store: u64,
    publications: u64,
    primary: Copied,
    alternate: Option<Copied>,
) {
    let due = primary.due.min(
        alternate
            .as_ref()
            .map_or(u64::MAX, |alternate| alternate.due),
    );
    if !expiry::publish_at(due) {
        return;
    }
    let view = View {
        bearer,
        store,
        publications,
        secrets: SecretPair::new(
            &primary.secret,
            alternate.as_ref().map(|alternate| &*alternate.secret),
        ),
    };
    // During the thread's exit, once `KEPT` is gone, checks go the slow way.
    let _ = KEPT.try_with(|kept| {
        // Dropping the view replaced runs code (the secrets' zeroing): whatever it does, no
        // check can see the views mid-change.
        CURRENT.with(forget_views);
        let mut views = kept.0.borrow_mut();
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
        CURRENT.set((NonNull::from(views.as_slice()).cast(), views.len()));
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

    /// Whether this thread has a current view of bearer `bearer` (store 1), and if so whether
    /// `credential` matches it.
    fn viewed(bearer: u64, credential: &[u8]) -> Option<bool> {
        matches(bearer, 1, credential)
    }

    /// Remembers a view of `primary` (and `alternate`) and checks `credential` with it. Other
    /// tests in this binary publish concurrently, so an answer that a publication may have made
    /// stale is tried again rather than taken.
    fn remembered(
        bearer: u64,
        primary: (&[u8], u64),
        alternate: Option<(&[u8], u64)>,
        credential: &[u8],
    ) -> Option<bool> {
        for _ in 0..1_000 {
            let seen = publications();
            let copy = |(secret, due)| copied(secret, due);
            remember(bearer, 1, seen, copy(primary), alternate.map(copy));
            let answer = viewed(bearer, credential);
            if publications() == seen {
                return answer;
            }
        }
        panic!("other tests published throughout 1,000 tries")
    }

    #[test]
    fn a_view_serves_until_anything_publishes() {
        // Bearer ids far from the ones real bearers get in this test binary.
        let (bearer, other) = (u64::MAX - 1, u64::MAX - 2);
        let alternate = Some((&b"ALTERNATE"[..], u64::MAX));
        for (credential, expected) in [
            (&b"FIRST"[..], true),
            (b"ALTERNATE", true),
            (b"FIRS", false),
        ] {
            let answer = remembered(bearer, (b"FIRST", u64::MAX), alternate, credential);
            assert_eq!(answer, Some(expected), "{credential:?}");
        }
        assert_eq!(viewed(other, b"FIRST"), None, "another bearer's");

        // A publication by another thread, to any entry, makes the view stale.
        std::thread::spawn(published).join().unwrap();
        assert_eq!(viewed(bearer, b"FIRST"), None);

        // Copied while something published: stale at once, never wrong for long.
        let before = publications();
        published();
        remember(bearer, 1, before, copied(b"SECOND", u64::MAX), None);
        assert_eq!(viewed(bearer, b"SECOND"), None);
    }

    #[test]
    fn views_survive_growth_and_the_bound() {
        // Far from real bearers' ids, and from the other tests'.
        let first = u64::MAX - 1_000;
        for bearer in first..first + MAX_VIEWS as u64 + 10 {
            let secret = bearer.to_string();
            let secret = secret.as_bytes();
            assert_eq!(
                remembered(bearer, (secret, u64::MAX), None, secret),
                Some(true)
            );
        }
        // The views were dropped when the bound was reached, and kept again since.
        assert_eq!(viewed(first, first.to_string().as_bytes()), None);
        let last = first + MAX_VIEWS as u64 + 9;
        let again = remembered(last, (b"AGAIN", u64::MAX), None, b"AGAIN");
        assert_eq!(again, Some(true));
    }
}
