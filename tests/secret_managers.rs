//! Secrets in a secret manager: `secret`/`alt_secret` handlers and the middleware, read through
//! a `SecretStore` whose cache is observed with a manager that counts its fetches.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::header::AUTHORIZATION;
use actix_web::rt::time::sleep;
use actix_web::{App, HttpResponse, get, post, test, web};
use futures_util::future::join_all;
use secret_bearer::{
    CachePolicy, ManagerError, ManagerErrorKind, SecretBearer, SecretManager, SecretStore,
    secret_bearer,
};
use support::{
    ALTERNATE, CapturedLogs, MISCONFIGURED_BODY, NOT_AUTHENTICATED, PRIMARY, get_request, init_env,
    read,
};

/// A manager over a map that counts its fetches per path, and can be made to fail or be slow.
#[derive(Clone, Default)]
struct Counting(Arc<CountingState>);

#[derive(Default)]
struct CountingState {
    values: Mutex<HashMap<String, String>>,
    fetches: Mutex<HashMap<String, usize>>,
    failing: AtomicBool,
    delay: Mutex<Duration>,
}

impl Counting {
    fn new(values: &[(&str, &str)]) -> Self {
        let manager = Self::default();
        for (path, value) in values {
            manager.set(path, value);
        }
        manager
    }

    fn slow(self, delay: Duration) -> Self {
        *self.0.delay.lock().unwrap() = delay;
        self
    }

    fn set(&self, path: &str, value: &str) {
        let mut values = self.0.values.lock().unwrap();
        values.insert(path.to_owned(), value.to_owned());
    }

    fn fail(&self, failing: bool) {
        self.0.failing.store(failing, Ordering::SeqCst);
    }

    fn fetches(&self, path: &str) -> usize {
        self.0
            .fetches
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

impl SecretManager for Counting {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        *self
            .0
            .fetches
            .lock()
            .unwrap()
            .entry(path.to_owned())
            .or_default() += 1;
        let delay = *self.0.delay.lock().unwrap();
        if !delay.is_zero() {
            sleep(delay).await;
        }
        if self.0.failing.load(Ordering::SeqCst) {
            return Err(ManagerError::new(
                ManagerErrorKind::Unavailable,
                "the store does not answer",
            ));
        }
        let values = self.0.values.lock().unwrap();
        values.get(path).cloned().ok_or_else(|| {
            ManagerError::new(ManagerErrorKind::NotFound, format!("no secret at {path}"))
        })
    }
}

#[get("/pair")]
#[secret_bearer(secret = "/primary", alt_secret = "/alternate")]
async fn pair() -> &'static str {
    "pair"
}

#[get("/single")]
#[secret_bearer(secret_key = "/rotating")]
async fn single() -> &'static str {
    "single"
}

#[get("/mixed")]
#[secret_bearer(secret = "/primary", alt_env = "SB_TEST_ALTERNATE")]
async fn mixed() -> &'static str {
    "mixed"
}

#[get("/json")]
#[secret_bearer(secret = "/document#keys.current", prefix = "Bearer ")]
async fn json_key() -> &'static str {
    "json"
}

#[get("/keyed")]
#[secret_bearer(secret = "/keys#current", alt_secret = "/keys#previous")]
async fn keyed() -> &'static str {
    "keyed"
}

#[post("/echo")]
#[secret_bearer(secret = "/primary")]
async fn echo(body: web::Json<serde_json::Value>) -> HttpResponse {
    HttpResponse::Ok().json(body.into_inner())
}

async fn ok() -> &'static str {
    "ok"
}

macro_rules! app {
    ($store:expr) => {
        test::init_service(
            App::new()
                .app_data($store)
                .service(pair)
                .service(single)
                .service(mixed)
                .service(json_key)
                .service(keyed)
                .service(echo),
        )
        .await
    };
}

fn seeded() -> Counting {
    Counting::new(&[
        ("/primary", PRIMARY),
        ("/alternate", ALTERNATE),
        ("/rotating", "FIRST-KEY"),
    ])
}

