//! Named keys: a key set names each request's caller to its handler, fails closed on every
//! broken rule, follows its store, and records which keys are in use.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use actix_web::{App, HttpResponse, get, test, web};
use secret_bearer::{
    Authenticated, CachePolicy, Caller, FileManager, SecretBearer, SecretStore, secret_bearer,
};
use support::{CapturedLogs, get_request, init_env, read};

fn init_keys() {
    static ONCE: Once = Once::new();
    init_env();
    ONCE.call_once(|| {
        let set = format!(
            r#"{{"alice": "ALICEKEY", "bob": ["{}", "BOBOLD"]}}"#,
            digest_of("BOBKEY")
        );
        // SAFETY: set once, before any handler of this binary reads its variables.
        unsafe { std::env::set_var("SB_KEYS_SET", set) };
    });
}

fn digest_of(key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256:{hex}")
}

/// Who called, as the handler sees it.
fn who(caller: &Caller) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {}", caller.name(), caller.is_newest_key()))
}

#[get("/whoami")]
#[secret_bearer(keys_env = "SB_KEYS_SET", prefix = "Bearer ")]
async fn whoami(caller: Caller, query: web::Query<BTreeMap<String, String>>) -> HttpResponse {
    let _ = query;
    who(&caller)
}

#[get("/classic")]
#[secret_bearer(env = "SB_TEST_PRIMARY", alt_env = "SB_TEST_ALTERNATE")]
async fn classic(caller: Caller) -> HttpResponse {
    who(&caller)
}

async fn answer(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    uri: &str,
    authorization: Option<&str>,
) -> (u16, String) {
    read(test::call_service(app, get_request(uri, authorization)).await).await
}

// Which caller each key names, and which keys are refused, is in the shared table
// (`tests/support/cases.rs`, `Route::Keys`), run on every server.
#[actix_web::test]
async fn a_bearer_of_a_secret_and_its_alternate_names_them_primary_and_alternate() {
    init_keys();
    let app = test::init_service(App::new().service(classic)).await;
    // A bearer of one secret and its alternate names them `primary` and `alternate`, the
    // alternate being the older key of a rotation.
    let primary = answer(&app, "/classic", Some(support::PRIMARY)).await;
    assert_eq!(primary, (200, "primary true".to_owned()));
    let alternate = answer(&app, "/classic", Some(support::ALTERNATE)).await;
    assert_eq!(alternate, (200, "alternate false".to_owned()));
}

#[actix_web::test]
async fn an_alternate_equal_to_the_primary_names_the_primary() {
    // As a `rotating` secret is before its first rotation: its previous version is its current.
    init_env();
    let bearer = SecretBearer::builder()
        .env("SB_TEST_PRIMARY")
        .alt_env("SB_TEST_PRIMARY")
        .build()
        .unwrap();
    let caller = bearer.check([support::PRIMARY.as_bytes()]).unwrap();
    assert_eq!((caller.name(), caller.is_newest_key()), ("primary", true));
}

async fn whoami_behind_middleware(caller: Caller) -> HttpResponse {
    who(&caller)
}

async fn whoami_by_extractor(auth: Authenticated<Caller>) -> HttpResponse {
    who(&auth.into_inner())
}

#[actix_web::test]
async fn the_middleware_and_the_extractor_name_the_caller_too() {
    init_keys();
    let bearer = || {
        SecretBearer::builder()
            .keys_env("SB_KEYS_SET")
            .build()
            .unwrap()
    };
    let app = test::init_service(
        App::new()
            .app_data(bearer())
            .route("/extractor", web::get().to(whoami_by_extractor))
            .service(
                web::scope("/middleware")
                    .wrap(bearer())
                    .route("", web::get().to(whoami_behind_middleware)),
            ),
    )
    .await;
    for uri in ["/extractor", "/middleware"] {
        assert_eq!(
            answer(&app, uri, Some("BOBOLD")).await,
            (200, "bob false".to_owned())
        );
        assert_eq!(answer(&app, uri, Some("CAROLKEY")).await.0, 401);
    }
}

async fn unprotected(caller: Caller) -> HttpResponse {
    who(&caller)
}

