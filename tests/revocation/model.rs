//! The store's cache against a reference model of its guarantee (the crate docs, `CachePolicy`):
//! random sequences of store changes (a new key, deleted, unusable), reachability (up, down,
//! hanging, panicking), time passing on Tokio's paused clock (seconds, or two idle days), and
//! requests (the current, the previous and a revoked key; several at once; floods of wrong
//! keys). Every verdict must be one the model allows, and the store is asked one fetch at a
//! time, never sooner than its limits allow.
//!
//! The model knows only what the store held, and whether it could be reached, at each moment:
//! - a key is accepted only if the store held it, reachable, at some moment less than
//!   `ttl + fetch_timeout` before the request (or less than `ttl + stale_if_error +
//!   fetch_timeout`, if the store was unreachable within `retry_after + fetch_timeout` of it);
//! - a 401 needs such a moment holding another key, a 500 such a moment holding nothing usable,
//!   or the store unreachable within `retry_after + fetch_timeout`;
//! - a store that was reachable and held the same thing throughout the last
//!   `max(ttl, retry_after) + fetch_timeout` decides the verdict alone.
//!
//! The store holds a key set of one caller, whose key may expire (crate docs, "Named keys"):
//! a key is accepted only before its `expires`, and may be refused as expired only from then
//! on, whatever the cache holds; the expiry clock follows Tokio's paused one.

use std::time::{Duration, SystemTime};

use crate::support::scripted::{Fetch, Reach, Scripted};
use futures_util::future::join_all;
use proptest::prelude::*;
use secret_bearer::{CachePolicy, SecretBearer, SecretStore};
use tokio::time::Instant;

const SECOND: Duration = Duration::from_secs(1);
/// How long the store takes to answer.
const LATENCY: Duration = SECOND;
const REFRESH_AFTER: Duration = Duration::from_secs(40);
const TTL: Duration = Duration::from_secs(50);
const STALE_IF_ERROR: Duration = Duration::from_secs(100);
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const RETRY_AFTER: Duration = Duration::from_secs(10);
const MISMATCH_MIN_AGE: Duration = Duration::from_secs(15);
const MISMATCH_INTERVAL: Duration = Duration::from_secs(20);

fn policy() -> CachePolicy {
    CachePolicy::default()
        .refresh_after(REFRESH_AFTER)
        .ttl(TTL)
        .stale_if_error(STALE_IF_ERROR)
        .fetch_timeout(FETCH_TIMEOUT)
        .retry_after(RETRY_AFTER)
        .mismatch_min_age(MISMATCH_MIN_AGE)
        .mismatch_interval(MISMATCH_INTERVAL)
}

/// What the store holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stored {
    Key(u32),
    Deleted,
    Unusable,
}

/// Which key a request presents, relative to the keys the store has held.
#[derive(Clone, Copy, Debug)]
enum Presented {
    Current,
    Previous,
    Revoked,
    Wrong,
}

#[derive(Clone, Debug)]
enum Step {
    /// A new key, expiring so many seconds (and a half) from now, or never.
    Rotate(Option<u64>),
    Delete,
    Break,
    Reach(Reach),
    Wait(u64),
    Request(Presented),
    Concurrent(Vec<Presented>),
    Flood(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let presented = prop_oneof![
        3 => Just(Presented::Current),
        1 => Just(Presented::Previous),
        1 => Just(Presented::Revoked),
        1 => Just(Presented::Wrong),
    ];
    let reach = prop_oneof![
        3 => Just(Reach::Up),
        1 => Just(Reach::Down),
        1 => Just(Reach::Hang),
        1 => Just(Reach::Panic),
    ];
    let expires = proptest::option::weighted(0.6, 0u64..150);
    prop_oneof![
        3 => expires.prop_map(Step::Rotate),
        1 => Just(Step::Delete),
        1 => Just(Step::Break),
        3 => reach.prop_map(Step::Reach),
        5 => (1u64..70).prop_map(Step::Wait),
        1 => Just(Step::Wait(2 * 24 * 3600)),
        6 => presented.clone().prop_map(Step::Request),
        2 => proptest::collection::vec(presented, 2..6).prop_map(Step::Concurrent),
        1 => (5usize..40).prop_map(Step::Flood),
    ]
}

/// What the store held and whether it could be reached, from each moment on.
struct Timeline(Vec<(Instant, Stored, Reach)>);

impl Timeline {
    fn now(&self) -> (Stored, Reach) {
        let (_, stored, reach) = self.0.last().expect("the store starts with a key");
        (*stored, *reach)
    }