#[actix_web::test]
async fn a_thousand_concurrent_first_requests_fetch_each_path_once() {
    let manager = seeded().slow(Duration::from_millis(50));
    let app = app!(SecretStore::new(manager.clone()));
    let requests = (0..1000).map(|i| {
        let credential = [PRIMARY, ALTERNATE, "WRONG"][i % 3];
        test::call_service(&app, get_request("/pair", Some(credential)))
    });
    let statuses: Vec<u16> = join_all(requests)
        .await
        .iter()
        .map(|response| response.status().as_u16())
        .collect();
    for (i, status) in statuses.iter().enumerate() {
        assert_eq!(*status, if i % 3 == 2 { 401 } else { 200 }, "request {i}");
    }
    assert_eq!(manager.fetches("/primary"), 1);
    assert_eq!(manager.fetches("/alternate"), 1);
}

#[actix_web::test]
async fn secrets_are_fetched_again_after_the_time_to_live() {
    // Time passes only when the test says so, and at once.
    tokio::time::pause();
    let manager = seeded();
    let policy = CachePolicy::default().ttl(Duration::from_millis(200));
    let app = app!(SecretStore::with_policy(manager.clone(), policy));
    for _ in 0..3 {
        let response = test::call_service(&app, get_request("/single", Some("FIRST-KEY"))).await;
        assert_eq!(response.status(), 200);
    }
    assert_eq!(manager.fetches("/rotating"), 1);
    sleep(Duration::from_millis(300)).await;
    manager.set("/rotating", "SECOND-KEY");
    let response = test::call_service(&app, get_request("/single", Some("SECOND-KEY"))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(manager.fetches("/rotating"), 2);
}

#[actix_web::test]
async fn the_last_good_secret_is_served_while_the_store_fails() {
    // Time passes only when the test says so, and at once.
    tokio::time::pause();
    let logs = CapturedLogs::start();
    let manager = seeded();
    let policy = CachePolicy::default()
        .ttl(Duration::from_millis(100))
        .retry_after(Duration::from_secs(60));
    let app = app!(SecretStore::with_policy(manager.clone(), policy));
    let response = test::call_service(&app, get_request("/single", Some("FIRST-KEY"))).await;
    assert_eq!(response.status(), 200);
    manager.fail(true);
    sleep(Duration::from_millis(150)).await;
    for round in 0..2 {
        for _ in 0..5 {
            let response =
                test::call_service(&app, get_request("/single", Some("FIRST-KEY"))).await;
            assert_eq!(read(response).await, (200, "single".to_owned()));
        }
        // The refresh runs in the background; let it end.
        sleep(Duration::from_millis(20)).await;
        // One failed refresh, then nothing until `retry_after`.
        assert_eq!(manager.fetches("/rotating"), 2, "round {round}");
    }
    let logged = logs.text();
    assert!(logged.contains("WARN"), "{logged}");
    assert!(
        logged.contains("refreshing a secret failed; the last good value stays in use"),
        "{logged}"
    );
    assert!(logged.contains("secret `/rotating`"), "{logged}");
    assert!(!logged.contains("FIRST-KEY"), "{logged}");
}

/// How many whole seconds `call` takes on the paused clock (Tokio's timer rounds a timeout up
/// to its next millisecond), and its status.
async fn timed(call: impl Future<Output = actix_web::dev::ServiceResponse>) -> (u64, u16) {
    let start = tokio::time::Instant::now();
    let response = call.await;
    (start.elapsed().as_secs(), response.status().as_u16())
}

#[actix_web::test]
async fn a_hung_store_holds_up_requests_for_at_most_the_fetch_timeout() {
    // Time passes only when the test says so, and at once.
    tokio::time::pause();
    let manager = seeded();
    let policy = CachePolicy::default()
        .refresh_after(Duration::from_secs(60))
        .ttl(Duration::from_secs(100))
        .fetch_timeout(Duration::from_secs(5))
        .retry_after(Duration::from_secs(30));
    let app = app!(SecretStore::with_policy(manager.clone(), policy));
    let request = || test::call_service(&app, get_request("/single", Some("FIRST-KEY")));
    assert_eq!(timed(request()).await, (0, 200));
    // The store now takes an hour to answer.
    let manager = manager.slow(Duration::from_secs(3600));

    // At 60 s, due for its refresh ahead: served at once; the refresh hangs in the background.
    sleep(Duration::from_secs(60)).await;
    for _ in 0..3 {
        assert_eq!(timed(request()).await, (0, 200));
    }
    sleep(Duration::from_secs(1)).await;
    assert_eq!(manager.fetches("/rotating"), 2, "one refresh in flight");
    // Cut off at 65 s; until `retry_after` has passed, nothing asks the store.
    sleep(Duration::from_secs(29)).await;
    assert_eq!(timed(request()).await, (0, 200));
    assert_eq!(manager.fetches("/rotating"), 2);
    // At 95 s, retried in the background; cut off at 100 s.
    sleep(Duration::from_secs(5)).await;
    assert_eq!(timed(request()).await, (0, 200));
    sleep(Duration::from_secs(1)).await;
    assert_eq!(manager.fetches("/rotating"), 3);

    // At 130 s, past the time-to-live with the store not known to be down: a request waits
    // for the fetch, for the fetch timeout at most, and is then served the last good value,
    // since the store could not be reached.
    sleep(Duration::from_secs(34)).await;
    assert_eq!(timed(request()).await, (5, 200));
    assert_eq!(manager.fetches("/rotating"), 4);
    // Known to be unreachable: served without waiting until `retry_after`.
    assert_eq!(timed(request()).await, (0, 200));
    assert_eq!(manager.fetches("/rotating"), 4);
}

#[actix_web::test]
async fn a_store_that_never_answers_a_first_fetch_fails_closed_at_the_fetch_timeout() {
    tokio::time::pause();
    let manager = seeded().slow(Duration::from_secs(3600));
    let policy = CachePolicy::default().fetch_timeout(Duration::from_secs(5));
    let app = app!(SecretStore::with_policy(manager.clone(), policy));
    let request = || test::call_service(&app, get_request("/single", Some("FIRST-KEY")));
    assert_eq!(timed(request()).await, (5, 500));
    assert_eq!(timed(request()).await, (0, 500), "until retry_after");
    assert_eq!(manager.fetches("/rotating"), 1);
}

#[actix_web::test]
async fn a_request_that_gives_up_does_not_cancel_the_fetch() {
    // Time passes only when the test says so, and at once.
    tokio::time::pause();
    let manager = seeded().slow(Duration::from_millis(100));
    let app = app!(SecretStore::new(manager.clone()));
    let impatient = test::call_service(&app, get_request("/single", Some("FIRST-KEY")));
    let gave_up = actix_web::rt::time::timeout(Duration::from_millis(20), impatient).await;
    assert!(gave_up.is_err(), "the first fetch takes 100 ms");
    sleep(Duration::from_millis(150)).await;
    // The fetch went on without the request, and its secret is cached.
    let response = test::call_service(&app, get_request("/single", Some("FIRST-KEY"))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(manager.fetches("/rotating"), 1);
}

#[actix_web::test]
async fn a_store_that_never_answered_fails_closed() {
    init_env();
    let logs = CapturedLogs::start();
    let manager = seeded();
    manager.fail(true);
    let app = app!(SecretStore::new(manager.clone()));
    for (uri, credential) in [
        ("/single", Some("FIRST-KEY")),
        ("/single", None),
        ("/mixed", Some(ALTERNATE)),
    ] {
        let response = test::call_service(&app, get_request(uri, credential)).await;
        assert_eq!(
            read(response).await,
            (500, MISCONFIGURED_BODY.to_owned()),
            "{uri}"
        );
    }
    // The failure is remembered until `retry_after` (10 s by default): no more fetches.
    assert_eq!(manager.fetches("/rotating"), 1);
    let logged = logs.text();
    assert!(
        logged.contains(
            "the secret manager could not read secret `/rotating`: store unavailable: the store \
             does not answer"
        ),
        "{logged}"
    );
    assert!(!logged.contains("FIRST-KEY"), "{logged}");
}

#[actix_web::test]
async fn a_rotated_secret_is_accepted_without_a_restart() {
    // Time passes only when the test says so, and at once.
    tokio::time::pause();
    let manager = seeded();
    let policy = CachePolicy::default()
        .mismatch_min_age(Duration::from_millis(100))
        .mismatch_interval(Duration::ZERO);
    let app = app!(SecretStore::with_policy(manager.clone(), policy));
    let status = |response: actix_web::dev::ServiceResponse| response.status().as_u16();
    assert_eq!(
        status(test::call_service(&app, get_request("/single", Some("FIRST-KEY"))).await),
        200
    );
    manager.set("/rotating", "ROTATED-KEY");
    // Too young a secret is not refreshed: the new key is refused for now.
    assert_eq!(
        status(test::call_service(&app, get_request("/single", Some("ROTATED-KEY"))).await),
        401
    );
    assert_eq!(manager.fetches("/rotating"), 1);
    sleep(Duration::from_millis(150)).await;
    assert_eq!(
        status(test::call_service(&app, get_request("/single", Some("ROTATED-KEY"))).await),
        200
    );
    assert_eq!(manager.fetches("/rotating"), 2);
    assert_eq!(
        status(test::call_service(&app, get_request("/single", Some("ROTATED-KEY"))).await),
        200
    );
    assert_eq!(manager.fetches("/rotating"), 2);
}

#[actix_web::test]
async fn ten_thousand_bad_credentials_cause_at_most_the_rate_limits_refreshes() {
    let manager = seeded();
    let policy = CachePolicy::default()
        .mismatch_min_age(Duration::ZERO)
        .mismatch_interval(Duration::from_secs(3600));
    let app = app!(SecretStore::with_policy(manager.clone(), policy));
    let response = test::call_service(&app, get_request("/single", Some("FIRST-KEY"))).await;
    assert_eq!(response.status(), 200);
    let requests = (0..10_000)
        .map(|i| test::call_service(&app, get_request("/single", Some(&format!("BAD-{i}")))));
    for response in join_all(requests).await {
        assert_eq!(response.status(), 401);
    }
    // The first fetch, and one refresh in the hour the rate limit allows.
    assert_eq!(manager.fetches("/rotating"), 2);
}

#[actix_web::test]
async fn a_cold_cache_still_answers_401_before_reading_the_body() {
    let post = |authorization: Option<&str>, body: &str| {
        let mut request = test::TestRequest::post()
            .uri("/echo")
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_owned());
        if let Some(authorization) = authorization {
            request = request.insert_header((AUTHORIZATION, authorization));
        }
        request.to_request()
    };
    // A new store each time, so every request meets a cold cache and waits for the fetch.
    for (authorization, body, expected) in [
        (None, "{not json", (401, NOT_AUTHENTICATED)),
        (Some("WRONG"), "{not json", (401, NOT_AUTHENTICATED)),
        (Some(PRIMARY), r#"{"a":1}"#, (200, r#"{"a":1}"#)),
    ] {
        let manager = seeded().slow(Duration::from_millis(10));
        let app = app!(SecretStore::new(manager));
        let response = test::call_service(&app, post(authorization, body)).await;
        assert_eq!(read(response).await, (expected.0, expected.1.to_owned()));
    }
    let app = app!(SecretStore::new(seeded().slow(Duration::from_millis(10))));
    let response = test::call_service(&app, post(Some(PRIMARY), "{not json")).await;
    assert_eq!(
        response.status(),
        400,
        "the body is read once authenticated"
    );
}

#[actix_web::test]
async fn sources_mix_and_json_keys_pick_the_secret() {
    init_env();
    let manager = Counting::new(&[
        ("/primary", PRIMARY),
        (
            "/document",
            r#"{"keys": {"current": "JSON-KEY", "previous": "OLD-KEY"}}"#,
        ),
    ]);
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(SecretStore::new(manager.clone())))
            .service(mixed)
            .service(json_key),
    )
    .await;
    for (uri, authorization, status) in [
        ("/mixed", PRIMARY, 200),
        ("/mixed", ALTERNATE, 200),
        ("/mixed", "WRONG", 401),
        ("/json", "Bearer JSON-KEY", 200),
        ("/json", "bearer JSON-KEY", 200),
        ("/json", "Bearer OLD-KEY", 401),
        ("/json", "JSON-KEY", 401),
    ] {
        let response = test::call_service(&app, get_request(uri, Some(authorization))).await;
        assert_eq!(response.status(), status, "{uri} {authorization}");
    }
    assert_eq!(manager.fetches("/document"), 1);
}

