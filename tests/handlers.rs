//! `#[secret_bearer]` on actix-web handlers, end to end through actix's test utilities: every
//! rule of the check (SPEC §2), and the handler shapes the attribute must keep working.

mod support;

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use actix_web::dev::Payload;
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use actix_web::{
    App, FromRequest, HttpRequest, HttpResponse, Responder, error, get, post, test, web,
};
use futures_util::future::{Ready, ready};
use secret_bearer::{NamedBearer, secret_bearer};
use serde::Deserialize;
type BoxedPayloadStream =
    Pin<Box<dyn futures_util::Stream<Item = Result<web::Bytes, error::PayloadError>>>>;

use support::cases::{Answer, Case, TestKeys, caller_body, check_cases};
use support::{CapturedLogs, PRIMARY, assert_unauthenticated, init_env, read};

// `#[get]` above the attribute.
#[get("/plain")]
#[secret_bearer(env = "SB_TEST_PRIMARY", alt_env = "SB_TEST_ALTERNATE")]
async fn plain() -> impl Responder {
    "hello"
}

// `#[get]` below the attribute, with clearskies' names for the keys.
#[secret_bearer(environment_key = "SB_TEST_PRIMARY", header_prefix = "Bearer ")]
#[get("/bearer")]
async fn bearer() -> HttpResponse {
    HttpResponse::Ok().body("hello")
}

#[derive(Deserialize)]
struct Widget {
    name: String,
}

#[derive(Deserialize)]
struct Page {
    page: u32,
}

/// Many extractors, a `Result` return and `?` in the body.
#[post("/groups/{group}/widgets")]
#[secret_bearer(env = "SB_TEST_PRIMARY")]
async fn create(
    req: HttpRequest,
    group: web::Path<String>,
    page: web::Query<Page>,
    widget: web::Json<Widget>,
    greeting: web::Data<String>,
) -> Result<HttpResponse, actix_web::Error> {
    let count: u32 = req
        .headers()
        .get("x-count")
        .ok_or_else(|| error::ErrorBadRequest("no x-count"))?
        .to_str()
        .map_err(error::ErrorBadRequest)?
        .parse()
        .map_err(error::ErrorBadRequest)?;
    let body = format!(
        "{} {group} {} page {} x{count}",
        greeting.as_str(),
        widget.name,
        page.page
    );
    Ok(HttpResponse::Created().body(body))
}

/// Destructuring, `_` and `mut` patterns.
#[get("/patterns/{a}/{b}")]
#[secret_bearer(env = "SB_TEST_PRIMARY")]
async fn patterns(
    mut path: web::Path<(u32, u32)>,
    _: HttpRequest,
    web::Query(Page { mut page }): web::Query<Page>,
) -> String {
    path.0 += 10;
    page += 1;
    format!("{} {page}", path.0 + path.1)
}

/// Generics and a where-clause, served through `web::resource(..).to(..)`.
#[secret_bearer(env = "SB_TEST_PRIMARY")]
async fn generic<T>(data: web::Data<T>) -> String
where
    T: std::fmt::Display + 'static,
{
    data.to_string()
}

#[get("/missing")]
#[secret_bearer(env = "SB_TEST_UNSET_MISSING")]
async fn missing() -> &'static str {
    "never"
}

#[get("/empty")]
#[secret_bearer(env = "SB_TEST_EMPTY")]
async fn empty() -> &'static str {
    "never"
}

#[get("/keys")]
#[secret_bearer(keys_env = "SB_TEST_KEYS", prefix = "Bearer ")]
async fn keys(caller: secret_bearer::Caller) -> String {
    caller_body(&caller)
}

#[get("/scoped")]
#[secret_bearer(keys_env = "SB_TEST_KEYS", prefix = "Bearer ", scopes = ["admin"])]
async fn scoped(caller: secret_bearer::Caller) -> String {
    caller_body(&caller)
}

#[get("/named-scoped")]
#[secret_bearer(TestKeys, scopes = ["reports"])]
async fn named_scoped(caller: secret_bearer::Caller) -> String {
    caller_body(&caller)
}

#[get("/blank")]
#[secret_bearer(env = "SB_TEST_BLANK")]
async fn blank() -> &'static str {
    "never"
}

#[get("/padded")]
#[secret_bearer(env = "SB_TEST_PADDED")]
async fn padded() -> &'static str {
    "never"
}

// The shared table's `/named`: a named bearer, by its path.
#[get("/named")]
#[secret_bearer(support::cases::TestKey)]
async fn named() -> &'static str {
    "hello"
}

/// A named bearer of this file's own, for the test that its handlers share it.
#[secret_bearer(env = "SB_TEST_PRIMARY", alt_env = "SB_TEST_ALTERNATE")]
struct SharedKey;

#[get("/shared/one")]
#[secret_bearer(SharedKey)]
async fn shared_one() -> &'static str {
    "one"
}

#[post("/shared/{id}")]
#[secret_bearer(SharedKey)]
async fn shared_two(id: web::Path<u32>, widget: web::Json<Widget>) -> String {
    format!("{id} {}", widget.name)
}

