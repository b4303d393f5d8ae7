//! Outgoing requests: `#[secret_bearer]` on client functions and methods, the runtime calls
//! without the macro, sending again after a 401 and across redirects, against recording servers
//! on loopback.

#[path = "../support/mod.rs"]
mod support;

mod middleware;
mod redirects;
mod resend;
/// The widgets example's client, as its example builds it (the example uses the rest).
#[path = "../../examples/widgets_client/client.rs"]
#[allow(dead_code)]
mod widgets_client;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use secret_bearer::client::{self, SecretBearerClientMiddleware};
use secret_bearer::{
    CachePolicy, Error, ErrorKind, ManagerError, ManagerErrorKind, SecretBearer, SecretManager,
    SecretStore, secret_bearer,
};

type Failure = Box<dyn std::error::Error>;

/// The secret the client functions below send; set once per test binary.
const SECRET: &str = "client-s3cret";

fn init_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: the standard library serialises its own environment accesses, and these tests
    // call no C code that reads the environment concurrently.
    ONCE.call_once(|| unsafe {
        std::env::set_var("SB_CLIENT_SECRET", SECRET);
        std::env::set_var("MY_SECRET", SECRET);
    });
}

/// A server that records the `Authorization` values of every request and answers the
/// statuses it is given in turn, then 200; with `accept`, it answers 401 to any other value.
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Vec<String>>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
    accept: Option<&'static str>,
    /// The body of every answer.
    body: &'static str,
}

impl Recorder {
    fn answering(statuses: &[u16]) -> Self {
        let recorder = Self::default();
        recorder.answers.lock().unwrap().extend(statuses);
        recorder
    }

    fn seen(&self) -> Vec<Vec<String>> {
        self.seen.lock().unwrap().clone()
    }

    async fn record(req: HttpRequest, recorder: web::Data<Recorder>) -> HttpResponse {
        let values: Vec<String> = req
            .headers()
            .get_all(AUTHORIZATION)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .collect();
        let refused = recorder.accept.is_some_and(|accepted| values != [accepted]);
        recorder.seen.lock().unwrap().push(values);
        let scripted = recorder.answers.lock().unwrap().pop_front();
        let status = match (scripted, refused) {
            (Some(status), _) => status,
            (None, true) => 401,
            (None, false) => 200,
        };
        HttpResponse::build(StatusCode::from_u16(status).unwrap()).body(recorder.body)
    }

    /// Serves on a free loopback port; answers the base URL and the handle that stops it.
    fn start(&self) -> (String, ServerHandle) {
        support::serve_loopback(self.clone(), Recorder::record)
    }
}

#[secret_bearer(env = "SB_CLIENT_SECRET", prefix = "Bearer ")]
async fn send_reqwest(request: reqwest::RequestBuilder) -> Result<reqwest::Response, Failure> {
    Ok(request.send().await?)
}

#[secret_bearer(env = "SB_CLIENT_SECRET")]
async fn send_awc(request: awc::ClientRequest) -> Result<u16, Failure> {
    let response = request.send().await?;
    Ok(response.status().as_u16())
}

#[secret_bearer(env = "SB_CLIENT_SECRET", prefix = "Bearer ")]
fn build_reqwest(request: reqwest::RequestBuilder) -> Result<reqwest::Request, Failure> {
    Ok(request.build()?)
}

#[secret_bearer(
    env = "SB_CLIENT_SECRET",
    alt_env = "SB_CLIENT_UNSET_ALTERNATE",
    prefix = "Key "
)]
fn build_http(request: http::request::Builder) -> Result<http::Request<()>, Failure> {
    Ok(request.body(())?)
}

#[secret_bearer(env = "SB_CLIENT_SECRET")]
fn sign(headers: &mut http::HeaderMap) -> Result<usize, Error> {
    Ok(headers.len())
}

#[secret_bearer(env = "SB_CLIENT_UNSET")]
async fn send_unset(request: reqwest::RequestBuilder) -> Result<reqwest::Response, Failure> {
    Ok(request.send().await?)
}

/// A named bearer, named by client functions (its alternate is never sent).
#[secret_bearer(env = "SB_CLIENT_SECRET", alt_env = "MY_SECRET", prefix = "Bearer ")]
struct WidgetsKey;

/// A trait whose default methods name it.
trait WidgetsApi {
    fn base(&self) -> &str;

    #[secret_bearer(WidgetsKey)]
    async fn list(&self, request: reqwest::RequestBuilder) -> Result<u16, Failure> {
        Ok(request.send().await?.status().as_u16())
    }

    #[secret_bearer(WidgetsKey)]
    fn build(&self, request: http::request::Builder) -> Result<http::Request<()>, Failure> {
        Ok(request.uri(self.base()).body(())?)
    }
}

impl WidgetsApi for String {
    fn base(&self) -> &str {
        self
    }
}

/// A named bearer whose key is in a manager, sent from an `async fn` through the installed
/// store.
#[secret_bearer(secret = "/client/key", prefix = "Bearer ")]
struct ManagedKey;