#[actix_web::test]
async fn a_handler_with_no_store_installed_fails_closed_and_names_the_fix() {
    let logs = CapturedLogs::start();
    let app = test::init_service(App::new().service(single)).await;
    let response = test::call_service(&app, get_request("/single", Some("FIRST-KEY"))).await;
    assert_eq!(read(response).await, (500, MISCONFIGURED_BODY.to_owned()));
    let logged = logs.text();
    assert!(
        logged.contains(
            "secret `/rotating` lives in a secret manager, but no `SecretStore` is installed: \
             install one at start-up, with `SecretStore::new(manager).install()`"
        ),
        "{logged}"
    );
}

#[actix_web::test]
async fn the_middleware_reads_secrets_through_the_bound_store() {
    let manager = seeded().slow(Duration::from_millis(10));
    let bearer = SecretBearer::builder()
        .secret("/primary")
        .alt_secret("/alternate")
        .prefix("Bearer ")
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .app_data(SecretStore::new(manager.clone()))
            .service(
                web::scope("/api")
                    .wrap(bearer)
                    .route("/", web::get().to(ok)),
            ),
    )
    .await;
    let requests = [
        ("Bearer SUPERSECRET", 200),
        ("Bearer ALSOOKAY", 200),
        ("Bearer WRONG", 401),
    ]
    .map(|(authorization, status)| {
        let app = &app;
        async move {
            let response = test::call_service(app, get_request("/api/", Some(authorization))).await;
            (response.status().as_u16(), status)
        }
    });
    for (got, expected) in join_all(requests).await {
        assert_eq!(got, expected);
    }
    assert_eq!(manager.fetches("/primary"), 1);
    assert_eq!(manager.fetches("/alternate"), 1);
}

