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
    static KEPT: Kept = const { Kept(RefCell::new(None)) };

    /// Where checks read the views: `KEPT`'s table, once it has one. A value with a destructor
    /// costs every access a call and a state check; a plain pointer, set up at compile time,
    /// costs one thread-relative load, which on this path is a fifth of the check.
    static CURRENT: Cell<Option<NonNull<Table>>> = const { Cell::new(None) };
}

struct Kept(RefCell<Option<Box<Table>>>);

/// A thread's views, each in the slot its bearer's id picks: a check finds its view with one
/// index, however many bearers the thread serves. Bearer ids count up from 1, so the first
/// [`SLOTS`] bearers of a process never share a slot; later ones that do take it in turns.
type Table = [Option<View>; SLOTS];

/// Bounds what a thread keeps (8 KiB of secrets a view); a power of two, so that a slot is a
/// mask away from its id.
const SLOTS: usize = 64;

impl Drop for Kept {
    fn drop(&mut self) {
        // Before the views are freed: a check later in this thread's exit finds none. (Where
        // thread-locals are OS keys, `CURRENT` may already be gone, and with it every reader.)
        let _ = CURRENT.try_with(forget_views);
    }
}

/// Points `current` at no views, before the views change.
fn forget_views(current: &Cell<Option<NonNull<Table>>>) {
    current.set(None);
}

fn slot(bearer: u64) -> usize {
    bearer as usize & (SLOTS - 1)
}

/// Counts what every cache entry of every store in the process has published. One counter
/// rather than one per entry: entries publish once per fetch, minutes apart, so sharing it
/// costs a few needless rebuilds and saves a dependent load per secret on every check.
static PUBLICATIONS: AtomicU64 = AtomicU64::new(0);

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
    // Inlined, as the environment's comparison is: left to itself, the compiler calls it.
    with_current(
        bearer,
        store,
        #[inline(always)]
        |view| view.secrets.matches(credential).into(),
    )
}

/// Whether this thread has a current view of the bearer's secrets, so that they are usable.
#[inline(always)]
pub(crate) fn is_current(bearer: u64, store: u64) -> bool {
    with_current(bearer, store, |_| ()).is_some()
}

/// `read` applied to this thread's current view of the bearer's secrets, if it has one.
#[inline(always)]
fn with_current<R>(bearer: u64, store: u64, read: impl FnOnce(&View) -> R) -> Option<R> {
    let table = CURRENT.get()?;
    // SAFETY: `CURRENT` points at `KEPT`'s table, or nowhere: `remember`, the one place that
    // changes the views, empties it before a change and sets it after, and `Kept::drop` empties
    // it before the table is freed. The reference lives only in this call, on this thread, and
    // `read` (one of the two above) changes no view.
    let view = unsafe { table.as_ref() }[slot(bearer)].as_ref()?;
    (view.bearer == bearer && view.store == store && publications() == view.publications)
        .then(|| read(view))
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
        let mut table = kept.0.borrow_mut();
        let table = table.get_or_insert_with(|| Box::new(std::array::from_fn(|_| None)));
        table[slot(bearer)] = Some(view);
        CURRENT.set(Some(NonNull::from(&**table)));
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
    fn each_bearer_keeps_its_slot_until_a_bearer_of_the_same_slot_comes() {
        // Far from real bearers' ids, and from the other tests'.
        let first = (u64::MAX - 1_000) & !(SLOTS as u64 - 1);
        let bearers = first..first + SLOTS as u64;
        let secret = |bearer: u64| bearer.to_string().into_bytes();
        // Other tests publish concurrently: a round they interrupted is played again.
        for _ in 0..1_000 {
            let seen = publications();
            for bearer in bearers.clone() {
                remember(bearer, 1, seen, copied(&secret(bearer), u64::MAX), None);
            }
            let all_kept = bearers
                .clone()
                .map(|bearer| viewed(bearer, &secret(bearer)))
                .collect::<Vec<_>>();
            // The next bearer has the first one's slot, and takes it.
            let next = first + SLOTS as u64;
            remember(next, 1, seen, copied(b"NEXT", u64::MAX), None);
            let (replaced, second, taken) = (
                viewed(first, &secret(first)),
                viewed(first + 1, &secret(first + 1)),
                viewed(next, b"NEXT"),
            );
            if publications() == seen {
                assert!(all_kept.iter().all(|kept| *kept == Some(true)));
                assert_eq!((replaced, second, taken), (None, Some(true), Some(true)));
                return;
            }
        }
        panic!("other tests published throughout 1,000 tries")
    }
}
