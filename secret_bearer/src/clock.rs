//! The wall clock a key's expiry is judged by.
//!
//! `SystemTime` alone cannot be moved by a test, and Tokio's clock alone says no date. So the
//! time is the system's, plus however far Tokio's clock has run ahead of the monotonic clock
//! it is built on: nothing in a running service (the two are one clock), and in a test under
//! `tokio::time::pause` (Tokio's `test-util` feature), the time `tokio::time::advance` (or an
//! idle paused runtime) has moved it, which is how a test passes an expiry without waiting
//! for it. No state is kept: each reading is the two clocks read together.

use std::time::SystemTime;

/// Now, as expiries are judged.
pub(crate) fn now() -> SystemTime {
    let ahead = tokio::time::Instant::now()
        .into_std()
        .saturating_duration_since(std::time::Instant::now());
    SystemTime::now() + ahead
}