#[secret_bearer(ManagedKey)]
async fn send_named_managed(
    request: reqwest::RequestBuilder,
) -> Result<reqwest::Response, Failure> {
    Ok(request.send().await?)
}

/// Methods, as the widgets client has them: a trait's default method and an inherent one.
trait Api {
    fn base(&self) -> &str;

    #[secret_bearer(environment_key = "SB_CLIENT_SECRET", header_prefix = "Token ")]
    async fn fetch(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, Failure> {
        Ok(request.send().await?)
    }
}

struct Remote(String);

impl Api for Remote {
    fn base(&self) -> &str {
        &self.0
    }
}

impl Remote {
    #[secret_bearer(env = "SB_CLIENT_SECRET")]
    pub async fn fetch_inherent<'a>(&'a self, request: awc::ClientRequest) -> Result<u16, Failure>
    where
        'a: 'a,
    {
        let _ = self.base();
        Ok(request.send().await?.status().as_u16())
    }
}

#[actix_web::test]
async fn each_client_sends_one_authorization_replacing_the_callers() {
    init_env();
    let recorder = Recorder::default();
    let (base, server) = recorder.start();
    let http = reqwest::Client::new();
    let response = send_reqwest(http.get(&base).header(AUTHORIZATION.as_str(), "stale"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let status = send_awc(
        awc::Client::default()
            .get(&base)
            .insert_header((AUTHORIZATION, "stale")),
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let remote = Remote(base.clone());
    remote.fetch(http.get(remote.base())).await.unwrap();
    remote
        .fetch_inherent(awc::Client::default().get(&base))
        .await
        .unwrap();
    assert_eq!(
        recorder.seen(),
        [
            vec![format!("Bearer {SECRET}")],
            vec![SECRET.to_owned()],
            vec![format!("Token {SECRET}")],
            vec![SECRET.to_owned()],
        ]
    );
    server.stop(true).await;
}

#[test]
fn built_requests_carry_one_sensitive_header() {
    init_env();
    let request = build_reqwest(
        reqwest::Client::new()
            .get("http://localhost/")
            .header(AUTHORIZATION.as_str(), "a")
            .header(AUTHORIZATION.as_str(), "b"),
    )
    .unwrap();
    let values: Vec<_> = request.headers().get_all("authorization").iter().collect();
    assert_eq!(values, [format!("Bearer {SECRET}").as_str()]);
    assert!(values[0].is_sensitive());

    let request = build_http(http::Request::builder().header("authorization", "a")).unwrap();
    let values: Vec<_> = request.headers().get_all("authorization").iter().collect();
    assert_eq!(
        values,
        [format!("Key {SECRET}").as_str()],
        "the alternate is never sent"
    );
    assert!(values[0].is_sensitive());

    let mut headers = http::HeaderMap::new();
    headers.append("authorization", http::HeaderValue::from_static("a"));
    headers.append("authorization", http::HeaderValue::from_static("b"));
    assert_eq!(sign(&mut headers).unwrap(), 1);
    assert_eq!(headers["authorization"], SECRET);
    assert!(headers["authorization"].is_sensitive());
}

/// An awc request, authorized by a synchronous function.
#[secret_bearer(env = "SB_CLIENT_SECRET", prefix = "Bearer ")]
fn sign_awc(request: awc::ClientRequest) -> Result<awc::ClientRequest, Error> {
    Ok(request)
}

#[test]
fn an_awc_request_is_authorized_replacing_any_value() {
    init_env();
    let request = awc::Client::default()
        .get("http://localhost/")
        .insert_header((AUTHORIZATION, "stale"));
    let request = sign_awc(request).unwrap();
    let values: Vec<_> = request.headers().get_all(AUTHORIZATION).collect();
    assert_eq!(values, [format!("Bearer {SECRET}").as_str()]);
    assert!(values[0].is_sensitive());
}

#[actix_web::test]
async fn a_secret_that_cannot_be_read_is_the_functions_error_and_nothing_is_sent() {
    init_env();
    let recorder = Recorder::default();
    let (base, server) = recorder.start();
    let error = send_unset(reqwest::Client::new().get(&base))
        .await
        .unwrap_err();
    let error = error.downcast::<Error>().unwrap();
    assert!(
        matches!(error.kind(), ErrorKind::MissingSecret { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "environment variable `SB_CLIENT_UNSET` is not set, or is empty"
    );
    // A secret the installed store does not have: the call's error, and nothing is sent.
    Rotating::installed();
    let bearer = SecretBearer::builder()
        .secret("/client/never-set")
        .build()
        .unwrap();
    let error = client::awc::send(&bearer, awc::Client::default().get(&base), "")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, client::SendError::Secret(error) if matches!(error.kind(), ErrorKind::Manager { .. })),
        "{error:?}"
    );
    assert!(recorder.seen().is_empty());
    server.stop(true).await;
}

#[actix_web::test]
async fn an_environment_secret_is_read_for_every_request() {
    let recorder = Recorder::default();
    let (base, server) = recorder.start();
    let bearer = SecretBearer::builder()
        .env("SB_CLIENT_CHANGING")
        .build()
        .unwrap();
    for value in ["first", "second"] {
        // SAFETY: as in `init_env`; no other test reads this variable.
        unsafe { std::env::set_var("SB_CLIENT_CHANGING", value) };
        let client = middleware::client(SecretBearerClientMiddleware::new(bearer.clone()));
        client.get(&base).send().await.unwrap();
    }
    assert_eq!(recorder.seen(), [["first"], ["second"]]);
    server.stop(true).await;
}

/// A secret manager whose secrets can be rotated, one per path; a path it was never given is
/// not found.
#[derive(Clone, Default)]
struct Rotating {
    values: Arc<Mutex<HashMap<String, &'static str>>>,
}

impl SecretManager for Rotating {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        let values = self.values.lock().unwrap();
        let value = values
            .get(path)
            .ok_or_else(|| ManagerError::new(ManagerErrorKind::NotFound, path.to_owned()))?;
        Ok(value.to_string())
    }
}

impl Rotating {
    /// The manager of this binary's installed store, which fetches again after every mismatch
    /// (no minimum age, no interval), as a client that was refused asks it to. Each test keeps
    /// to paths of its own.
    fn installed() -> &'static Rotating {
        static MANAGER: LazyLock<Rotating> = LazyLock::new(|| {
            let manager = Rotating::default();
            let policy = CachePolicy::default()
                .mismatch_min_age(std::time::Duration::ZERO)
                .mismatch_interval(std::time::Duration::ZERO);
            SecretStore::with_policy(manager.clone(), policy)
                .install()
                .unwrap();
            manager
        });
        &MANAGER
    }

    fn set(&self, path: &str, value: &'static str) {
        self.values.lock().unwrap().insert(path.to_owned(), value);
    }
}

/// A bearer of a path of its own with the prefix `Bearer `, whose secret the installed store
/// cached as `OLD` before it was set to `now` in the manager: rotated, what a client holds
/// when its server moves on.
async fn cached_then_set(now: &'static str) -> SecretBearer {
    static PATHS: AtomicUsize = AtomicUsize::new(0);
    let path = format!("/client/rotated/{}", PATHS.fetch_add(1, Ordering::SeqCst));
    let manager = Rotating::installed();
    manager.set(&path, "OLD");
    let bearer = SecretBearer::builder()
        .secret(path.clone())
        .prefix("Bearer ")
        .build()
        .unwrap();
    // One request, to a server of its own, has the store cache the key it sends.
    let recorder = Recorder::default();
    let (base, server) = recorder.start();
    let client = middleware::client(SecretBearerClientMiddleware::new(bearer.clone()));
    client.get(&base).send().await.unwrap();
    server.stop(true).await;
    assert_eq!(recorder.seen(), [["Bearer OLD"]]);
    manager.set(&path, now);
    bearer
}

#[actix_web::test]
async fn the_widgets_client_answers_a_401_at_once_with_its_secret_unchanged_and_a_403_too() {
    use crate::widgets_client::{ClientError, WidgetsApi, WidgetsClient};
    init_env();
    let forbidden = r#"{"status":"client_error","error":"Forbidden","data":[],"pagination":{},"input_errors":{}}"#;
    for (status, body, error) in [
        (401, support::NOT_AUTHENTICATED, "Not Authenticated"),
        (403, forbidden, "Forbidden"),
    ] {
        let recorder = Recorder {
            body,
            ..Recorder::answering(&[status, status])
        };
        let (base, server) = recorder.start();
        let answer = WidgetsClient::new(&base).unwrap().list().await.unwrap_err();
        assert!(
            matches!(&answer, ClientError::Api { status: got, error: got_error, .. }
                if *got == status && got_error == error),
            "{answer:?}"
        );
        assert_eq!(recorder.seen(), [[SECRET]], "sent once");
        server.stop(true).await;
    }
}

#[actix_web::test]
async fn client_functions_naming_a_bearer_send_its_primary_key() {
    init_env();
    let recorder = Recorder::default();
    let (base, server) = recorder.start();
    let http = reqwest::Client::new();
    let api = base.clone();
    // A trait's default method, through `&self`: its future is `Send`, for a multi-threaded
    // runtime's `spawn`.
    fn is_send<T: Send>(value: T) -> T {
        value
    }
    assert_eq!(is_send(api.list(http.get(&base))).await.unwrap(), 200);
    let request = api.build(http::Request::builder()).unwrap();
    assert_eq!(request.uri(), base.as_str());
    let values: Vec<_> = request.headers().get_all("authorization").iter().collect();
    assert_eq!(values, [format!("Bearer {SECRET}").as_str()]);
    assert!(values[0].is_sensitive());

    Rotating::installed().set("/client/key", "MANAGED");
    send_named_managed(http.get(&base)).await.unwrap();
    assert_eq!(
        recorder.seen(),
        [
            vec![format!("Bearer {SECRET}")],
            vec!["Bearer MANAGED".to_owned()]
        ]
    );
    server.stop(true).await;
}
