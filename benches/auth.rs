//! The cost of authentication, with a 32-byte secret: the check alone, with the secret in the
//! environment and in a secret manager's cache, and the reference's hello handler served
//! in-process with and without `#[secret_bearer]`.
//!
//! `cargo bench --bench auth`

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use actix_web::http::header::AUTHORIZATION;
use actix_web::rt::System;
use actix_web::{App, FromRequest, HttpRequest, Responder, get, test};
use criterion::{Criterion, criterion_group, criterion_main};
use secret_bearer::{
    Authenticated, ManagerError, SecretBearer, SecretManager, SecretStore, secret_bearer,
};
use secret_bearer_workspace::hello_world;

const PRIMARY: &str = "0123456789abcdef0123456789abcdef";
const ALTERNATE: &str = "fedcba9876543210fedcba9876543210";
const WRONG: &str = "0123456789abcdef0123456789abcdeX";

fn set_env() {
    // SAFETY: called before any thread is started.
    unsafe {
        std::env::set_var("SB_BENCH_PRIMARY", PRIMARY);
        std::env::set_var("SB_BENCH_ALTERNATE", ALTERNATE);
    }
}

fn check(c: &mut Criterion) {
    set_env();
    let bearer = |prefix: &'static str| {
        let bearer = SecretBearer::builder()
            .env("SB_BENCH_PRIMARY")
            .alt_env("SB_BENCH_ALTERNATE")
            .prefix(prefix)
            .build()
            .unwrap();
        bearer.resolve().unwrap();
        bearer
    };
    let plain = bearer("");
    let prefixed = bearer("Bearer ");
    let prefixed_header = format!("bearer {PRIMARY}");
    let mut group = c.benchmark_group("check");
    for (name, bearer, header) in [
        ("right", &plain, PRIMARY),
        ("wrong", &plain, WRONG),
        ("alternate", &plain, ALTERNATE),
        ("prefix_right", &prefixed, prefixed_header.as_str()),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| black_box(bearer.check([black_box(header.as_bytes())])).is_ok())
        });
    }
    group.finish();
}

/// Serves the benchmark's secrets from memory: what is measured is the store's cache.
struct InMemory;

impl SecretManager for InMemory {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        match path {
            "/bench/primary" => Ok(PRIMARY.to_owned()),
            "/bench/alternate" => Ok(ALTERNATE.to_owned()),
            _ => Err(ManagerError::not_found("unknown path")),
        }
    }
}

/// The same check with the secrets in the environment and in a (warm) secret-manager cache,
/// through `authenticate`, which both kinds of bearer support; a cached check completes at the
/// first poll.
fn cached(c: &mut Criterion) {
    set_env();
    let store = SecretStore::new(InMemory);
    let env = SecretBearer::builder()
        .env("SB_BENCH_PRIMARY")
        .alt_env("SB_BENCH_ALTERNATE")
        .build()
        .unwrap();
    let managed = SecretBearer::builder()
        .secret("/bench/primary")
        .alt_secret("/bench/alternate")
        .build()
        .unwrap();
    for bearer in [&env, &managed] {
        System::new()
            .block_on(bearer.resolve_with(Some(&store)))
            .unwrap();
    }
    let mut group = c.benchmark_group("source");
    for (name, bearer) in [("env_right", &env), ("manager_right", &managed)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let check =
                    pin!(bearer.authenticate(Some(&store), [black_box(PRIMARY.as_bytes())]));
                match check.poll(&mut Context::from_waker(Waker::noop())) {
                    Poll::Ready(checked) => black_box(checked).is_ok(),
                    Poll::Pending => unreachable!("the cache is warm"),
                }
            })
        });
    }
    group.finish();
}

/// The extractor alone, as actix-web runs it, against the cheapest extractor there is.
fn extractor(c: &mut Criterion) {
    set_env();
    let bearer = SecretBearer::builder()
        .env("SB_BENCH_PRIMARY")
        .alt_env("SB_BENCH_ALTERNATE")
        .build()
        .unwrap();
    let req = test::TestRequest::get()
        .insert_header((AUTHORIZATION, PRIMARY))
        .app_data(bearer)
        .to_http_request();
    let mut group = c.benchmark_group("extract");
    macro_rules! extract {
        ($name:literal, $ty:ty) => {
            group.bench_function($name, |b| {
                b.iter(|| {
                    let mut payload = actix_web::dev::Payload::None;
                    let extract = pin!(<$ty as FromRequest>::from_request(&req, &mut payload));
                    match extract.poll(&mut Context::from_waker(Waker::noop())) {
                        Poll::Ready(extracted) => black_box(extracted).is_ok(),
                        Poll::Pending => unreachable!("both extract at once"),
                    }
                })
            });
        };
    }
    extract!("http_request", HttpRequest);
    extract!("authenticated", Authenticated);
    group.finish();
}

#[get("/")]
async fn open() -> impl Responder {
    hello_world()
}

/// The open handler with the cheapest extractor actix-web has: what any first parameter costs.
#[get("/")]
async fn open_with_extractor(_: HttpRequest) -> impl Responder {
    hello_world()
}

#[get("/")]
#[secret_bearer(env = "SB_BENCH_PRIMARY", alt_env = "SB_BENCH_ALTERNATE")]
async fn protected() -> impl Responder {
    hello_world()
}

fn request(c: &mut Criterion) {
    set_env();
    let system = System::new();
    // One app per handler, each with its one route, so routing costs the same. Every request
    // carries the header, so the difference is the check.
    let open_app = system.block_on(test::init_service(App::new().service(open)));
    let protected_app = system.block_on(test::init_service(App::new().service(protected)));
    let extractor_app =
        system.block_on(test::init_service(App::new().service(open_with_extractor)));
    macro_rules! hello {
        ($app:expr) => {{
            let request = test::TestRequest::get()
                .uri("/")
                .insert_header((AUTHORIZATION, PRIMARY))
                .to_request();
            let response = system.block_on(test::call_service(&$app, request));
            assert!(response.status().is_success());
        }};
    }
    // Requests alternate, and only one of each pair is timed: run one after the other, two
    // benchmarks a few microseconds long drift apart by more than the difference measured.
    macro_rules! timed {
        ($untimed:expr, $timed:expr) => {
            |b: &mut criterion::Bencher| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        hello!($untimed);
                        let start = Instant::now();
                        hello!($timed);
                        total += start.elapsed();
                    }
                    total
                })
            }
        };
    }
    let mut group = c.benchmark_group("request");
    group.bench_function("unauthenticated", timed!(protected_app, open_app));
    group.bench_function("authenticated", timed!(open_app, protected_app));
    group.bench_function("one_extractor", timed!(protected_app, extractor_app));
    group.finish();
}

criterion_group!(benches, check, cached, extractor, request);
criterion_main!(benches);
