//! A plain `Authenticated` guard beside other extractors, `async fn(_: Authenticated, body:
//! web::Bytes)`: the extractors beside it get the body, and a `Caller` the caller, whether or
//! not the check has to wait for the store, and a refusal stays the guard's 401 whatever the
//! parameters' order. And the attribute's path, which wraps every parameter: nothing of it is
//! constructed, nor the body read, before the check passes.
//!
//! Every case runs against a fresh app whose store is first brought to the state under test;
//! the manager's fetches take `FETCH` on Tokio's paused clock, so that "the check waited" is a
//! measured fact, not a hope.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_http::error::PayloadError;
use actix_http::{BoxedPayloadStream, Request};
use actix_web::dev::{Payload, Service, ServiceResponse};
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE};
use actix_web::{
    App, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, post, test, web,
};
use secret_bearer::actix::RejectionHandler;
use secret_bearer::{
    Authenticated, CachePolicy, Caller, ManagerError, ManagerErrorKind, SecretBearer,
    SecretManager, SecretStore, secret_bearer,
};
use support::{NOT_AUTHENTICATED, PRIMARY, get_request, init_env, read};
use tokio::time::{Instant, sleep};

/// The key the store holds when the request under test arrives (and the environment's
/// `SB_TEST_PRIMARY`), the one it held before a rotation, and one it never held.
const KEY: &str = PRIMARY;
const OLD_KEY: &str = "OLD-KEY";
const WRONG_KEY: &str = "WRONG-KEY";

/// How long every fetch takes: a check that waits for one is this much later.
const FETCH: Duration = Duration::from_millis(50);
const RETRY_AFTER: Duration = Duration::from_secs(1);

const BODY: &str = r#"{"widget":1}"#;
const NOT_JSON: &str = "{not json";

/// A manager of the one secret `/primary`: every fetch takes `FETCH`, and it can fail.
#[derive(Clone)]
struct Manager(Arc<ManagerState>);

struct ManagerState {
    value: Mutex<String>,
    failing: AtomicBool,
    fetches: AtomicUsize,
}

impl Manager {
    fn holding(value: &str) -> Self {
        Self(Arc::new(ManagerState {
            value: Mutex::new(value.to_owned()),
            failing: AtomicBool::new(false),
            fetches: AtomicUsize::new(0),
        }))
    }

    fn set(&self, value: &str) {
        *self.0.value.lock().unwrap() = value.to_owned();
    }

    fn fail(&self, failing: bool) {
        self.0.failing.store(failing, Ordering::SeqCst);
    }

    fn fetches(&self) -> usize {
        self.0.fetches.load(Ordering::SeqCst)
    }
}

impl SecretManager for Manager {
    async fn get(&self, _: &str) -> Result<String, ManagerError> {
        self.0.fetches.fetch_add(1, Ordering::SeqCst);
        sleep(FETCH).await;
        if self.0.failing.load(Ordering::SeqCst) {
            return Err(ManagerError::new(
                ManagerErrorKind::Unavailable,
                "the store does not answer",
            ));
        }
        Ok(self.0.value.lock().unwrap().clone())
    }
}

async fn bytes(_: Authenticated, body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().body(body)
}

async fn json(_: Authenticated, body: web::Json<serde_json::Value>) -> HttpResponse {
    HttpResponse::Ok().json(body.into_inner())
}

async fn caller_after(_: Authenticated, caller: Caller) -> HttpResponse {
    HttpResponse::Ok().body(caller.name().to_owned())
}

async fn caller_before(caller: Caller, _: Authenticated) -> HttpResponse {
    HttpResponse::Ok().body(caller.name().to_owned())
}

/// Warms or breaks the cache before the request under test.
async fn guard(_: Authenticated) -> &'static str {
    "ok"
}

/// Counts its constructions: the attribute's check must pass before any happens.
struct Constructed;

/// The app's count of `Constructed` extractions.
#[derive(Clone, Default)]
struct Constructions(Rc<Cell<usize>>);