    fn record(&mut self, stored: Stored, reach: Reach) {
        self.0.push((Instant::now(), stored, reach));
    }

    /// Every state the store was in at some moment of `[to - back, to]`.
    fn during(&self, back: Duration, to: Instant) -> Vec<(Stored, Reach)> {
        let from = to.checked_sub(back);
        self.0
            .iter()
            .enumerate()
            .filter(|(index, (start, ..))| {
                let end = self.0.get(index + 1).map(|(next, ..)| *next);
                *start <= to && end.is_none_or(|end| from.is_none_or(|from| end > from))
            })
            .map(|(_, (_, stored, reach))| (*stored, *reach))
            .collect()
    }
}

/// One request: when it started and ended, the key it presented (`None`: a wrong one), and
/// the status it got.
#[derive(Debug)]
struct Seen {
    started: Instant,
    ended: Instant,
    key: Option<u32>,
    status: u16,
}

/// Why the model does not allow what the request got, if it does not. `expiries` holds when
/// each key expires, by its number.
fn judge(timeline: &Timeline, expiries: &[Option<Instant>], seen: &Seen) -> Result<(), String> {
    let expires = seen
        .key
        .and_then(|key| expiries.get(key as usize).copied().flatten());
    // The check reads the clock once, between the request's start and end.
    let live = expires.is_none_or(|at| at > seen.started);
    let expired = expires.is_some_and(|at| at <= seen.ended);
    let slack = FETCH_TIMEOUT + LATENCY;
    let span = seen.ended - seen.started;
    let within = |back: Duration| timeline.during(back + span, seen.ended);
    let unreachable_lately = within(RETRY_AFTER + slack)
        .iter()
        .any(|(_, reach)| *reach != Reach::Up);
    let justified = |held: &dyn Fn(Stored) -> bool| {
        let fresh = within(TTL + slack);
        let stale = within(TTL + STALE_IF_ERROR + slack);
        let answered = |states: &[(Stored, Reach)]| {
            states
                .iter()
                .any(|(stored, reach)| *reach == Reach::Up && held(*stored))
        };
        answered(&fresh) || (unreachable_lately && answered(&stale))
    };
    let is_presented = |stored| matches!((stored, seen.key), (Stored::Key(k), Some(p)) if k == p);
    let is_other_key = |stored| matches!(stored, Stored::Key(_)) && !is_presented(stored);
    let is_nothing = |stored| matches!(stored, Stored::Deleted | Stored::Unusable);
    let allowed = match seen.status {
        200 => live && justified(&is_presented),
        401 => justified(&is_other_key) || (expired && justified(&is_presented)),
        500 => justified(&is_nothing) || unreachable_lately,
        _ => false,
    };
    if !allowed {
        return Err(format!("not allowed: {seen:?}"));
    }
    let steady = within(TTL.max(RETRY_AFTER) + slack);
    let first = steady[0];
    if steady
        .iter()
        .all(|state| *state == first && state.1 == Reach::Up)
    {
        let decided = match first.0 {
            stored if is_presented(stored) && !expired => Some(200),
            stored if is_presented(stored) && !live => Some(401),
            // Expiring during the request: either.
            stored if is_presented(stored) => None,
            Stored::Key(_) => Some(401),
            _ => Some(500),
        };
        if let Some(decided) = decided
            && seen.status != decided
        {
            return Err(format!("the store decided {decided}: {seen:?}"));
        }
    }
    Ok(())
}

/// One fetch at a time, and none sooner than the limits allow after the last: `retry_after`
/// after a failed fetch ended, and the least of `retry_after`, `mismatch_min_age` and
/// `refresh_after` after an answered one started.
fn judge_fetches(fetches: &[Fetch]) -> Result<(), String> {
    let after_answer = RETRY_AFTER.min(MISMATCH_MIN_AGE).min(REFRESH_AFTER);
    for pair in fetches.windows(2) {
        let (last, next) = (&pair[0], &pair[1]);
        let ended = last.ended.ok_or("a fetch never ended")?;
        let earliest = if last.answered {
            last.started + after_answer
        } else {
            ended + RETRY_AFTER
        };
        if next.started < ended || next.started < earliest {
            return Err(format!("asked too soon: {last:?} then {next:?}"));
        }
    }
    Ok(())
}

/// The credential a request presents, and the key it is (`None`: one the store never held).
fn credential(presented: Presented, newest: u32) -> (String, Option<u32>) {
    let key = match presented {
        Presented::Current => Some(newest),
        Presented::Previous => newest.checked_sub(1),
        Presented::Revoked => newest.checked_sub(2),
        Presented::Wrong => None,
    };
    match key {
        Some(key) => (format!("KEY-{key}"), Some(key)),
        None => ("WRONG-KEY".to_owned(), None),
    }
}

async fn request(
    bearer: &SecretBearer,
    store: &SecretStore,
    presented: (String, Option<u32>),
) -> Seen {
    let started = Instant::now();
    let status = match bearer
        .authenticate(Some(store), [presented.0.as_bytes()])
        .await
    {
        Ok(_) => 200,
        Err(refusal) => refusal.status_code(),
    };
    Seen {
        started,
        ended: Instant::now(),
        key: presented.1,
        status,
    }
}

/// The key set the store holds for key `number`, expiring at `expires` if at all.
fn key_set(number: u32, expires: Option<SystemTime>) -> String {
    match expires {
        None => format!(r#"{{"c": "KEY-{number}"}}"#),
        Some(at) => {
            let at = chrono::DateTime::<chrono::Utc>::from(at);
            let at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            format!(r#"{{"c": [{{"key": "KEY-{number}", "expires": "{at}"}}]}}"#)
        }
    }
}

/// Runs `steps` against a store that starts holding `KEY-0`, and judges every answer.
async fn run(steps: Vec<Step>) -> Result<(), String> {
    let manager = Scripted::new(&[("/key", &key_set(0, None))]);
    manager.latency(LATENCY);
    let store = SecretStore::with_policy(manager.clone(), policy());
    let bearer = SecretBearer::builder().keys_secret("/key").build().unwrap();
    // The wall clock and Tokio's, read together: an expiry on one is an instant on the other.
    let (wall, start) = (SystemTime::now(), Instant::now());
    let mut expiries = vec![None];
    let mut timeline = Timeline(Vec::new());
    timeline.record(Stored::Key(0), Reach::Up);
    let mut newest = 0;
    let mut seen = Vec::new();
    for step in steps {
        let (stored, reach) = timeline.now();
        match step {
            Step::Rotate(expires) => {
                newest += 1;
                let at =
                    expires.map(|seconds| Instant::now() + SECOND * seconds as u32 + SECOND / 2);
                expiries.push(at);
                let wall = at.map(|at| wall + (at - start));
                manager.set("/key", &key_set(newest, wall));
                timeline.record(Stored::Key(newest), reach);
            }
            Step::Delete => {
                manager.delete("/key");
                timeline.record(Stored::Deleted, reach);
            }
            Step::Break => {
                manager.set("/key", "KEY\u{7}BROKEN");
                timeline.record(Stored::Unusable, reach);
            }
            Step::Reach(reach) => {
                manager.reach(reach);
                timeline.record(stored, reach);
            }
            Step::Wait(seconds) => tokio::time::sleep(SECOND * seconds as u32).await,
            Step::Request(presented) => {
                seen.push(request(&bearer, &store, credential(presented, newest)).await);
            }
            Step::Concurrent(presented) => {
                let requests = presented
                    .into_iter()
                    .map(|presented| request(&bearer, &store, credential(presented, newest)));
                seen.extend(join_all(requests).await);
            }
            Step::Flood(count) => {
                let requests = (0..count)
                    .map(|_| request(&bearer, &store, credential(Presented::Wrong, newest)));
                seen.extend(join_all(requests).await);
            }
        }
    }
    // Whatever is still in flight ends (a hang is cut off) before the fetches are judged.
    tokio::time::sleep(FETCH_TIMEOUT + LATENCY).await;
    for seen in &seen {
        judge(&timeline, &expiries, seen)?;
    }
    judge_fetches(&manager.fetches())
}

/// The scripted manager's panics are expected: they stay out of the test's output.
fn quiet_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let expected = info
                .payload()
                .downcast_ref::<&str>()
                .is_some_and(|message| message.contains("scripted manager panics"));
            if !expected {
                default(info);
            }
        }));
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_verdict_is_one_the_guarantee_allows(steps in proptest::collection::vec(step(), 1..48)) {
        quiet_expected_panics();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let judged = tokio::task::LocalSet::new().block_on(&runtime, run(steps));
        prop_assert!(judged.is_ok(), "{}", judged.unwrap_err());
    }
}

