//! One path's cache entry: the store's last answer, the fetch that could not reach it since (if
//! any), and the one decision every request makes from them: serve, serve and refresh in the
//! background, or wait for a fetch.

use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use secrecy::zeroize::Zeroizing;
use tokio::time::Instant;

use super::policy::CachePolicy;
use crate::error::{Error, ErrorKind};
use crate::manager::{ManagerError, ManagerErrorKind};
use crate::secret::{Held, Secret, Use, hold};
use crate::source::{Origin, SecretSource, SecretVersion};

/// Counts an entry's fetches: a waiter that saw generation `n` and finds another knows that a
/// fetch has ended since.
pub(super) type Generation = u64;

/// What a fetch brought back.
pub(super) enum Fetched {
    /// The store's value: the document every wanted source is derived from.
    Value(Zeroizing<Vec<u8>>),
    /// The store answered that it has nothing usable ([`ManagerErrorKind::NotFound`] or
    /// [`ManagerErrorKind::Invalid`]): as authoritative as a value.
    Refused(ManagerError),
    /// The store could not be reached: any other error, a timeout, a panic.
    Unreachable(ManagerError),
}

impl From<ManagerError> for Fetched {
    fn from(error: ManagerError) -> Self {
        match error.kind() {
            ManagerErrorKind::NotFound | ManagerErrorKind::Invalid => Self::Refused(error),
            _ => Self::Unreachable(error),
        }
    }
}

/// What a request does with the entry.
pub(super) enum Look {
    /// Answer with this, without asking the store.
    Serve(Held),
    /// Answer with this, and start one refresh in the background.
    ServeAndRefresh(Held, Generation),
    /// Wait for a fetch to end after this generation, then [`Entry::settle`].
    Wait(Generation),
}

/// The cache of one path (and version): what its sources took from the store's last answer.
/// The document itself is not kept: each fetch derives every wanted source from it, and a
/// source wanted for the first time is fetched for.
pub(super) struct Entry {
    pub(super) path: Box<str>,
    pub(super) version: SecretVersion,
    state: RwLock<State>,
    /// Held by the fetch under way: the single flight. Whether a refresh is under way is
    /// whether it is held, so no way a fetch can end (an answer, an error, a timeout, a panic,
    /// a cancelled task, a fetch skipped because another ended first) leaves it claimed.
    pub(super) fetching: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Default)]
struct State {
    /// Every source read through this entry so far, derived at each fetch.
    wanted: Vec<Wanted>,
    answer: Option<Answer>,
    /// The last fetch, if it could not reach the store (it leaves the answer as it was).
    unreachable: Option<Unreachable>,
    generation: Generation,
    /// When a mismatch last caused a refresh.
    mismatch_refreshed: Option<Instant>,
}

/// A source read through the entry, and how its value is used.
#[derive(Clone, PartialEq, Eq)]
struct Wanted {
    source: SecretSource,
    used: Use,
}

impl Wanted {
    fn is(&self, source: &SecretSource, used: Use) -> bool {
        self.used == used && self.source == *source
    }
}

/// The store's last answer.
struct Answer {
    /// When the fetch asked the store: what it answered was true then, or later.
    asked_at: Instant,
    /// What each wanted source took from it.
    held: Vec<(Wanted, Held)>,
}

impl Answer {
    fn of(&self, source: &SecretSource, used: Use) -> Option<&Held> {
        self.held
            .iter()
            .find(|(wanted, _)| wanted.is(source, used))
            .map(|(_, held)| held)
    }
}

struct Unreachable {
    /// When the fetch ended: the next waits `retry_after` from here.
    at: Instant,
    error: Error,
}

impl Entry {
    pub(super) fn new(path: &str, version: SecretVersion) -> Self {
        Self {
            path: path.into(),
            version,
            state: RwLock::default(),
            fetching: Arc::default(),
        }
    }

    /// What the entry fetches, as errors and logs name it.
    pub(super) fn source(&self) -> SecretSource {
        SecretSource(Origin::Manager {
            path: self.path.to_string().into(),
            json_key: None,
            version: self.version,
        })
    }

