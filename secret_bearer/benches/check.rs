//! The check's median cost, for each kind of credential and secret (criterion):
//! `cargo bench -p secret_bearer --bench check`. The right key and the cached manager secret
//! are also checked on two threads at once (the same bearer, the same store), so that what the
//! threads share (the store's locks, the secrets' reference counts) shows in the time each
//! thread takes per check.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt;
use secret_bearer::{ManagerError, SecretBearer, SecretManager, SecretStore};

const KEY: &str = "0123456789abcdef0123456789abcdef";
const OLD_KEY: &str = "the-previous-secret-of-32-bytes!";
/// `printf %s 0123456789abcdef0123456789abcdef | sha256sum`
const HASHED: &str = "sha256:3eb1bd439947eb762998e566ccc2e099c791118b2f40579cc4f7da2b5061b7f9";

struct Memory;

impl SecretManager for Memory {
    async fn get(&self, _: &str) -> Result<String, ManagerError> {
        Ok(KEY.to_owned())
    }
}

fn bearer(primary: &str, prefix: &str) -> SecretBearer {
    SecretBearer::builder()
        .env(primary.to_owned())
        .alt_env("SB_BENCH_OLD")
        .prefix(prefix.to_owned())
        .build()
        .unwrap()
}

fn check(c: &mut Criterion) {
    // SAFETY: set before anything else runs or reads the environment.
    unsafe {
        std::env::set_var("SB_BENCH_KEY", KEY);
        std::env::set_var("SB_BENCH_OLD", OLD_KEY);
        std::env::set_var("SB_BENCH_HASHED", HASHED);
    }
    let plain = bearer("SB_BENCH_KEY", "");
    let prefixed = bearer("SB_BENCH_KEY", "Bearer ");
    let hashed = bearer("SB_BENCH_HASHED", "");
    let bearer_key = format!("Bearer {KEY}");
    let mut group = c.benchmark_group("check");
    for (name, bearer, header) in [
        ("right", &plain, KEY),
        ("wrong", &plain, "0123456789abcdef0123456789abcdeX"),
        ("alternate", &plain, OLD_KEY),
        ("prefix", &prefixed, bearer_key.as_str()),
        ("hashed secret", &hashed, KEY),
    ] {
        assert_eq!(bearer.check([header.as_bytes()]).is_ok(), name != "wrong");
        group.bench_function(name, |b| {
            b.iter(|| bearer.check(black_box([header.as_bytes()])).is_ok())
        });
    }

    let managed = SecretBearer::builder().secret("/key").build().unwrap();
    let store = SecretStore::new(Memory);
    let authenticate = || {
        managed
            .authenticate(Some(&store), black_box([KEY.as_bytes()]))
            .now_or_never()
            .is_some_and(|checked| checked.is_ok())
    };
    // The first check fetches (within no runtime, in place); the benchmark reads the cache.
    assert!(authenticate());
    group.bench_function("cached manager secret", |b| b.iter(authenticate));

    // The same two checks, on two threads at once.
    let right = || plain.check(black_box([KEY.as_bytes()])).is_ok();
    group.bench_function("right, 2 threads", |b| {
        b.iter_custom(|iters| on_threads(iters, right))
    });
    group.bench_function("cached manager secret, 2 threads", |b| {
        b.iter_custom(|iters| on_threads(iters, authenticate))
    });

    // A key set of 1,000 callers, each with two keys (its own rotation), half given as digests.
    let callers: serde_json::Map<String, serde_json::Value> = (0..1000)
        .map(|n| {
            let new = format!("key-of-caller-{n}-{KEY}");
            let new = if n % 2 == 0 { new } else { as_digest(&new) };
            let old = format!("old-key-of-caller-{n}-{KEY}");
            (format!("caller-{n}"), serde_json::json!([new, old]))
        })
        .collect();
    // SAFETY: as above, before the bearer reads it.
    unsafe { std::env::set_var("SB_BENCH_KEYS", serde_json::to_string(&callers).unwrap()) };
    let keys = SecretBearer::builder()
        .keys_env("SB_BENCH_KEYS")
        .build()
        .unwrap();
    let known = format!("key-of-caller-777-{KEY}");
    let older = format!("old-key-of-caller-778-{KEY}");
    for (name, header) in [
        ("1,000 callers, right", known.as_str()),
        ("1,000 callers, older key", older.as_str()),
        ("1,000 callers, wrong", "key-of-caller-1000"),
    ] {
        assert_eq!(
            keys.check([header.as_bytes()]).is_ok(),
            !name.ends_with("wrong")
        );
        group.bench_function(name, |b| {
            b.iter(|| keys.check(black_box([header.as_bytes()])).is_ok())
        });
    }

    // The same set with a lifecycle: each caller an object with scopes and an expiry, its older
    // key with an `id` and an expiry of its own (all far off, so every key is accepted).
    let callers: serde_json::Map<String, serde_json::Value> = (0..1000)
        .map(|n| {
            let new = format!("key-of-caller-{n}-{KEY}");
            let new = if n % 2 == 0 { new } else { as_digest(&new) };
            let old = serde_json::json!({
                "key": format!("old-key-of-caller-{n}-{KEY}"),
                "id": format!("2026-q{}", n % 4 + 1),
                "expires": "2998-01-01T00:00:00Z",
            });
            let caller = serde_json::json!({
                "keys": [new, old],
                "scopes": ["invoices:read", "invoices:write"],
                "expires": "2999-06-30T00:00:00+02:00",
            });
            (format!("caller-{n}"), caller)
        })
        .collect();
    // SAFETY: as above, before the bearer reads it.
    unsafe {
        std::env::set_var(
            "SB_BENCH_LIFECYCLE",
            serde_json::to_string(&callers).unwrap(),
        )
    };
    let lifecycle = SecretBearer::builder()
        .keys_env("SB_BENCH_LIFECYCLE")
        .build()
        .unwrap();
    // And checked by a bearer that requires a scope every caller has.
    let scoped = SecretBearer::builder()
        .keys_env("SB_BENCH_LIFECYCLE")
        .scopes(["invoices:read"])
        .build()
        .unwrap();
    for (name, bearer, header) in [
        (
            "1,000 callers with expiries, right",
            &lifecycle,
            known.as_str(),
        ),
        (
            "1,000 callers with expiries, older key",
            &lifecycle,
            older.as_str(),
        ),
        (
            "1,000 callers with expiries, scope required",
            &scoped,
            known.as_str(),
        ),
    ] {
        assert!(bearer.check([header.as_bytes()]).is_ok());
        group.bench_function(name, |b| {
            b.iter(|| bearer.check(black_box([header.as_bytes()])).is_ok())
        });
    }
    group.finish();
}

/// How many threads check at once in the "2 threads" cases.
const THREADS: usize = 2;

/// Runs `check` `iters` times on each of `THREADS` threads, started together, and answers the
/// mean of the threads' times: criterion divides it by `iters`, so the figure is what one
/// check takes on a thread while the other thread checks too. (Starting the threads is not
/// timed.) It is wall time: where the two threads do not get a core each (a busy machine), each
/// waits for one part of the time, and its figure tends to twice the single-thread one whatever
/// they share; compare on a machine with two idle cores.
fn on_threads(iters: u64, check: impl Fn() -> bool + Sync) -> Duration {
    let start = Barrier::new(THREADS);
    let times: Vec<Duration> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    let began = Instant::now();
                    for _ in 0..iters {
                        black_box(check());
                    }
                    began.elapsed()
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().unwrap())
            .collect()
    });
    times.iter().sum::<Duration>() / THREADS as u32
}

/// `sha256:<hex>` of `key`.
fn as_digest(key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256:{hex}")
}

criterion_group!(benches, check);
criterion_main!(benches);
