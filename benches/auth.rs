//! The cost of authentication, with a 32-byte secret: the check alone, with the secret in the
//! environment and in a secret manager's cache, and the reference's hello handler with and
//! without `#[secret_bearer]`, served in-process through actix-web's test service and over HTTP
//! on loopback. Then the ratios the goals are stated in, each measured with both sides in
//! interleaved batches (see [`paired_comparisons`]).
//!
//! `cargo bench --bench auth`

use std::future::Future;
use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use actix_http::Request;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::rt::{System, SystemRunner};
use actix_web::{App, FromRequest, HttpRequest, HttpServer, Responder, get, test, web};
use criterion::{Bencher, Criterion, criterion_group};
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
    let (env, managed) = source_bearers(&store);
    let mut group = c.benchmark_group("source");
    for (name, bearer) in [("env_right", &env), ("manager_right", &managed)] {
        group.bench_function(name, |b| b.iter(|| authenticate_cached(bearer, &store)));
    }
    group.finish();
}

/// The right secret through `authenticate`, which completes at the first poll when the cache
/// is warm; whether it was accepted.
fn authenticate_cached(bearer: &SecretBearer, store: &SecretStore) -> bool {
    let check = pin!(bearer.authenticate(Some(store), [black_box(PRIMARY.as_bytes())]));
    match check.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(checked) => black_box(checked).is_ok(),
        Poll::Pending => unreachable!("the cache is warm"),
    }
}

/// Both secrets in the environment, and both in `store` (its cache warmed).
fn source_bearers(store: &SecretStore) -> (SecretBearer, SecretBearer) {
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
            .block_on(bearer.resolve_with(Some(store)))
            .unwrap();
    }
    (env, managed)
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

/// An extractor that only looks the `Authorization` header up: the least any check can do.
struct HeaderLookup;

impl FromRequest for HeaderLookup {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        black_box(req.headers().get_all(AUTHORIZATION).next());
        std::future::ready(Ok(Self))
    }
}

/// The open handler reading the header, and nothing else: the floor under the protected one.
#[get("/")]
async fn open_reading_header(_: HeaderLookup) -> impl Responder {
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
    // One app per handler, each with its one route, so routing costs the same.
    let open_app = system.block_on(test::init_service(App::new().service(open)));
    let protected_app = system.block_on(test::init_service(App::new().service(protected)));
    let mut group = c.benchmark_group("request");
    group.bench_function("unauthenticated", |b| {
        alternating(
            b,
            || hello(&system, &protected_app),
            || hello(&system, &open_app),
        )
    });
    group.bench_function("authenticated", |b| {
        alternating(
            b,
            || hello(&system, &open_app),
            || hello(&system, &protected_app),
        )
    });
    group.finish();
}

/// One hello through an app's test service; every request carries the header, so the
/// difference between apps is the check.
fn hello<S, B>(system: &SystemRunner, app: &S)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let request = test::TestRequest::get()
        .uri("/")
        .insert_header((AUTHORIZATION, PRIMARY))
        .to_request();
    let response = system.block_on(test::call_service(app, request));
    assert!(response.status().is_success());
}

/// Runs `untimed` and `timed` alternately and times only `timed`: run one after the other, two
/// benchmarks a few microseconds long drift apart by more than the difference measured.
fn alternating(b: &mut Bencher, mut untimed: impl FnMut(), mut timed: impl FnMut()) {
    b.iter_custom(|iters| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            untimed();
            let start = Instant::now();
            timed();
            total += start.elapsed();
        }
        total
    })
}

async fn open_route() -> impl Responder {
    hello_world()
}

#[secret_bearer(env = "SB_BENCH_PRIMARY", alt_env = "SB_BENCH_ALTERNATE")]
async fn protected_route() -> impl Responder {
    hello_world()
}

/// Serves both handlers over HTTP on a loopback port, from one worker on a thread of its own:
/// `/1` open and `/2` protected, so the protected route is matched second and pays for that.
fn serve() -> SocketAddr {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        System::new().block_on(async move {
            let server = HttpServer::new(|| {
                App::new()
                    .route("/1", web::get().to(open_route))
                    .route("/2", web::get().to(protected_route))
            })
            .workers(1)
            .disable_signals()
            .bind("127.0.0.1:0")
            .unwrap();
            sender.send(server.addrs()[0]).unwrap();
            server.run().await
        })
    });
    receiver.recv().unwrap()
}

