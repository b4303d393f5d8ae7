//! The clock a key's expiry is judged by.
//!
//! An `expires` is a wall-clock date; reading the wall clock on every request would cost more
//! than the rest of the check's bookkeeping. So when a set is read, each expiry becomes a
//! deadline on Tokio's clock (`tokio::time::Instant`, the monotonic clock in a running
//! service), and a check reads that clock once. A set in a store is read again at least every
//! `ttl`, which takes up any change of the system's clock; a set in an environment variable is
//! read once, and time the machine spends suspended does not count toward its deadlines.
//!
//! Under `tokio::time::pause` (Tokio's `test-util` feature) the wall time is taken to have
//! moved as far as Tokio's clock has run ahead of the monotonic one, so `tokio::time::advance`
//! (or an idle paused runtime) moves a test past an expiry without waiting for it.

use std::time::SystemTime;

use tokio::time::Instant;

/// The instant on Tokio's clock at which `expires` comes, as of now; `None` beyond what the
/// clock can count (a date millennia away).
pub(crate) fn deadline(expires: SystemTime) -> Option<Instant> {
    let now = Instant::now();
    let ahead = now
        .into_std()
        .saturating_duration_since(std::time::Instant::now());
    match expires.duration_since(SystemTime::now() + ahead) {
        Ok(left) => now.checked_add(left),
        Err(_) => Some(now),
    }
}
