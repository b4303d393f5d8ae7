//! [`CachePolicy`]: how long a [`SecretStore`](super::SecretStore) trusts what it fetched.

use std::time::Duration;

/// How long a [`SecretStore`](super::SecretStore) trusts what it fetched, with the semantics
/// of Caffeine's `refreshAfterWrite` and `expireAfterWrite` and of RFC 5861's
/// `stale-if-error`. A value's age counts from the moment its fetch asked the store.
///
/// | setting | default | |
/// | --- | --- | --- |
/// | [`refresh_after`](Self::refresh_after) | ⅘ of `ttl` (4 minutes) | the first request after a value is this old starts one background refresh, and is served the value |
/// | [`ttl`](Self::ttl) | 5 minutes | a value this old is never served while the store answers: requests wait for the fetch |
/// | [`stale_if_error`](Self::stale_if_error) | 1 hour | while the store is unreachable, the last good value serves until it is `ttl + stale_if_error` old; then the source fails closed |
/// | [`fetch_timeout`](Self::fetch_timeout) | 10 seconds | a fetch that has not answered by then counts as unreachable |
/// | [`retry_after`](Self::retry_after) | 10 seconds | after a fetch that could not reach the store, the next waits this long |
/// | [`mismatch_min_age`](Self::mismatch_min_age) | 30 seconds | a credential that matches no value at least this old refreshes it |
/// | [`mismatch_interval`](Self::mismatch_interval) | 30 seconds | at most one such refresh per path per this long |
///
/// The guarantee these make, for users to rely on: a request that starts more than `ttl`
/// after the store changed is checked against the new value (plus one fetch, at most
/// `fetch_timeout`), with or without traffic in between. While the store is unreachable, the
/// last good value serves for at most `ttl + stale_if_error` after it was fetched.
///
/// Unreachable means the manager answered [`Unavailable`], [`Denied`] or [`Other`], took
/// longer than `fetch_timeout`, or panicked. Its other answers are authoritative and take
/// effect at once: [`NotFound`] (or a value with nothing in it) means the secret is gone, and a
/// value that cannot be used fails closed; neither leaves an old value in use.
///
/// [`Unavailable`]: crate::ManagerErrorKind::Unavailable
/// [`Denied`]: crate::ManagerErrorKind::Denied
/// [`Other`]: crate::ManagerErrorKind::Other
/// [`NotFound`]: crate::ManagerErrorKind::NotFound
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub struct CachePolicy {
    /// `None`: four fifths of the time-to-live, so that setting `ttl` alone keeps refreshes
    /// ahead of it.
    refresh_after: Option<Duration>,
    pub(super) ttl: Duration,
    pub(super) stale_if_error: Duration,
    pub(super) fetch_timeout: Duration,
    pub(super) retry_after: Duration,
    pub(super) mismatch_min_age: Duration,
    pub(super) mismatch_interval: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            refresh_after: None,
            ttl: Duration::from_secs(5 * 60),
            stale_if_error: Duration::from_secs(60 * 60),
            fetch_timeout: Duration::from_secs(10),
            retry_after: Duration::from_secs(10),
            mismatch_min_age: Duration::from_secs(30),
            mismatch_interval: Duration::from_secs(30),
        }
    }
}

impl CachePolicy {
    /// The first request after a value is this old starts one refresh in the background and
    /// is served the value meanwhile, so that steady traffic never waits for the store. At or
    /// above `ttl` there is no refresh ahead: requests wait at `ttl`.
    pub fn refresh_after(mut self, age: Duration) -> Self {
        self.refresh_after = Some(age);
        self
    }

    /// A value this old is never served while the store answers: the requests that need it
    /// wait for one fetch, however many they are.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// While the store is unreachable, the last good value keeps serving until it is
    /// `ttl + stale_if_error` old (with a warning per failed fetch); then the source fails
    /// closed, as if nothing had been fetched. `Duration::ZERO` fails closed at `ttl`.
    pub fn stale_if_error(mut self, window: Duration) -> Self {
        self.stale_if_error = window;
        self
    }

    /// Every fetch, by a built-in manager or your own, is cut off after this and counts as
    /// unreachable; requests waiting for it wait no longer. It needs Tokio's timer, which
    /// every actix-web and `#[tokio::main]` runtime has: outside a Tokio runtime a fetch runs
    /// in place, and nothing can cut it off.
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    /// How long to wait after a fetch that could not reach the store before the next;
    /// meanwhile requests are served as the last fetch left things, without asking the store.
    pub fn retry_after(mut self, retry_after: Duration) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// A credential that matches no value fetched at least this long ago makes the store fetch
    /// it again (a rotation may have happened) before the request is refused.
    pub fn mismatch_min_age(mut self, age: Duration) -> Self {
        self.mismatch_min_age = age;
        self
    }

    /// At most one refresh per path per this long is caused by credentials that do not match.
    pub fn mismatch_interval(mut self, interval: Duration) -> Self {
        self.mismatch_interval = interval;
        self
    }

    /// When a value is due for its refresh ahead: explicit, or four fifths of `ttl`.
    pub(super) fn refresh_age(&self) -> Duration {
        self.refresh_after.unwrap_or(self.ttl / 5 * 4)
    }

    /// The age past which a value is not served even while the store is unreachable.
    pub(super) fn stale_age(&self) -> Duration {
        self.ttl.saturating_add(self.stale_if_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_run_ahead_of_the_time_to_live_unless_told_otherwise() {
        let default = CachePolicy::default();
        assert_eq!(default.refresh_age(), Duration::from_secs(240));
        assert_eq!(default.stale_age(), Duration::from_secs(3900));
        let short = CachePolicy::default().ttl(Duration::from_millis(200));
        assert_eq!(short.refresh_age(), Duration::from_millis(160));
        let explicit = short.refresh_after(Duration::from_millis(50));
        assert_eq!(
            explicit.ttl(Duration::from_secs(9)).refresh_age(),
            Duration::from_millis(50)
        );
        assert_eq!(
            CachePolicy::default().ttl(Duration::MAX).stale_age(),
            Duration::MAX
        );
    }
}