/// A kept-alive connection to [`serve`], on which requests with the header alternate between
/// the two routes; each route's answers have one length, learned from its first.
struct Connection {
    stream: TcpStream,
    requests: [Vec<u8>; 2],
    answers: [Vec<u8>; 2],
}

impl Connection {
    fn open(address: SocketAddr) -> Self {
        let stream = TcpStream::connect(address).unwrap();
        stream.set_nodelay(true).unwrap();
        let request = |route: u8| {
            format!("GET /{route} HTTP/1.1\r\nHost: {address}\r\nAuthorization: {PRIMARY}\r\n\r\n")
                .into_bytes()
        };
        let mut connection = Self {
            stream,
            requests: [request(1), request(2)],
            answers: Default::default(),
        };
        for route in 0..2 {
            connection
                .stream
                .write_all(&connection.requests[route])
                .unwrap();
            let mut answer = Vec::new();
            let mut buffer = [0; 4096];
            // The body, last, ends the only `}}` of the answer.
            while !answer.ends_with(b"}}") {
                let read = connection.stream.read(&mut buffer).unwrap();
                assert!(read > 0, "the server closed the connection");
                answer.extend_from_slice(&buffer[..read]);
            }
            assert!(answer.starts_with(b"HTTP/1.1 200 OK"), "{answer:?}");
            connection.answers[route] = answer;
        }
        connection
    }

    /// One hello to the open (`false`) or protected (`true`) route.
    fn hello(&mut self, guarded: bool) {
        let route = usize::from(guarded);
        self.stream.write_all(&self.requests[route]).unwrap();
        self.stream.read_exact(&mut self.answers[route]).unwrap();
        assert!(self.answers[route].starts_with(b"HTTP/1.1 200 OK"));
    }
}

/// The same pair over HTTP on loopback, as clients see it: parsing, routing, the handler and
/// the answer's encoding.
fn http(c: &mut Criterion) {
    set_env();
    let connection = std::cell::RefCell::new(Connection::open(serve()));
    let hello = |guarded| connection.borrow_mut().hello(guarded);
    let mut group = c.benchmark_group("http");
    group.bench_function("unauthenticated", |b| {
        alternating(b, || hello(true), || hello(false))
    });
    group.bench_function("authenticated", |b| {
        alternating(b, || hello(false), || hello(true))
    });
    group.finish();
}

criterion_group!(benches, check, cached, extractor, request, http);

fn main() {
    if hellos_only() {
        return;
    }
    benches();
    paired_comparisons();
    Criterion::default().configure_from_args().final_summary();
}

/// `--hellos <app> <count>`: only `count` in-process hellos to `app` (`unauthenticated`,
/// `header_lookup` or `authenticated`), untimed, for counting what one costs under valgrind,
/// whose counts do not depend on the machine's speed:
///
/// `valgrind --tool=cachegrind --cache-sim=no <bench binary> --hellos authenticated 3000`,
/// minus the same with 1000, over 2000, is the instructions of one hello.
fn hellos_only() -> bool {
    let arguments: Vec<String> = std::env::args().collect();
    let Some(at) = arguments.iter().position(|argument| argument == "--hellos") else {
        return false;
    };
    let (app, count) = match &arguments[at + 1..] {
        [app, count, ..] => (
            app.as_str(),
            count.parse::<u32>().expect("a count of hellos"),
        ),
        _ => panic!("--hellos <unauthenticated|header_lookup|authenticated> <count>"),
    };
    set_env();
    let system = System::new();
    macro_rules! hellos {
        ($handler:expr) => {{
            let app = system.block_on(test::init_service(App::new().service($handler)));
            for _ in 0..count {
                hello(&system, &app);
            }
        }};
    }
    match app {
        "unauthenticated" => hellos!(open),
        "header_lookup" => hellos!(open_reading_header),
        "authenticated" => hellos!(protected),
        other => panic!("no app {other:?}: unauthenticated, header_lookup or authenticated"),
    }
    true
}