/// Two handlers written with the same keys, in another order and spelling: they share one
/// bearer, as handlers naming one do. (Keys of their own: no other test's requests reach it.)
#[get("/same/one")]
#[secret_bearer(
    env = "SB_TEST_PRIMARY",
    alt_env = "SB_TEST_ALTERNATE",
    prefix = "Token "
)]
async fn same_keys_one() -> &'static str {
    "one"
}

#[post("/same/{id}")]
#[secret_bearer(
    header_prefix = "Token ",
    alternate_environment_key = "SB_TEST_ALTERNATE",
    env = "SB_TEST_PRIMARY"
)]
async fn same_keys_two(id: web::Path<u32>, widget: web::Json<Widget>) -> String {
    format!("{id} {}", widget.name)
}

/// Counts how often its extractor runs.
static SPY_EXTRACTIONS: AtomicUsize = AtomicUsize::new(0);
/// Set when anything polls the request body of `/spied`.
static BODY_POLLED: AtomicBool = AtomicBool::new(false);

struct Spy;

impl FromRequest for Spy {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
        SPY_EXTRACTIONS.fetch_add(1, Ordering::SeqCst);
        ready(Ok(Spy))
    }
}

#[post("/spied")]
#[secret_bearer(env = "SB_TEST_PRIMARY")]
async fn spied(_spy: Spy, widget: web::Json<Widget>) -> String {
    widget.into_inner().name
}

macro_rules! app {
    () => {{
        init_env();
        test::init_service(
            App::new()
                .app_data(web::Data::new(String::from("hi")))
                .service(plain)
                .service(bearer)
                .service(create)
                .service(patterns)
                .service(web::resource("/generic").to(generic::<String>))
                .service(missing)
                .service(empty)
                .service(keys)
                .service(scoped)
                .service(named_scoped)
                .service(blank)
                .service(padded)
                .service(spied)
                .service(named),
        )
        .await
    }};
}

fn get(uri: &str, authorization: Option<&str>) -> test::TestRequest {
    let request = test::TestRequest::get().uri(uri);
    match authorization {
        Some(value) => request.insert_header((AUTHORIZATION, value)),
        None => request,
    }
}

/// actix-web's answer to one request of the shared table.
async fn answer<S>(app: &S, case: &Case) -> Answer
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse,
            Error = actix_web::Error,
        >,
{
    let mut request = test::TestRequest::get().uri(case.route.path());
    for value in &case.authorization {
        request = request.append_header((AUTHORIZATION, value.as_str()));
    }
    let response = test::call_service(app, request.to_request()).await;
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .map(|value| value.to_str().unwrap().to_owned());
    let (status, body) = read(response).await;
    (status, body, challenge)
}

#[actix_web::test]
async fn every_rule_of_the_check_answers_as_the_shared_table_says() {
    let app = app!();
    for case in check_cases() {
        case.assert(answer(&app, &case).await);
    }
}

#[actix_web::test]
async fn a_misconfigured_handler_fails_closed_and_logs_the_source_never_the_value() {
    let app = app!();
    for (uri, logged) in [
        (
            "/missing",
            "environment variable `SB_TEST_UNSET_MISSING` is not set, or is empty",
        ),
        (
            "/blank",
            "environment variable `SB_TEST_BLANK` is not set, or is empty",
        ),
        (
            "/padded",
            "environment variable `SB_TEST_PADDED` cannot be used as a secret: it starts or ends",
        ),
    ] {
        for authorization in [None, Some(PRIMARY), Some(" LEAKED-VALUE")] {
            let logs = CapturedLogs::start();
            let response = test::call_service(&app, get(uri, authorization).to_request()).await;
            let headers = response.headers().clone();
            assert_eq!(
                read(response).await,
                (500, support::MISCONFIGURED_BODY.to_owned()),
                "{uri}"
            );
            assert!(headers.get("www-authenticate").is_none());
            let logs = logs.text();
            assert_eq!(
                logs.matches("ERROR").count(),
                1,
                "one event per request: {logs}"
            );
            assert!(logs.contains(logged), "{logs}");
            assert!(!logs.contains("LEAKED-VALUE"), "{logs}");
        }
    }
}

#[actix_web::test]
async fn an_unauthenticated_request_runs_no_other_extractor_and_leaves_its_body_unread() {
    let app = app!();
    let request = |authorization: Option<&str>| {
        let mut request = test::TestRequest::post()
            .uri("/spied")
            .insert_header((CONTENT_TYPE, "application/json"));
        if let Some(value) = authorization {
            request = request.insert_header((AUTHORIZATION, value));
        }
        // A body that is not JSON, and that records being read.
        let body: BoxedPayloadStream = Box::pin(futures_util::stream::once(async {
            BODY_POLLED.store(true, Ordering::SeqCst);
            Ok(web::Bytes::from_static(b"{not json"))
        }));
        request.to_request().replace_payload(Payload::from(body)).0
    };
    for refused in [None, Some("NOTTHESECRET")] {
        let response = test::call_service(&app, request(refused)).await;
        assert_unauthenticated(response).await;
    }
    assert_eq!(SPY_EXTRACTIONS.load(Ordering::SeqCst), 0);
    assert!(!BODY_POLLED.load(Ordering::SeqCst));

    // The same request, authenticated: the other extractors run, and `Json` reports the body.
    let response = test::call_service(&app, request(Some(PRIMARY))).await;
    assert_eq!(response.status(), 400);
    assert_eq!(SPY_EXTRACTIONS.load(Ordering::SeqCst), 1);
    assert!(BODY_POLLED.load(Ordering::SeqCst));
}

