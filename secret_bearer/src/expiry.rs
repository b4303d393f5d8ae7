//! Ends thread views when a secret they copied falls due, so that checks need not read the
//! clock.
//!
//! A view registers the earliest time one of its secrets is due; one thread, started with the
//! first view that needs it, sleeps until the earliest time registered and then publishes,
//! which makes every view copied before stale. Registrations are cleared at each publication:
//! a view built before it is stale anyway, and one built after registers again.

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
/// no thread can be started to do it: the caller must then not keep its view.
pub(crate) fn publish_at(due: u64) -> bool {
    if due == u64::MAX {
        return true;
    }
    if !*STARTED.get_or_init(start) {
        return false;
    }
    let mut next = lock();
    if due < *next {
        *next = due;
        EARLIER.notify_one();
    }
    true
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
        let now = clock::now_ms();
        if *next <= now {
            *next = u64::MAX;
            view::published();
            continue;
        }
        next = match *next {
            u64::MAX => EARLIER.wait(next).unwrap_or_else(PoisonError::into_inner),
            due => {
                let wait = Duration::from_millis(due - now);
                let woken = EARLIER.wait_timeout(next, wait);
                woken.unwrap_or_else(PoisonError::into_inner).0
            }
        };
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
    fn a_registered_time_publishes_once_it_has_passed() {
        let seen = view::publications();
        let due = clock::now_ms() + 50;
        assert!(publish_at(due));
        // Other tests register times too, but none earlier than one already passed stays.
        let start = std::time::Instant::now();
        while *lock() <= due {
            assert!(start.elapsed() < Duration::from_secs(10), "never published");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(clock::now_ms() >= due);
        assert_ne!(view::publications(), seen);
    }
}
