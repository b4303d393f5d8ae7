//! Ends thread views when a secret they copied falls due, so that checks need not read the
//! clock.
//!
//! A view registers the earliest time one of its secrets is due; one thread, started with the
//! first view that has such a time, sleeps until the earliest time registered and then
//! publishes, which makes every view copied before stale. The thread clears the registrations
//! when it publishes: a view built before is stale anyway, and one built after registers again.
//!
//! A process that forks after the thread started has no such thread in the child, whose views
//! would never end: fork before the first check of a secret-manager secret, or exec.

use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use crate::{clock, view};

/// The earliest due time registered since the last publication; `u64::MAX` for none.
static NEXT: Mutex<u64> = Mutex::new(u64::MAX);
/// Wakes the thread when `NEXT` moves earlier.
static EARLIER: Condvar = Condvar::new();
/// Whether the thread runs.
static STARTED: OnceLock<bool> = OnceLock::new();

/// Arranges for a publication once `due` (a [`clock::now_ms`] time) has passed. `false` when
/// no thread could be started to do it (tried once per process): the caller must then not
/// keep its view.
pub(crate) fn publish_at(due: u64) -> bool {
    if due == u64::MAX {
        return true;
    }
    if !running() {
        return false;
    }
    let mut next = lock();
    if due < *next {
        *next = due;
        EARLIER.notify_one();
    }
    true
}

/// Whether the thread runs, starting it if no one has tried yet.
pub(crate) fn running() -> bool {
    *STARTED.get_or_init(start)
}

fn start() -> bool {
    let started = std::thread::Builder::new()
        .name("secret-bearer-expiry".to_owned())
        .spawn(run);
    match started {
        Ok(_) => true,
        Err(error) => {
            tracing::warn!(
                %error,
                "secret_bearer: could not start the thread that ends cached secrets' thread \
                 views; every check of a secret-manager secret reads the shared cache instead"
            );
            false
        }
    }
}

fn run() {
    let mut next = lock();
    loop {
        next = match step(*next, clock::now_ms()) {
            Step::Publish => {
                *next = u64::MAX;
                view::published();
                continue;
            }
            Step::Sleep => EARLIER.wait(next).unwrap_or_else(PoisonError::into_inner),
            Step::Wait(wait) => {
                let woken = EARLIER.wait_timeout(next, wait);
                woken.unwrap_or_else(PoisonError::into_inner).0
            }
        };
    }
}

/// What the thread does next.
#[derive(Debug, PartialEq)]
enum Step {
    /// The earliest registered time has passed.
    Publish,
    /// Until a time is registered.
    Sleep,
    /// Until the earliest registered time, or an earlier one is registered. The coarse clock
    /// may wake it a tick early: it then waits again.
    Wait(Duration),
}

fn step(next: u64, now: u64) -> Step {
    match next {
        u64::MAX => Step::Sleep,
        due if due <= now => Step::Publish,
        due => Step::Wait(Duration::from_millis(due - now)),
    }
}

/// Nothing panics while holding the lock, but a poisoned `u64` would be as good as any.
fn lock() -> MutexGuard<'static, u64> {
    NEXT.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thread_publishes_once_the_earliest_time_has_passed() {
        assert_eq!(step(u64::MAX, 1_000), Step::Sleep);
        assert_eq!(step(1_500, 1_000), Step::Wait(Duration::from_millis(500)));
        assert_eq!(step(1_000, 1_000), Step::Publish);
        assert_eq!(step(999, 1_000), Step::Publish);
    }

    #[test]
    fn a_registration_moves_the_next_time_earlier_only() {
        // Far in the future; and no other test here registers a time soon enough for the thread
        // to publish (and clear the registrations) meanwhile.
        let due = clock::now_ms() + 3_600_000;
        assert!(publish_at(due));
        assert!(publish_at(due + 1));
        assert!(*lock() <= due);
        assert!(publish_at(u64::MAX), "never due: nothing to arrange");
    }
}
