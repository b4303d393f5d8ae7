//! The check's median cost, for each kind of credential and secret (criterion):
//! `cargo bench -p secret_bearer --bench check`.

use std::hint::black_box;

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
    group.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);