#[actix_web::test]
async fn json_keys_of_one_path_share_its_fetches_and_rotate_together() {
    // Time passes only when the test says so, and at once.
    tokio::time::pause();
    let logs = CapturedLogs::start();
    let manager = Counting::new(&[("/keys", r#"{"current": "KEY-2", "previous": "KEY-1"}"#)])
        .slow(Duration::from_millis(20));
    let policy = CachePolicy::default().ttl(Duration::from_millis(100));
    let app = app!(SecretStore::with_policy(manager.clone(), policy));
    let requests = (0..100).map(|i| {
        let credential = ["KEY-2", "KEY-1"][i % 2];
        test::call_service(&app, get_request("/keyed", Some(credential)))
    });
    for response in join_all(requests).await {
        assert_eq!(response.status(), 200);
    }
    assert_eq!(manager.fetches("/keys"), 1, "one fetch for both keys");

    // The store rotates; after the time-to-live the new document serves both keys.
    manager.set("/keys", r#"{"current": "KEY-3", "previous": "KEY-2"}"#);
    sleep(Duration::from_millis(150)).await;
    let status = |key: &str| {
        let request = test::call_service(&app, get_request("/keyed", Some(key)));
        async move { request.await.status().as_u16() }
    };
    assert_eq!(
        status("KEY-3").await,
        200,
        "waits for the refresh the stale value refuses"
    );
    assert_eq!(status("KEY-2").await, 200);
    assert_eq!(status("KEY-1").await, 401);
    assert_eq!(manager.fetches("/keys"), 2);

    // A document that lost the alternate's key ends the rotation: the old key is refused.
    manager.set("/keys", r#"{"current": "KEY-4"}"#);
    sleep(Duration::from_millis(150)).await;
    assert_eq!(status("KEY-4").await, 200);
    assert_eq!(status("KEY-3").await, 401);
    let logged = logs.text();
    assert!(
        logged.contains("the alternate secret is gone from the secret manager"),
        "{logged}"
    );
    assert!(
        logged.contains("JSON key `previous` of secret `/keys`"),
        "{logged}"
    );
    assert!(!logged.contains("KEY-"), "{logged}");
}