    /// The answer for `source` when it is served as it is, without writing anything (no
    /// refresh to start): the request path of a cached secret.
    pub(super) fn served(
        &self,
        source: &SecretSource,
        used: Use,
        now: Instant,
        policy: &CachePolicy,
    ) -> Option<Held> {
        match self.read().look(source, used, now, policy) {
            Look::Serve(held) => Some(held),
            // Due for its refresh ahead, with the refresh under way: served as it is too, so
            // requests in the refresh's shadow need not take the slow path.
            Look::ServeAndRefresh(held, _) if self.fetching.try_lock().is_err() => Some(held),
            Look::ServeAndRefresh(..) | Look::Wait(_) => None,
        }
    }

    /// What a request does for `source` now. Registers it, so that every fetch from now on
    /// derives it.
    pub(super) fn look(
        &self,
        source: &SecretSource,
        used: Use,
        now: Instant,
        policy: &CachePolicy,
    ) -> Look {
        let mut state = self.write();
        state.want(source, used);
        state.look(source, used, now, policy)
    }

    /// The answer after waiting for a fetch, whatever it brought: the store's answer while it is
    /// younger than `ttl + stale_if_error`, or why there is none.
    pub(super) fn settle(
        &self,
        source: &SecretSource,
        used: Use,
        now: Instant,
        policy: &CachePolicy,
    ) -> Held {
        let state = self.read();
        let answer = state
            .answer
            .as_ref()
            .filter(|answer| now.saturating_duration_since(answer.asked_at) < policy.stale_age());
        match (
            answer.and_then(|answer| answer.of(source, used)),
            &state.unreachable,
        ) {
            (Some(held), _) => held.clone(),
            (None, Some(unreachable)) => Err(unreachable.error.clone()),
            // The fetch was cancelled with its runtime.
            (None, None) => Err(Error::from(ErrorKind::Manager {
                source: source.clone(),
                error: ManagerError::new(ManagerErrorKind::Unavailable, "the fetch did not finish"),
            })),
        }
    }

    /// Registers `source`, so that the next fetch derives it too.
    pub(super) fn want(&self, source: &SecretSource, used: Use) {
        self.write().want(source, used);
    }

    pub(super) fn generation(&self) -> Generation {
        self.read().generation
    }

    /// Claims the refresh a mismatch may cause: the one already due or under way (waited for,
    /// not repeated), or, of any number of concurrent callers, one per interval once the answer
    /// is old enough. None while the store is known to be unreachable.
    pub(super) fn claim_mismatch_refresh(
        &self,
        now: Instant,
        policy: &CachePolicy,
    ) -> Option<Generation> {
        let mut state = self.write();
        if state.recent_failure(now, policy).is_some() {
            return None;
        }
        let Some(answer) = &state.answer else {
            return Some(state.generation);
        };
        let age = now.saturating_duration_since(answer.asked_at);
        if age >= policy.refresh_age() {
            return Some(state.generation);
        }
        let allowed = state
            .mismatch_refreshed
            .is_none_or(|last| now.saturating_duration_since(last) >= policy.mismatch_interval);
        if age < policy.mismatch_min_age || !allowed {
            return None;
        }
        state.mismatch_refreshed = Some(now);
        Some(state.generation)
    }