#[actix_web::test]
async fn handlers_keep_their_extractors_return_types_and_errors() {
    let app = app!();
    let request = |authorization: Option<&str>, count: Option<&str>| {
        let mut request = test::TestRequest::post()
            .uri("/groups/tools/widgets?page=2")
            .set_json(serde_json::json!({ "name": "Thinga" }));
        if let Some(value) = authorization {
            request = request.insert_header((AUTHORIZATION, value));
        }
        if let Some(count) = count {
            request = request.insert_header(("x-count", count));
        }
        request.to_request()
    };
    let response = test::call_service(&app, request(Some(PRIMARY), Some("3"))).await;
    assert_eq!(
        read(response).await,
        (201, "hi tools Thinga page 2 x3".to_owned())
    );
    // The body's own `?` still answers for itself.
    let response = test::call_service(&app, request(Some(PRIMARY), Some("three"))).await;
    assert_eq!(response.status(), 400);
    let response = test::call_service(&app, request(None, Some("3"))).await;
    assert_unauthenticated(response).await;
}

#[actix_web::test]
async fn patterns_generics_and_resources_survive_the_rewrite() {
    let app = app!();
    let response = test::call_service(
        &app,
        get("/patterns/1/2?page=5", Some(PRIMARY)).to_request(),
    )
    .await;
    assert_eq!(read(response).await, (200, "13 6".to_owned()));
    let response = test::call_service(&app, get("/generic", Some(PRIMARY)).to_request()).await;
    assert_eq!(read(response).await, (200, "hi".to_owned()));
    let response = test::call_service(&app, get("/generic", None).to_request()).await;
    assert_unauthenticated(response).await;
}

#[actix_web::test]
async fn handlers_and_middleware_naming_one_bearer_share_it() {
    init_env();
    let logs = CapturedLogs::start();
    let app = test::init_service(
        App::new().service(shared_one).service(shared_two).service(
            web::scope("/scoped")
                .wrap(SharedKey::bearer().unwrap().clone())
                .route("", web::get().to(|| async { "scoped" })),
        ),
    )
    .await;
    let request = |uri| match uri {
        "/shared/7" => test::TestRequest::post()
            .uri(uri)
            .set_json(serde_json::json!({"name": "w"})),
        _ => test::TestRequest::get().uri(uri),
    };
    for (uri, answer) in [
        ("/shared/one", "one"),
        ("/shared/7", "7 w"),
        ("/scoped", "scoped"),
    ] {
        for key in [support::ALTERNATE, PRIMARY] {
            let request = request(uri).insert_header((AUTHORIZATION, key));
            let response = test::call_service(&app, request.to_request()).await;
            assert_eq!(read(response).await, (200, answer.to_owned()), "{uri}");
        }
        let response = test::call_service(&app, request(uri).to_request()).await;
        assert_eq!(response.status(), 401, "{uri}");
    }
    // One bearer: its report of older keys in use is made once a minute, whichever of its
    // handlers (or its middleware) saw the alternate. A bearer per handler would report thrice.
    let reports = logs.text().matches("older keys are still in use").count();
    assert_eq!(reports, 1, "{}", logs.text());
    assert!(std::ptr::eq(
        SharedKey::bearer().unwrap(),
        SharedKey::bearer().unwrap()
    ));
}

#[actix_web::test]
async fn handlers_written_with_the_same_keys_share_one_bearer() {
    init_env();
    let logs = CapturedLogs::start();
    let app = test::init_service(App::new().service(same_keys_one).service(same_keys_two)).await;
    let request = |uri| match uri {
        "/same/7" => test::TestRequest::post()
            .uri(uri)
            .set_json(serde_json::json!({"name": "w"})),
        _ => test::TestRequest::get().uri(uri),
    };
    for (uri, answer) in [("/same/one", "one"), ("/same/7", "7 w")] {
        for key in [support::ALTERNATE, PRIMARY] {
            let request = request(uri).insert_header((AUTHORIZATION, format!("Token {key}")));
            let response = test::call_service(&app, request.to_request()).await;
            assert_eq!(read(response).await, (200, answer.to_owned()), "{uri}");
        }
        let request = request(uri).insert_header((AUTHORIZATION, PRIMARY));
        let response = test::call_service(&app, request.to_request()).await;
        assert_eq!(response.status(), 401, "{uri}");
    }
    // One bearer, one report of older keys in use, though both handlers saw the alternate.
    let reports = logs.text().matches("older keys are still in use").count();
    assert_eq!(reports, 1, "{}", logs.text());
}