#[actix_web::test]
async fn asking_for_the_caller_where_nothing_checks_is_a_500_that_says_why() {
    let logs = CapturedLogs::start();
    let app = test::init_service(App::new().route("/", web::get().to(unprotected))).await;
    let (status, body) = answer(&app, "/", Some("ALICEKEY")).await;
    assert_eq!((status, body.as_str()), (500, support::MISCONFIGURED_BODY));
    let text = logs.text();
    assert!(
        text.contains("ERROR")
            && text.contains("asked for the `Caller`, but no `secret_bearer` check protects it"),
        "{text}"
    );
}

#[actix_web::test]
async fn every_broken_rule_fails_closed_and_names_the_source_and_the_caller() {
    let alice = digest_of("ALICEKEY");
    let cases: [(&str, &str, Option<&str>, &str); 10] = [
        ("SB_KEYS_BAD_JSON", "ALICEKEY", None, "it is not JSON"),
        (
            "SB_KEYS_BAD_ARRAY",
            r#"["ALICEKEY"]"#,
            None,
            "not a JSON object",
        ),
        ("SB_KEYS_BAD_EMPTY", "{}", None, "names no caller"),
        (
            "SB_KEYS_BAD_NAME",
            r#"{" ": "ALICEKEY"}"#,
            Some(r#"caller " ""#),
            "empty or whitespace",
        ),
        (
            "SB_KEYS_BAD_DIGEST",
            r#"{"alice": "sha256:abc"}"#,
            Some(r#"caller "alice""#),
            "64 hexadecimal",
        ),
        (
            "SB_KEYS_BAD_HEADER",
            r#"{"alice": "ALICE\nKEY"}"#,
            Some(r#"caller "alice""#),
            "control character",
        ),
        (
            "SB_KEYS_BAD_SPACE",
            r#"{"alice": "ALICEKEY "}"#,
            Some(r#"caller "alice""#),
            "whitespace",
        ),
        (
            "SB_KEYS_BAD_VALUE",
            r#"{"alice": {"key": "ALICEKEY"}}"#,
            Some(r#"caller "alice""#),
            "a field it does not know",
        ),
        (
            "SB_KEYS_BAD_LIST",
            r#"{"alice": []}"#,
            Some(r#"caller "alice""#),
            "non-empty list",
        ),
        (
            "SB_KEYS_BAD_SHARED",
            &format!(r#"{{"alice": "ALICEKEY", "bob": ["BOBKEY", "{alice}"]}}"#),
            Some(r#"caller "bob""#),
            "caller \"alice\" has too",
        ),
    ];
    for (variable, value, caller, reason) in cases {
        // SAFETY: each variable is this loop's own, set before its bearer reads it.
        unsafe { std::env::set_var(variable, value) };
        let bearer = SecretBearer::builder().keys_env(variable).build().unwrap();
        let error = bearer.resolve().unwrap_err().to_string();
        assert!(
            error.contains(&format!("`{variable}` cannot be used as a key set")),
            "{error}"
        );
        assert!(error.contains(reason), "{error}");
        if let Some(caller) = caller {
            assert!(error.contains(caller), "{error}");
        }
        assert!(
            !error.contains("ALICEKEY") && !error.contains("BOBKEY"),
            "{error}"
        );

        let logs = CapturedLogs::start();
        let app = test::init_service(
            App::new()
                .app_data(bearer)
                .route("/", web::get().to(whoami_by_extractor)),
        )
        .await;
        for authorization in [Some("ALICEKEY"), None] {
            let (status, body) = answer(&app, "/", authorization).await;
            assert_eq!((status, body.as_str()), (500, support::MISCONFIGURED_BODY));
        }
        let text = logs.text();
        assert!(text.contains(variable) && text.contains(reason), "{text}");
        assert!(
            !text.contains("ALICEKEY") && !text.contains("BOBKEY"),
            "{text}"
        );
    }
}

#[actix_web::test]
async fn start_up_refuses_a_broken_key_set() {
    init_keys();
    let _ = (whoami, classic, broken);
    // SAFETY: set before the handler below reads it.
    unsafe { std::env::set_var("SB_KEYS_BROKEN", r#"{"alice": "K", "bob": "K"}"#) };
    let unresolved = secret_bearer::resolve_all!().await.unwrap_err();
    let shown = unresolved.to_string();
    let secret_bearer::ErrorKind::Unresolved { errors, .. } = unresolved.kind() else {
        panic!("{unresolved:?}");
    };
    assert_eq!(errors.len(), 1, "{shown}");
    assert!(
        shown.contains(
            "environment variable `SB_KEYS_BROKEN` cannot be used as a key set: caller \"bob\""
        ),
        "{shown}"
    );
}

/// A directory of this test's own, for a `FileManager`, holding `set` as `api-keys`.
fn key_file(test: &str, set: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let directory = std::env::temp_dir().join(format!("sb_keys_{test}_{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("api-keys");
    std::fs::write(&file, set).unwrap();
    (directory, file)
}

#[secret_bearer(keys_env = "SB_KEYS_BROKEN")]
async fn broken(caller: Caller) -> HttpResponse {
    who(&caller)
}

#[actix_web::test]
async fn a_caller_revoked_in_the_store_is_refused_after_the_time_to_live() {
    tokio::time::pause();
    let (directory, file) = key_file("revoked", r#"{"alice": "ALICEKEY", "bob": "BOBKEY"}"#);
    let policy = CachePolicy::default().ttl(Duration::from_secs(60));
    let store = SecretStore::with_policy(FileManager::new(&directory), policy);
    let bearer = SecretBearer::builder()
        .keys_secret("api-keys")
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .app_data(store)
            .app_data(bearer)
            .route("/", web::get().to(whoami_by_extractor)),
    )
    .await;
    assert_eq!(answer(&app, "/", Some("BOBKEY")).await.0, 200);

    // Bob is revoked, and Carol added, in the store: no restart.
    std::fs::write(&file, r#"{"alice": "ALICEKEY", "carol": "CAROLKEY"}"#).unwrap();
    tokio::time::advance(Duration::from_secs(59)).await;
    assert_eq!(
        answer(&app, "/", Some("BOBKEY")).await.0,
        200,
        "within the TTL"
    );
    tokio::time::advance(Duration::from_secs(1)).await;
    // Past the TTL, the cached set serves once more while the refresh runs.
    assert_eq!(answer(&app, "/", Some("ALICEKEY")).await.0, 200);
    tokio::task::yield_now().await;
    assert_eq!(answer(&app, "/", Some("BOBKEY")).await.0, 401, "revoked");
    assert_eq!(
        answer(&app, "/", Some("CAROLKEY")).await,
        (200, "carol true".to_owned())
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

#[actix_web::test]
async fn older_keys_in_use_are_reported_at_most_once_a_minute() {
    init_keys();
    tokio::time::pause();
    let logs = CapturedLogs::start();
    let bearer = SecretBearer::builder()
        .keys_env("SB_KEYS_SET")
        .build()
        .unwrap();
    let reports = || logs.text().matches("older keys are still in use").count();
    assert_eq!(bearer.check([&b"ALICEKEY"[..]]).unwrap().name(), "alice");
    assert_eq!(reports(), 0, "a newest key is not reported");
    assert!(
        logs.text().contains("caller=\"alice\" key=\"newest\""),
        "{}",
        logs.text()
    );

    assert!(!bearer.check([&b"BOBOLD"[..]]).unwrap().is_newest_key());
    assert_eq!(reports(), 1);
    assert!(
        logs.text().contains("older_keys=\"bob\": 1"),
        "{}",
        logs.text()
    );
    for _ in 0..4 {
        bearer.check([&b"BOBOLD"[..]]).unwrap();
    }
    assert_eq!(reports(), 1, "not again within the minute");
    tokio::time::advance(Duration::from_secs(60)).await;
    bearer.check([&b"BOBOLD"[..]]).unwrap();
    assert_eq!(reports(), 2);
    assert!(
        logs.text().contains("older_keys=\"bob\": 5"),
        "{}",
        logs.text()
    );
}

/// Counts `secret_bearer_requests_total` by its labels.
#[derive(Default)]
struct Counts(Mutex<BTreeMap<String, u64>>);

struct Handle(Arc<Counts>, String);

impl metrics::CounterFn for Handle {
    fn increment(&self, value: u64) {
        *self.0.0.lock().unwrap().entry(self.1.clone()).or_default() += value;
    }
    fn absolute(&self, _: u64) {}
}

/// A gauge holds its last value, in whole units.
impl metrics::GaugeFn for Handle {
    fn increment(&self, _: f64) {}
    fn decrement(&self, _: f64) {}
    fn set(&self, value: f64) {
        self.0
            .0
            .lock()
            .unwrap()
            .insert(self.1.clone(), value as u64);
    }
}

struct Recorder(Arc<Counts>);

impl Recorder {
    /// The series' handle, named `name{label=value,...}`.
    fn handle(&self, key: &metrics::Key) -> Arc<Handle> {
        let labels: Vec<String> = key
            .labels()
            .map(|label| format!("{}={}", label.key(), label.value()))
            .collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        Arc::new(Handle(Arc::clone(&self.0), name))
    }
}

impl metrics::Recorder for Recorder {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        metrics::Counter::from_arc(self.handle(key))
    }
    fn register_gauge(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::from_arc(self.handle(key))
    }
    fn register_histogram(
        &self,
        _: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        metrics::Histogram::noop()
    }
}

#[actix_web::test]
async fn every_answer_is_counted_by_outcome_and_caller() {
    init_keys();
    let counts = Arc::new(Counts::default());
    let recorder = Recorder(Arc::clone(&counts));
    let bearer = SecretBearer::builder()
        .keys_env("SB_KEYS_SET")
        .prefix("Bearer ")
        .build()
        .unwrap();
    let missing = SecretBearer::builder()
        .keys_env("SB_TEST_UNSET_KEYS")
        .build()
        .unwrap();
    // The shared set, whose `carol` has an expired key and `dave` has expired.
    let expiring = SecretBearer::builder()
        .keys_env("SB_TEST_KEYS")
        .build()
        .unwrap();
    // The shared set's `bob` has no scope, `erin` has `admin`.
    let admin = SecretBearer::builder()
        .keys_env("SB_TEST_KEYS")
        .scopes(["admin"])
        .build()
        .unwrap();
    let before = std::time::SystemTime::now();
    metrics::with_local_recorder(&recorder, || {
        let _ = expiring.check([&b"CAROLOLD"[..]]);
        let _ = admin.check([&b"BOBOLD"[..]]);
        let _ = admin.check([&b"ERINKEY"[..]]);
        for header in [
            "Bearer ALICEKEY",
            "Bearer ALICEKEY",
            "Bearer BOBOLD",
            "Bearer WRONG",
            "Basic x",
        ] {
            let _ = bearer.check([header.as_bytes()]);
        }
        let _ = bearer.check([]);
        let _ = bearer.check([&b"Bearer A"[..], b"Bearer B"]);
        let _ = missing.check([&b"Bearer ALICEKEY"[..]]);
    });
    let mut counts = counts.0.lock().unwrap().clone();
    // Each accepted caller's last use, in seconds since the epoch: now, to the second.
    let since = |seconds: u64| {
        seconds.saturating_sub(
            before
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
    };
    for caller in ["alice", "bob", "erin"] {
        let gauge = format!("secret_bearer_caller_last_used_timestamp_seconds{{caller={caller}}}");
        let at = counts
            .remove(&gauge)
            .unwrap_or_else(|| panic!("{gauge}: {counts:?}"));
        assert!(since(at) <= 5, "{gauge}: {at}");
    }
    let name = "secret_bearer_requests_total";
    let expected: BTreeMap<String, u64> = [
        (format!("{name}{{outcome=accepted,caller=alice}}"), 2),
        (format!("{name}{{outcome=accepted,caller=erin}}"), 1),
        (format!("{name}{{outcome=forbidden,caller=}}"), 1),
        (format!("{name}{{outcome=accepted,caller=bob}}"), 1),
        (format!("{name}{{outcome=refused,caller=}}"), 1),
        (format!("{name}{{outcome=malformed,caller=}}"), 2),
        (format!("{name}{{outcome=missing,caller=}}"), 1),
        (format!("{name}{{outcome=misconfigured,caller=}}"), 1),
        (format!("{name}{{outcome=expired,caller=}}"), 1),
        // Each caller's earliest expiry, in seconds since the epoch; none for a caller without.
        (
            "secret_bearer_caller_expiry_timestamp_seconds{caller=carol}".to_owned(),
            978_307_200,
        ),
        (
            "secret_bearer_caller_expiry_timestamp_seconds{caller=dave}".to_owned(),
            978_303_600,
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts, expected);
}

#[actix_web::test]
async fn a_client_cannot_send_a_key_set() {
    init_keys();
    let bearer = SecretBearer::builder()
        .keys_env("SB_KEYS_SET")
        .build()
        .unwrap();
    // Refused before anything is sent (the address would not answer).
    let send = async |bearer: &SecretBearer| {
        let request = awc::Client::default().get("http://127.0.0.1:9/");
        match secret_bearer::client::awc::send(bearer, request, "").await {
            Err(secret_bearer::client::SendError::Secret(error)) => error,
            other => panic!("{other:?}"),
        }
    };
    let error = send(&bearer).await.to_string();
    assert!(error.contains("a client sends one key"), "{error}");
    assert!(!error.contains("ALICEKEY"), "{error}");
    let managed = SecretBearer::builder()
        .keys_secret("api-keys")
        .build()
        .unwrap();
    let error = send(&managed).await;
    assert!(
        matches!(
            error.kind(),
            secret_bearer::ErrorKind::UnusableKeySet { .. }
        ),
        "{error}"
    );
}

/// One JSON document, holding a key set among other secrets.
struct Document(&'static str);

impl secret_bearer::SecretManager for Document {
    async fn get(&self, _: &str) -> Result<String, secret_bearer::ManagerError> {
        Ok(self.0.to_owned())
    }
}

#[actix_web::test]
async fn a_json_key_picks_the_set_out_of_a_larger_document() {
    let store = SecretStore::new(Document(
        r#"{"database": "PASSWORD", "api": {"callers": {"alice": "ALICEKEY"}}}"#,
    ));
    let bearer = SecretBearer::builder()
        .keys_secret("prod/service#api.callers")
        .build()
        .unwrap();
    let caller = bearer
        .authenticate(Some(&store), [&b"ALICEKEY"[..]])
        .await
        .unwrap();
    assert_eq!(caller.name(), "alice");
    let refused = bearer.authenticate(Some(&store), [&b"PASSWORD"[..]]).await;
    assert!(refused.is_err());

    let elsewhere = SecretBearer::builder()
        .keys_secret("prod/service#database")
        .build()
        .unwrap();
    let error = elsewhere.resolve_with(Some(&store)).await.unwrap_err();
    assert!(error.to_string().contains("not a JSON object"), "{error}");
    assert!(!error.to_string().contains("PASSWORD"), "{error}");
}

#[actix_web::test]
async fn a_caller_added_in_the_store_is_accepted_at_its_first_request() {
    tokio::time::pause();
    let (directory, file) = key_file("added", r#"{"alice": "ALICEKEY"}"#);
    let store = SecretStore::new(FileManager::new(&directory));
    let bearer = SecretBearer::builder()
        .keys_secret("api-keys")
        .build()
        .unwrap();
    let accepts = async |key: &str| bearer.authenticate(Some(&store), [key.as_bytes()]).await;
    assert!(accepts("ALICEKEY").await.is_ok());

    std::fs::write(&file, r#"{"alice": "ALICEKEY", "carol": "CAROLKEY"}"#).unwrap();
    // Before the set is old enough, a key it does not hold is refused without a fetch.
    assert!(accepts("CAROLKEY").await.is_err());
    // Once it is (30 s by default), the unknown key makes the store fetch the set again.
    tokio::time::advance(Duration::from_secs(30)).await;
    assert_eq!(accepts("CAROLKEY").await.unwrap().name(), "carol");
    std::fs::remove_dir_all(&directory).unwrap();
}

#[std::prelude::v1::test]
fn a_generated_key_is_accepted_by_the_digest_printed_with_it() {
    let (key, digest) = secret_bearer::generate_key("acme_live").unwrap();
    // SAFETY: this test's own variable, set before any bearer reads it.
    unsafe { std::env::set_var("SB_KEYS_GENERATED", format!(r#"{{"acme": "{digest}"}}"#)) };
    let bearer = SecretBearer::builder()
        .keys_env("SB_KEYS_GENERATED")
        .build()
        .unwrap();
    let caller = bearer.check([key.as_bytes()]).unwrap();
    assert_eq!(caller.name(), "acme");
    // One character changed, the key is refused, checksum or not.
    let mut other = key.to_string();
    other.replace_range(10..11, if &key[10..11] == "A" { "B" } else { "A" });
    assert!(bearer.check([other.as_bytes()]).is_err());
}

#[actix_web::test]
async fn a_weak_key_is_logged_and_with_strong_keys_refused() {
    let (strong, strong_digest) = secret_bearer::generate_key("acme").unwrap();
    let set = format!(r#"{{"alice": "ALICEKEY", "bob": ["{strong_digest}", "bobkey"]}}"#);
    // SAFETY: this test's own variables, set before any bearer reads them.
    unsafe {
        std::env::set_var("SB_KEYS_WEAK", set);
        std::env::set_var("SB_KEY_WEAK", "SUPERSECRET");
    }
    let logs = CapturedLogs::start();
    let lenient = SecretBearer::builder()
        .keys_env("SB_KEYS_WEAK")
        .build()
        .unwrap();
    assert_eq!(lenient.check([&b"ALICEKEY"[..]]).unwrap().name(), "alice");
    assert_eq!(lenient.check([strong.as_bytes()]).unwrap().name(), "bob");
    let single = SecretBearer::builder().env("SB_KEY_WEAK").build().unwrap();
    assert!(single.check([&b"SUPERSECRET"[..]]).is_ok());
    let text = logs.text();
    let warnings: Vec<&str> = text.lines().filter(|line| line.contains("WARN")).collect();
    assert_eq!(warnings.len(), 3, "{text}");
    for (caller, bits) in [("caller=\"alice\"", 37), ("caller=\"bob\"", 28), ("", 51)] {
        let source = if caller.is_empty() {
            "SB_KEY_WEAK"
        } else {
            "SB_KEYS_WEAK"
        };
        let estimate = format!("estimated_bits={bits}");
        assert!(
            warnings.iter().any(|line| line.contains(source)
                && line.contains(caller)
                && line.contains(&estimate)
                && line.contains("generate_key")),
            "{source} {caller} {estimate}: {text}"
        );
    }
    for key in ["ALICEKEY", "bobkey", "SUPERSECRET", strong.as_str()] {
        assert!(!text.contains(key), "{text}");
    }

    // With `strong_keys`, the first weak key fails the set closed: a 500, and start-up refuses.
    let strict = SecretBearer::builder()
        .keys_env("SB_KEYS_WEAK")
        .strong_keys()
        .build()
        .unwrap();
    let shown = strict.resolve().unwrap_err().to_string();
    assert!(
        shown.starts_with(
            "environment variable `SB_KEYS_WEAK` cannot be used as a key set: caller \"alice\""
        ) && shown.contains("about 37 bits"),
        "{shown}"
    );
    let app = test::init_service(
        App::new()
            .app_data(strict)
            .route("/", web::get().to(whoami_by_extractor)),
    )
    .await;
    let (status, body) = answer(&app, "/", Some(strong.as_str())).await;
    assert_eq!((status, body.as_str()), (500, support::MISCONFIGURED_BODY));
    let strict = SecretBearer::builder()
        .env("SB_KEY_WEAK")
        .strong_keys()
        .build()
        .unwrap();
    let shown = strict.resolve().unwrap_err().to_string();
    assert!(shown.contains("`strong_keys` refuses it"), "{shown}");
    assert!(!shown.contains("SUPERSECRET"), "{shown}");
}