    /// Keeps what a fetch that asked the store at `asked_at` brought, now that it has ended.
    pub(super) fn keep(
        &self,
        fetched: Fetched,
        asked_at: Instant,
        now: Instant,
        policy: &CachePolicy,
    ) {
        let mut state = self.write();
        state.generation += 1;
        match fetched {
            Fetched::Value(document) => state.answered(asked_at, |wanted| {
                Secret::from_value(&wanted.source, &document, wanted.used)
            }),
            Fetched::Refused(error) => state.answered(asked_at, |wanted| {
                Err(Error::from(ErrorKind::Manager {
                    source: wanted.source.clone(),
                    error: error.clone(),
                }))
            }),
            Fetched::Unreachable(error) => {
                let source = self.source();
                warn_unreachable(&state, &source, &error, now, policy);
                state.unreachable = Some(Unreachable {
                    at: now,
                    error: Error::from(ErrorKind::Manager { source, error }),
                });
            }
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// The one decision, for the request path and the slow path alike.
    fn look(&self, source: &SecretSource, used: Use, now: Instant, policy: &CachePolicy) -> Look {
        let failure = self.recent_failure(now, policy);
        let Some((age, held)) = self.answer.as_ref().and_then(|answer| {
            let age = now.saturating_duration_since(answer.asked_at);
            answer.of(source, used).map(|held| (age, held))
        }) else {
            // Nothing to serve: wait for a fetch, unless one failed just now.
            return match failure {
                Some(error) => Look::Serve(Err(error.clone())),
                None => Look::Wait(self.generation),
            };
        };
        // What fails closed is asked for again after `retry_after`: a bad edit fixed in the
        // store is seen then, not a time-to-live later.
        let (refresh_age, ttl) = match held {
            Ok(_) => (policy.refresh_age(), policy.ttl),
            Err(_) => (policy.retry_after, policy.retry_after),
        };
        match failure {
            _ if age < refresh_age => Look::Serve(held.clone()),
            None if age < ttl => Look::ServeAndRefresh(held.clone(), self.generation),
            None => Look::Wait(self.generation),
            // The store could not be reached just now: serve what it last said, for as long
            // as `stale_if_error` allows; the next try is after `retry_after`.
            Some(_) if age < policy.stale_age() => Look::Serve(held.clone()),
            Some(error) => Look::Serve(Err(error.clone())),
        }
    }

    /// Why the last fetch could not reach the store, if it ended less than `retry_after` ago.
    fn recent_failure(&self, now: Instant, policy: &CachePolicy) -> Option<&Error> {
        self.unreachable
            .as_ref()
            .filter(|failure| now.saturating_duration_since(failure.at) < policy.retry_after)
            .map(|failure| &failure.error)
    }

    fn want(&mut self, source: &SecretSource, used: Use) {
        if !self.wanted.iter().any(|wanted| wanted.is(source, used)) {
            self.wanted.push(Wanted {
                source: source.clone(),
                used,
            });
        }
    }

    /// The store answered: every wanted source takes what `derive` makes of the answer, and
    /// nothing older is kept.
    fn answered(&mut self, asked_at: Instant, derive: impl Fn(&Wanted) -> Result<Secret, Error>) {
        let held = self
            .wanted
            .iter()
            .map(|wanted| {
                let before = self
                    .answer
                    .as_ref()
                    .and_then(|answer| answer.of(&wanted.source, wanted.used));
                // The records of when each caller and key was last accepted carry over.
                let read = derive(wanted).map(|mut secret| {
                    if let Some(Ok(Some(before))) = before {
                        secret.keys.adopt_uses(&before.keys);
                    }
                    secret
                });
                let held = hold(wanted.used, read);
                log_answer(wanted, before, &held);
                (wanted.clone(), held)
            })
            .collect();
        self.answer = Some(Answer { asked_at, held });
        self.unreachable = None;
    }
}

/// One event per fetch that leaves a source failing closed, and one when an alternate is gone.
fn log_answer(wanted: &Wanted, before: Option<&Held>, now: &Held) {
    match now {
        Err(error) => tracing::error!(
            source = %wanted.source,
            %error,
            "secret_bearer: the secret manager's answer cannot be used; requests that need it \
             fail closed until it can"
        ),
        Ok(None) if !matches!(before, Some(Ok(None))) => tracing::info!(
            source = %wanted.source,
            "secret_bearer: the alternate secret is gone from the secret manager; only the \
             primary is accepted"
        ),
        Ok(_) => {}
    }
}

/// One event per fetch that could not reach the store, saying what requests get meanwhile.
fn warn_unreachable(
    state: &State,
    source: &SecretSource,
    error: &ManagerError,
    now: Instant,
    policy: &CachePolicy,
) {
    let age = state
        .answer
        .as_ref()
        .map(|answer| now.saturating_duration_since(answer.asked_at));
    match age {
        None => tracing::error!(
            %source,
            %error,
            "secret_bearer: fetching a secret failed and none was fetched before; requests that \
             need it fail closed until a fetch succeeds"
        ),
        Some(age) if age < policy.stale_age() => tracing::warn!(
            %source,
            %error,
            serve_for = ?(policy.stale_age() - age),
            "secret_bearer: refreshing a secret failed; the last good value stays in use while \
             the store is unreachable, for at most `ttl + stale_if_error` after it was fetched"
        ),
        Some(_) => tracing::error!(
            %source,
            %error,
            "secret_bearer: the secret manager has been unreachable for longer than \
             `stale_if_error`; requests that need it fail closed until a fetch succeeds"
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn primary() -> SecretSource {
        SecretSource::manager("/p")
    }

    /// An entry that `primary()` (and any other source given) has been read through.
    fn entry(sources: &[(&SecretSource, Use)]) -> Entry {
        let entry = Entry::new("/p", SecretVersion::Current);
        entry.want(&primary(), Use::Check);
        for (source, used) in sources {
            entry.want(source, *used);
        }
        entry
    }

    fn value(document: &str) -> Fetched {
        Fetched::Value(Zeroizing::new(document.as_bytes().to_vec()))
    }

    fn down() -> Fetched {
        Fetched::Unreachable(ManagerError::new(ManagerErrorKind::Unavailable, "down"))
    }

    /// What a request for `source` does at `now`: `s` serve, `r` serve and refresh, `w` wait;
    /// and what it is served (`key`, `none`, `error`).
    fn decision(
        entry: &Entry,
        source: &SecretSource,
        used: Use,
        now: Instant,
        policy: &CachePolicy,
    ) -> (char, &'static str) {
        let shown = |held: Held| match held {
            Ok(Some(_)) => "key",
            Ok(None) => "none",
            Err(_) => "error",
        };
        match entry.look(source, used, now, policy) {
            Look::Serve(held) => ('s', shown(held)),
            Look::ServeAndRefresh(held, _) => ('r', shown(held)),
            Look::Wait(_) => ('w', ""),
        }
    }

    #[test]
    fn an_answer_is_served_then_refreshed_ahead_then_waited_for() {
        let policy = CachePolicy::default();
        let entry = entry(&[]);
        let start = Instant::now();
        let at = |seconds: u64| start + SECOND * seconds as u32;
        let look = |now| decision(&entry, &primary(), Use::Check, now, &policy);
        assert_eq!(look(start), ('w', ""), "nothing fetched yet");
        entry.keep(value("KEY"), start, at(1), &policy);
        assert_eq!(look(at(239)), ('s', "key"));
        assert_eq!(
            look(at(240)),
            ('r', "key"),
            "refresh_after, counted from the asking"
        );
        assert_eq!(look(at(299)), ('r', "key"));
        assert_eq!(
            look(at(300)),
            ('w', ""),
            "ttl: never served while the store answers"
        );
        assert_eq!(
            look(at(2 * 24 * 3600)),
            ('w', ""),
            "however long it was idle"
        );
        // The request path serves only what is served as it is.
        assert!(
            entry
                .served(&primary(), Use::Check, at(239), &policy)
                .is_some()
        );
        assert!(
            entry
                .served(&primary(), Use::Check, at(240), &policy)
                .is_none()
        );
        let flight = entry.fetching.try_lock().unwrap();
        let served = entry.served(&primary(), Use::Check, at(240), &policy);
        assert!(served.is_some(), "a refresh under way: served as it is");
        drop(flight);
        assert!(
            entry
                .served(&primary(), Use::Check, at(300), &policy)
                .is_none()
        );
    }

    #[test]
    fn an_unreachable_store_serves_the_last_answer_within_stale_if_error_then_fails_closed() {
        let policy = CachePolicy::default();
        let entry = entry(&[]);
        let start = Instant::now();
        let at = |seconds: u64| start + SECOND * seconds as u32;
        let look = |now| decision(&entry, &primary(), Use::Check, now, &policy);
        entry.keep(value("KEY"), start, start, &policy);
        entry.keep(down(), at(300), at(310), &policy);
        assert_eq!(look(at(319)), ('s', "key"), "stale, until retry_after");
        assert_eq!(look(at(320)), ('w', ""), "retried after retry_after");
        entry.keep(down(), at(3890), at(3895), &policy);
        assert_eq!(
            look(at(3899)),
            ('s', "key"),
            "ttl + stale_if_error not reached"
        );
        assert_eq!(look(at(3900)), ('s', "error"), "then it fails closed");
        assert_eq!(look(at(3905)), ('w', ""), "and retries");
        // Within the refresh window, a failure leaves the answer serving, retried in the
        // background after retry_after.
        entry.keep(value("KEY"), at(4000), at(4000), &policy);
        entry.keep(down(), at(4240), at(4241), &policy);
        assert_eq!(look(at(4250)), ('s', "key"));
        assert_eq!(look(at(4251)), ('r', "key"));
    }

    #[test]
    fn a_failure_with_nothing_fetched_fails_closed_until_retry_after() {
        let policy = CachePolicy::default();
        let entry = entry(&[]);
        let start = Instant::now();
        entry.keep(down(), start, start, &policy);
        let look = |now| decision(&entry, &primary(), Use::Check, now, &policy);
        assert_eq!(look(start + SECOND * 9), ('s', "error"));
        assert_eq!(look(start + SECOND * 10), ('w', ""));
        let settled = entry.settle(&primary(), Use::Check, start, &policy);
        assert!(
            matches!(settled.map_err(|e| e.kind().clone()), Err(ErrorKind::Manager { error, .. }) if error.message() == "down")
        );
    }

    #[test]
    fn the_stores_answer_is_authoritative_and_an_absent_alternate_is_none() {
        let policy = CachePolicy::default();
        let (alternate, whole) = (SecretSource::manager("/p#old"), SecretSource::manager("/p"));
        let primary = primary();
        let entry = entry(&[(&alternate, Use::Alternate), (&whole, Use::Alternate)]);
        let start = Instant::now();
        let look = |source: &SecretSource, used, now| decision(&entry, source, used, now, &policy);
        entry.keep(value(r#"{"old": "OLD"}"#), start, start, &policy);
        assert_eq!(look(&alternate, Use::Alternate, start), ('s', "key"));
        assert_eq!(look(&primary, Use::Check, start), ('s', "key"));
        for (fetched, alternate_held, whole_held) in [
            (value(r#"{"new": "NEW"}"#), "none", "key"),
            (value("  "), "none", "none"),
            (value(""), "none", "none"),
            (
                Fetched::Refused(ManagerError::new(ManagerErrorKind::NotFound, "gone")),
                "none",
                "none",
            ),
            (value(r#"{"old": "bad\u0001"}"#), "error", "key"),
        ] {
            entry.keep(fetched, start, start, &policy);
            assert_eq!(look(&alternate, Use::Alternate, start).1, alternate_held);
            assert_eq!(look(&whole, Use::Alternate, start).1, whole_held);
        }
        // The primary, gone, fails closed at once; asked for again after retry_after.
        entry.keep(
            Fetched::Refused(ManagerError::new(ManagerErrorKind::NotFound, "gone")),
            start,
            start,
            &policy,
        );
        assert_eq!(
            look(&primary, Use::Check, start + SECOND * 9),
            ('s', "error")
        );
        assert_eq!(look(&primary, Use::Check, start + SECOND * 10), ('w', ""));
        // An absent alternate is an answer like any other: refreshed on the usual clock.
        assert_eq!(
            look(&whole, Use::Alternate, start + SECOND * 10),
            ('s', "none")
        );
        entry.keep(value(r#"{"old": "OLD"}"#), start, start, &policy);
        assert_eq!(look(&primary, Use::Check, start).1, "key", "fixed");
    }

    #[test]
    fn a_source_wanted_for_the_first_time_is_fetched_for() {
        let policy = CachePolicy::default();
        let entry = entry(&[]);
        let start = Instant::now();
        entry.keep(value(r#"{"a": "A"}"#), start, start, &policy);
        let other = SecretSource::manager("/p#a");
        assert_eq!(
            decision(&entry, &other, Use::Check, start, &policy),
            ('w', "")
        );
        assert!(entry.served(&other, Use::Check, start, &policy).is_none());
        entry.keep(value(r#"{"a": "A"}"#), start, start, &policy);
        assert_eq!(
            decision(&entry, &other, Use::Check, start, &policy),
            ('s', "key")
        );
    }

    #[test]
    fn after_a_fetch_that_did_not_finish_the_last_answer_settles_within_its_bound() {
        let policy = CachePolicy::default();
        let entry = entry(&[]);
        let start = Instant::now();
        let settle = |now| entry.settle(&primary(), Use::Check, now, &policy);
        assert!(
            matches!(settle(start).map_err(|e| e.kind().clone()), Err(ErrorKind::Manager { error, .. })
            if error.message() == "the fetch did not finish")
        );
        entry.keep(value("KEY"), start, start, &policy);
        assert!(matches!(settle(start + SECOND * 3899), Ok(Some(_))));
        assert!(settle(start + SECOND * 3900).is_err());
    }

    #[test]
    fn of_concurrent_mismatches_one_claims_the_refresh() {
        let entry = Arc::new(entry(&[]));
        let start = Instant::now();
        let policy = CachePolicy::default()
            .mismatch_min_age(Duration::ZERO)
            .mismatch_interval(Duration::from_secs(3600));
        entry.keep(value("SECRET"), start, start, &policy);
        let barrier = Arc::new(std::sync::Barrier::new(8));
        let claims: usize = (0..8)
            .map(|_| {
                let (entry, barrier) = (Arc::clone(&entry), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..1000)
                        .filter(|_| entry.claim_mismatch_refresh(start, &policy).is_some())
                        .count()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|thread| thread.join().unwrap())
            .sum();
        assert_eq!(claims, 1);
    }

    #[test]
    fn a_mismatch_refreshes_an_old_enough_answer_once_per_interval_and_never_while_down() {
        let policy = CachePolicy::default();
        let entry = entry(&[]);
        let start = Instant::now();
        let at = |seconds: u64| start + SECOND * seconds as u32;
        let claim = |now| entry.claim_mismatch_refresh(now, &policy).is_some();
        entry.keep(value("KEY"), start, start, &policy);
        assert!(!claim(at(29)), "younger than mismatch_min_age");
        assert!(claim(at(30)));
        assert!(!claim(at(59)), "one per mismatch_interval");
        assert!(claim(at(60)));
        entry.keep(down(), at(60), at(61), &policy);
        assert!(!claim(at(70)), "not while the store is known to be down");
        assert!(!claim(at(89)), "nor sooner than the interval allows");
        assert!(claim(at(90)));
        // Due for a refresh anyway: waited for, whatever the interval.
        entry.keep(value("KEY"), at(100), at(100), &policy);
        assert!(claim(at(130)));
        assert!(
            claim(at(340)),
            "refresh_after: the refresh due is claimed, not repeated"
        );
    }

    #[test]
    fn policies_of_any_length_cannot_overflow() {
        let forever = CachePolicy::default()
            .ttl(Duration::MAX)
            .stale_if_error(Duration::MAX)
            .mismatch_min_age(Duration::MAX);
        let entry = entry(&[]);
        let start = Instant::now();
        entry.keep(value("KEY"), start, start, &forever);
        let late = start + SECOND * 3600 * 24 * 365;
        assert_eq!(
            decision(&entry, &primary(), Use::Check, late, &forever),
            ('s', "key")
        );
        entry.keep(down(), late, late, &forever);
        assert!(entry.claim_mismatch_refresh(late, &forever).is_none());
        assert!(matches!(
            entry.settle(&primary(), Use::Check, late, &forever),
            Ok(Some(_))
        ));
    }
}
