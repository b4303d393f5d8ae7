//! The cache's clock: milliseconds on a monotonic clock, read where it is cheapest.
//!
//! A check that cannot use its thread's view reads the clock, to know whether a cached secret
//! is due for a refresh. `Instant::now` costs tens of nanoseconds on some virtual machines,
//! more than the rest of the check; Linux's coarse monotonic clock is read from memory the
//! kernel shares with the process, for a few nanoseconds, at a resolution of a few
//! milliseconds, which is plenty for time-to-lives counted in seconds.

use std::time::Duration;

/// Milliseconds since an arbitrary, fixed start; never zero, so zero can mean "never".
#[inline]
pub(crate) fn now_ms() -> u64 {
    monotonic_ms().max(1)
}

/// The time of one check, read when first needed: a check whose secrets are all in
/// environment variables never reads the clock.
#[derive(Default)]
pub(crate) struct Now(std::cell::Cell<u64>);

impl Now {
    #[inline]
    pub(crate) fn get(&self) -> u64 {
        if self.0.get() == 0 {
            self.0.set(now_ms());
        }
        self.0.get()
    }
}

/// A duration in the clock's unit, saturating.
pub(crate) fn millis(duration: Duration) -> u64 {
    duration.as_millis().try_into().unwrap_or(u64::MAX)
}

#[cfg(target_os = "linux")]
#[inline]
fn monotonic_ms() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable `timespec`; the call writes only to it.
    let failed = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &raw mut now) } != 0;
    if failed {
        return portable_ms();
    }
    // Plain integer arithmetic: this runs on every check of a cached secret.
    let seconds = u64::try_from(now.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(now.tv_nsec).unwrap_or(0);
    seconds
        .saturating_mul(1000)
        .saturating_add(nanos / 1_000_000)
}

#[cfg(not(target_os = "linux"))]
fn monotonic_ms() -> u64 {
    portable_ms()
}

fn portable_ms() -> u64 {
    static START: std::sync::LazyLock<std::time::Instant> =
        std::sync::LazyLock::new(std::time::Instant::now);
    millis(START.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_forward_in_milliseconds() {
        let before = now_ms();
        std::thread::sleep(Duration::from_millis(30));
        let after = now_ms();
        assert!(before >= 1);
        assert!(after - before >= 20, "{before} -> {after}");
        assert!(after - before < 5_000, "{before} -> {after}");
    }
}
