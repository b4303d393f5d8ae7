//! The clock a key's expiry is judged by.
//!
//! An `expires` is a wall-clock date; reading the wall clock on every request would cost more
//! than the rest of the check's bookkeeping. So when a set is read, each expiry becomes a
//! deadline on Tokio's clock (`tokio::time::Instant`, the monotonic clock in a running
//! service), and a check reads that clock once. A set in a store is read again at least every
//! `ttl`, which takes up any change of the system's clock; a set in an environment variable is
//! read once, and time the machine spends suspended does not count toward its deadlines.
//!
//! When a key was last accepted is kept the same way: as whole seconds on Tokio's clock since
//! the process's first reading ([`stamp`]), which [`wall_time`] turns into a wall-clock time
//! when a report asks. A check reads Tokio's clock once for both.
//!
//! Under `tokio::time::pause` (Tokio's `test-util` feature) the wall time is taken to have
//! moved as far as Tokio's clock has, ahead of the monotonic one or behind it, so
//! `tokio::time::advance` (or an idle paused runtime) moves a test past an expiry without
//! waiting for it, and real time a test spends does not.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

/// The instant on Tokio's clock at which `expires` comes, as of now; `None` beyond what the
/// clock can count (a date millennia away).
pub(crate) fn deadline(expires: SystemTime) -> Option<Instant> {
    let now = Instant::now();
    match expires.duration_since(wall_clock(now)?) {
        Ok(left) => now.checked_add(left),
        Err(_) => Some(now),
    }
}

/// The wall-clock time at `now` on Tokio's clock: the system's, moved by as far as Tokio's
/// clock is ahead of the monotonic one, or behind it (a paused clock that has not yet caught up
/// with the time a test has taken). Outside a paused runtime the two are the same clock.
fn wall_clock(now: Instant) -> Option<SystemTime> {
    let (tokio, monotonic, wall) = (now.into_std(), std::time::Instant::now(), SystemTime::now());
    match tokio.checked_duration_since(monotonic) {
        Some(ahead) => wall.checked_add(ahead),
        None => wall.checked_sub(monotonic.duration_since(tokio)),
    }
}

/// The first reading of Tokio's clock, and the wall clock's at that moment.
fn anchor() -> &'static (Instant, SystemTime) {
    static ANCHOR: OnceLock<(Instant, SystemTime)> = OnceLock::new();
    ANCHOR.get_or_init(|| (Instant::now(), SystemTime::now()))
}

/// `now` as a stamp of when a key was accepted: whole seconds since the anchor, plus one, so
/// that 0 is never.
pub(crate) fn stamp(now: Instant) -> u64 {
    now.saturating_duration_since(anchor().0).as_secs() + 1
}

/// The wall-clock time of a stamp; `None` for 0, never.
pub(crate) fn wall_time(stamp: u64) -> Option<SystemTime> {
    let since = stamp.checked_sub(1)?;
    anchor().1.checked_add(Duration::from_secs(since))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_deadline_is_on_tokios_clock_whether_ahead_of_real_time_or_behind() {
        let start = Instant::now();
        let in_a_minute = SystemTime::now() + Duration::from_secs(60);
        // Real time passes; the paused clock does not (it falls behind the monotonic one).
        std::thread::sleep(Duration::from_millis(300));
        let behind = deadline(in_a_minute).unwrap();
        assert!(
            behind.duration_since(start) >= Duration::from_millis(59_990),
            "{behind:?}"
        );
        tokio::time::advance(Duration::from_secs(3600)).await;
        let ahead = deadline(in_a_minute + Duration::from_secs(3600)).unwrap();
        assert!(
            ahead
                .duration_since(behind)
                .abs_diff(Duration::from_secs(3600))
                < Duration::from_millis(10)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn stamps_follow_tokios_clock_from_the_first_reading() {
        let first = stamp(Instant::now());
        assert!(first >= 1);
        let at = wall_time(first).unwrap();
        tokio::time::advance(Duration::from_secs(90)).await;
        let later = stamp(Instant::now());
        assert_eq!(later - first, 90);
        assert_eq!(wall_time(later), Some(at + Duration::from_secs(90)));
        assert_eq!(wall_time(0), None);
    }
}