/// The model itself: a request that came too late to be served a key the store replaced is
/// refused, one that could have been is allowed, and a steady store decides alone.
#[test]
fn the_model_refuses_what_the_guarantee_forbids() {
    let start = Instant::now();
    let timeline = Timeline(vec![
        (start, Stored::Key(0), Reach::Up),
        (start + SECOND * 100, Stored::Key(1), Reach::Up),
    ]);
    let at = |seconds: u32, key, status| Seen {
        started: start + SECOND * seconds,
        ended: start + SECOND * seconds,
        key: Some(key),
        status,
    };
    assert!(
        judge(&timeline, &[], &at(150, 0, 200)).is_ok(),
        "within ttl + one fetch"
    );
    assert!(
        judge(&timeline, &[], &at(157, 0, 200)).is_err(),
        "past it: revoked"
    );
    assert!(
        judge(&timeline, &[], &at(157, 1, 401)).is_err(),
        "and the new key decides"
    );
    assert!(judge(&timeline, &[], &at(157, 1, 500)).is_err());
    assert!(
        judge(&timeline, &[], &at(120, 1, 401)).is_ok(),
        "not yet fetched"
    );
    // Key 1 expires at 170 s: accepted before, refused from then on, whatever the store.
    let expiries = [None, Some(start + SECOND * 170)];
    assert!(judge(&timeline, &expiries, &at(169, 1, 200)).is_ok());
    assert!(
        judge(&timeline, &expiries, &at(170, 1, 200)).is_err(),
        "expired"
    );
    assert!(judge(&timeline, &expiries, &at(170, 1, 401)).is_ok());
    assert!(
        judge(&timeline, &expiries, &at(169, 1, 401)).is_err(),
        "still valid"
    );
    let fetch = |started: u32, ended: u32, answered| Fetch {
        path: "/key".to_owned(),
        started: start + SECOND * started,
        ended: Some(start + SECOND * ended),
        answered,
    };
    assert!(judge_fetches(&[fetch(0, 1, true), fetch(10, 11, true)]).is_ok());
    assert!(judge_fetches(&[fetch(0, 1, true), fetch(9, 10, true)]).is_err());
    assert!(judge_fetches(&[fetch(0, 5, false), fetch(14, 15, true)]).is_err());
    assert!(
        judge_fetches(&[fetch(0, 5, true), fetch(4, 6, true)]).is_err(),
        "overlap"
    );
}