/// Each goal is a ratio of two medians; measured by two criterion functions seconds apart, on
/// a shared machine whose speed drifts by more than the difference measured, the two medians
/// disagree from run to run. Here the two sides run in interleaved batches, so both see the
/// same machine, and the ratio is the median of the batches' ratios.
///
/// They run with no filter, or with one that `paired` contains (`cargo bench --bench auth --
/// paired`).
fn paired_comparisons() {
    let mut arguments = std::env::args().skip(1);
    let filter = arguments.find(|argument| !argument.starts_with('-'));
    let listing_or_testing =
        std::env::args().any(|argument| argument == "--list" || argument == "--test");
    if listing_or_testing || filter.is_some_and(|filter| !"paired".contains(filter.as_str())) {
        return;
    }
    set_env();
    let store = SecretStore::new(InMemory);
    let (env, managed) = source_bearers(&store);
    let authenticate = |bearer| assert!(authenticate_cached(bearer, &store));
    paired(
        "source",
        10_000,
        ("env_right", || authenticate(&env)),
        ("manager_right", || authenticate(&managed)),
    );

    let system = System::new();
    let open_app = system.block_on(test::init_service(App::new().service(open)));
    let protected_app = system.block_on(test::init_service(App::new().service(protected)));
    paired(
        "request",
        300,
        ("unauthenticated", || hello(&system, &open_app)),
        ("authenticated", || hello(&system, &protected_app)),
    );
    let header_app = system.block_on(test::init_service(App::new().service(open_reading_header)));
    paired(
        "request",
        300,
        ("unauthenticated", || hello(&system, &open_app)),
        ("header_lookup", || hello(&system, &header_app)),
    );

    // The method's own error: the open app against a copy of itself.
    let open_copy = system.block_on(test::init_service(App::new().service(open)));
    paired(
        "request",
        300,
        ("unauthenticated", || hello(&system, &open_app)),
        ("unauthenticated_copy", || hello(&system, &open_copy)),
    );

    let connection = std::cell::RefCell::new(Connection::open(serve()));
    let over_http = |guarded| connection.borrow_mut().hello(guarded);
    paired(
        "http",
        20,
        ("unauthenticated", || over_http(false)),
        ("authenticated", || over_http(true)),
    );
}

/// Times `batch` runs of `base`, then of `other` (the order swapped every sample), and prints
/// each one's median time per run and the median of the samples' `other / base` ratios.
fn paired(
    group: &str,
    batch: u32,
    (base_name, mut base): (&str, impl FnMut()),
    (other_name, mut other): (&str, impl FnMut()),
) {
    const SAMPLES: usize = 3001;
    // Warm-up: caches, branch predictors, the allocator's free lists.
    for _ in 0..10 {
        time_batch(batch, &mut base);
        time_batch(batch, &mut other);
    }
    let mut samples = Vec::with_capacity(SAMPLES);
    for sample in 0..SAMPLES {
        let (base_time, other_time) = if sample % 2 == 0 {
            let base_time = time_batch(batch, &mut base);
            (base_time, time_batch(batch, &mut other))
        } else {
            let other_time = time_batch(batch, &mut other);
            (time_batch(batch, &mut base), other_time)
        };
        samples.push((base_time, other_time));
    }
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let base_median = median(samples.iter().map(|sample| sample.0).collect());
    let other_median = median(samples.iter().map(|sample| sample.1).collect());
    let ratio = median(samples.iter().map(|sample| sample.1 / sample.0).collect());
    println!(
        "paired/{group}: {base_name} {}, {other_name} {} ({SAMPLES} interleaved samples of \
         {batch}); {other_name}/{base_name} {ratio:.3}",
        human(base_median),
        human(other_median),
    );
}

/// Seconds per run of `run`, over `batch` runs.
fn time_batch(batch: u32, run: &mut impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..batch {
        run();
    }
    start.elapsed().as_secs_f64() / f64::from(batch)
}

fn human(seconds: f64) -> String {
    match seconds {
        s if s < 1e-6 => format!("{:.1} ns", s * 1e9),
        s => format!("{:.3} µs", s * 1e6),
    }
}
