//! The cost of authentication, with a 32-byte secret: the check alone, and the reference's
//! hello handler served in-process with and without `#[secret_bearer]`.
//!
//! `cargo bench --bench auth`

use std::future::{Ready, ready};
use std::hint::black_box;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::rt::System;
use actix_web::{App, FromRequest, HttpRequest, Responder, get, test};
use criterion::{Criterion, criterion_group, criterion_main};
use secret_bearer::{SecretBearer, secret_bearer};
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

#[get("/open")]
async fn open() -> impl Responder {
    hello_world()
}

#[get("/protected")]
#[secret_bearer(env = "SB_BENCH_PRIMARY", alt_env = "SB_BENCH_ALTERNATE")]
async fn protected() -> impl Responder {
    hello_world()
}

/// An extractor that does nothing: what actix-web charges for a handler's first parameter,
/// which the attribute's check necessarily is.
struct NoOp;

impl FromRequest for NoOp {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(NoOp))
    }
}

#[get("/noop")]
async fn noop(_: NoOp) -> impl Responder {
    hello_world()
}

fn request(c: &mut Criterion) {
    set_env();
    let system = System::new();
    let app = system.block_on(test::init_service(
        App::new().service(open).service(protected).service(noop),
    ));
    let mut group = c.benchmark_group("request");
    // Every request carries the header, so the differences are the check and its extractor.
    for (name, uri) in [
        ("unauthenticated", "/open"),
        ("authenticated", "/protected"),
        ("noop_extractor", "/noop"),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let request = test::TestRequest::get()
                    .uri(uri)
                    .insert_header((AUTHORIZATION, PRIMARY))
                    .to_request();
                let response = system.block_on(test::call_service(&app, request));
                assert!(response.status().is_success());
            })
        });
    }
    group.finish();
}

criterion_group!(benches, check, request);
criterion_main!(benches);