impl FromRequest for Constructed {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(Constructions(count)) = req.app_data::<Constructions>() {
            count.set(count.get() + 1);
        }
        std::future::ready(Ok(Self))
    }
}

#[post("/attributed")]
#[secret_bearer(secret = "/primary")]
async fn attributed(_: Constructed, body: web::Json<serde_json::Value>) -> HttpResponse {
    HttpResponse::Ok().json(body.into_inner())
}

/// Counts the requests alive: one the app has answered must be freed (nothing of it is kept
/// in a cycle, such as a check in its extensions holding the request).
struct Alive(Rc<Cell<usize>>);

impl Alive {
    fn new(count: &Rc<Cell<usize>>) -> Self {
        count.set(count.get() + 1);
        Self(Rc::clone(count))
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

/// Where the store is when the request under test arrives.
#[derive(Clone, Copy, Debug)]
enum Scenario {
    /// No store: the bearer reads an environment variable, and the check ends at once.
    Environment,
    /// The store holds a fresh value: the check ends at once.
    Warm,
    /// Nothing fetched yet: the check waits for the first fetch.
    Cold,
    /// The cached value is an older key: a key that does not match it waits for the refresh
    /// (`mismatch_min_age` zero), which fetches the rotated value.
    RefreshAfterMismatch,
    /// The first fetch failed and the store recovered: after `retry_after` the next request
    /// waits for the fetch.
    RetryAfterFailure,
}

use Scenario::{Cold, Environment, RefreshAfterMismatch, RetryAfterFailure, Warm};

impl Scenario {
    fn waits(self) -> bool {
        matches!(self, Cold | RefreshAfterMismatch | RetryAfterFailure)
    }
}

/// An app in `scenario`'s state, and what it counts.
struct Served<S> {
    app: S,
    manager: Manager,
    alive: Rc<Cell<usize>>,
    constructions: Constructions,
}

async fn serve(
    scenario: Scenario,
) -> Served<impl Service<Request, Response = ServiceResponse, Error = actix_web::Error>> {
    serve_with(scenario, None).await
}

/// An app in `scenario`'s state, with this hook for its refusals, if any.
async fn serve_with(
    scenario: Scenario,
    hook: Option<RejectionHandler>,
) -> Served<impl Service<Request, Response = ServiceResponse, Error = actix_web::Error>> {
    init_env();
    let bearer = match scenario {
        Environment => SecretBearer::builder().env("SB_TEST_PRIMARY"),
        _ => SecretBearer::builder().secret("/primary"),
    }
    .build()
    .unwrap();
    let manager = Manager::holding(KEY);
    let policy = CachePolicy::default().retry_after(RETRY_AFTER);
    let policy = match scenario {
        // Any mismatch refreshes; elsewhere, a wrong key meets a value too young for that.
        RefreshAfterMismatch => policy.mismatch_min_age(Duration::ZERO),
        _ => policy,
    };
    let alive = Rc::new(Cell::new(0));
    let constructions = Constructions::default();
    let counted = Rc::clone(&alive);
    let app = App::new();
    let app = match hook {
        Some(hook) => app.app_data(hook),
        None => app,
    };
    let app = test::init_service(
        app.wrap_fn(move |req, service| {
            req.extensions_mut().insert(Alive::new(&counted));
            service.call(req)
        })
        .app_data(bearer)
        .app_data(SecretStore::with_policy(manager.clone(), policy))
        .app_data(constructions.clone())
        .route("/guard", web::get().to(guard))
        .route("/bytes", web::post().to(bytes))
        .route("/json", web::post().to(json))
        .route("/caller-after", web::post().to(caller_after))
        .route("/caller-before", web::post().to(caller_before))
        .service(attributed),
    )
    .await;
    let status = |response: ServiceResponse| response.status().as_u16();
    match scenario {
        Environment | Cold => {}
        Warm => {
            assert_eq!(
                status(test::call_service(&app, get_request("/guard", Some(KEY))).await),
                200
            );
        }
        RefreshAfterMismatch => {
            manager.set(OLD_KEY);
            let warmed = test::call_service(&app, get_request("/guard", Some(OLD_KEY))).await;
            assert_eq!(status(warmed), 200);
            manager.set(KEY);
        }
        RetryAfterFailure => {
            manager.fail(true);
            let failed = test::call_service(&app, get_request("/guard", Some(KEY))).await;
            assert_eq!(status(failed), 500);
            manager.fail(false);
            sleep(RETRY_AFTER).await;
        }
    }
    Served {
        app,
        manager,
        alive,
        constructions,
    }
}

/// A POST of `body` to `uri` with `key`, and how often the app has read the body.
fn post(uri: &str, key: &str, body: &'static str) -> (Request, Rc<Cell<usize>>) {
    let reads = Rc::new(Cell::new(0));
    let counted = Rc::clone(&reads);
    let stream = futures_util::stream::once(async move {
        counted.set(counted.get() + 1);
        Ok::<_, PayloadError>(web::Bytes::from_static(body.as_bytes()))
    });
    let request = test::TestRequest::post()
        .uri(uri)
        .insert_header((CONTENT_TYPE, "application/json"))
        .insert_header((AUTHORIZATION, key))
        .to_request();
    let stream: BoxedPayloadStream = Box::pin(stream);
    (request.replace_payload(Payload::from(stream)).0, reads)
}

/// What one request met: its answer, whether it waited for the store, and whether the app
/// freed it once answered.
#[derive(Debug, PartialEq)]
struct Outcome {
    answer: (u16, String),
    waited: bool,
    fetched: bool,
    freed: bool,
}

/// How often the app read the request's body, and constructed a `Constructed`.
#[derive(Debug, PartialEq)]
struct Reads {
    body: usize,
    constructions: usize,
}

/// One request to a fresh app in `scenario`'s state.
async fn send(scenario: Scenario, uri: &str, key: &str, body: &'static str) -> (Outcome, Reads) {
    let served = serve(scenario).await;
    let fetches = served.manager.fetches();
    let (request, body_reads) = post(uri, key, body);
    let started = Instant::now();
    let answer = read(test::call_service(&served.app, request).await).await;
    let outcome = Outcome {
        answer,
        waited: started.elapsed() >= FETCH,
        fetched: served.manager.fetches() > fetches,
        freed: served.alive.get() == 0,
    };
    let reads = Reads {
        body: body_reads.get(),
        constructions: served.constructions.0.get(),
    };
    (outcome, reads)
}

/// Each plain-guard handler, with what it answers an accepted request.
const HANDLERS: [(&str, &str); 4] = [
    ("/bytes", BODY),
    ("/json", BODY),
    ("/caller-after", "primary"),
    ("/caller-before", "primary"),
];

/// Every handler, with the right key and a wrong one, in `scenario`: all the cases that do not
/// answer as they should, so that a failure lists them all.
async fn plain_guard_cases(scenario: Scenario) {
    tokio::time::pause();
    let mut wrong = Vec::new();
    for (uri, accepted) in HANDLERS {
        for (key, answer) in [
            (KEY, (200, accepted)),
            (WRONG_KEY, (401, NOT_AUTHENTICATED)),
        ] {
            let (outcome, _) = send(scenario, uri, key, BODY).await;
            let expected = Outcome {
                answer: (answer.0, answer.1.to_owned()),
                waited: scenario.waits(),
                fetched: scenario.waits(),
                freed: true,
            };
            if outcome != expected {
                wrong.push(format!(
                    "{uri} with {key}: {outcome:?}, expected {expected:?}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{scenario:?}:\n{}", wrong.join("\n"));
}

#[actix_web::test]
async fn a_plain_guard_beside_an_environment_check() {
    plain_guard_cases(Environment).await;
}

#[actix_web::test]
async fn a_plain_guard_beside_a_warm_cache() {
    plain_guard_cases(Warm).await;
}

#[actix_web::test]
async fn a_plain_guard_beside_a_cold_store() {
    plain_guard_cases(Cold).await;
}

#[actix_web::test]
async fn a_plain_guard_beside_a_refresh_after_a_mismatch() {
    plain_guard_cases(RefreshAfterMismatch).await;
}

#[actix_web::test]
async fn a_plain_guard_beside_a_retry_after_a_failure() {
    plain_guard_cases(RetryAfterFailure).await;
}

/// A refusal is the guard's, through the service's hook, whether the guard or a `Caller`
/// beside it answers first: the hook builds one response a request.
#[actix_web::test]
async fn a_caller_answers_the_guards_refusal_through_the_rejection_handler() {
    tokio::time::pause();
    for scenario in [Environment, Cold] {
        for uri in ["/caller-before", "/caller-after"] {
            let calls = Arc::new(AtomicUsize::new(0));
            let counted = Arc::clone(&calls);
            let hook = RejectionHandler::new(move |_, error| {
                counted.fetch_add(1, Ordering::SeqCst);
                HttpResponse::build(ResponseError::status_code(error))
                    .body(format!("hooked: {}", error.kind()))
            });
            let served = serve_with(scenario, Some(hook)).await;
            let (request, _) = post(uri, WRONG_KEY, BODY);
            let answer = read(test::call_service(&served.app, request).await).await;
            let hooked = (401, "hooked: the credential matches no secret".to_owned());
            assert_eq!(
                (answer, calls.load(Ordering::SeqCst)),
                (hooked, 1),
                "{scenario:?} {uri}"
            );
        }
    }
}

/// The attribute wraps every parameter in the guard: none is constructed, and the body is not
/// read, until the check has passed, however long it waits.
#[actix_web::test]
async fn the_attribute_constructs_nothing_and_reads_no_body_before_the_check_passes() {
    tokio::time::pause();
    let mut wrong = Vec::new();
    for scenario in [Warm, Cold, RefreshAfterMismatch, RetryAfterFailure] {
        // How often the body is read and `Constructed` extracted: never before a refusal.
        for (key, body, answer, extracted) in [
            (WRONG_KEY, NOT_JSON, (401, NOT_AUTHENTICATED), 0),
            (WRONG_KEY, BODY, (401, NOT_AUTHENTICATED), 0),
            (KEY, NOT_JSON, (400, ""), 1),
            (KEY, BODY, (200, BODY), 1),
        ] {
            let (mut outcome, reads) = send(scenario, "/attributed", key, body).await;
            if answer.0 == 400 {
                // actix-web's own parse error: only its status matters.
                outcome.answer.1.clear();
            }
            let expected = (
                Outcome {
                    answer: (answer.0, answer.1.to_owned()),
                    waited: scenario.waits(),
                    fetched: scenario.waits(),
                    freed: true,
                },
                Reads {
                    body: extracted,
                    constructions: extracted,
                },
            );
            let got = (outcome, reads);
            if got != expected {
                wrong.push(format!(
                    "{scenario:?}, {key}, {body}: {got:?}, expected {expected:?}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A request given up while its check waits (the client went away) is freed: the check it
/// shares with its extractors does not keep it alive.
#[actix_web::test]
async fn a_request_given_up_while_its_check_waits_is_freed() {
    tokio::time::pause();
    for scenario in [Cold, RefreshAfterMismatch, RetryAfterFailure] {
        for (uri, _) in HANDLERS {
            let served = serve(scenario).await;
            let (request, _) = post(uri, KEY, BODY);
            let call = test::call_service(&served.app, request);
            let given_up = tokio::time::timeout(FETCH / 2, call).await;
            assert!(given_up.is_err(), "{scenario:?} {uri}: the check waits");
            assert_eq!(served.alive.get(), 0, "{scenario:?} {uri}: freed");
        }
    }
}
