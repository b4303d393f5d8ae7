//! `#[secret_bearer]` on axum handlers, the axum extractors, and the tower layer in front of an
//! axum `Router`: the shared table of the check's rules, and the guarantees actix-web's tests
//! pin (the check before every extractor, the body unread, the 401 over every rejection).

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, Request, request::Parts};
use axum::routing::{get, post};
use axum::{Extension, Json};
use http_body_util::BodyExt;
use secret_bearer::tower::SecretBearerLayer;
use secret_bearer::{Authenticated, Caller, SecretBearer, secret_bearer};
use serde::Deserialize;
use tower::ServiceExt;

use support::cases::{Answer, Case, Route, TestKeys, caller_body, check_cases};
use support::{
    ALTERNATE, CapturedLogs, NOT_AUTHENTICATED, PRIMARY, assert_authorization_hidden, init_env,
};

#[secret_bearer(env = "SB_TEST_PRIMARY", alt_env = "SB_TEST_ALTERNATE")]
async fn plain() -> &'static str {
    "hello"
}

#[secret_bearer(environment_key = "SB_TEST_PRIMARY", header_prefix = "Bearer ")]
async fn bearer() -> String {
    "hello".to_owned()
}

#[utoipa::path(get, path = "/documented", responses((status = 200, description = "Hello")))]
#[secret_bearer(env = "SB_TEST_UNSET_MISSING", prefix = "Bearer ", doc = "AxumKey")]
async fn documented() -> &'static str {
    "never"
}

#[utoipa::path(get, path = "/layered/items", responses((status = 200, description = "Items")))]
#[allow(dead_code)] // documented, served by `layered_items`' route
async fn layered_items() -> &'static str {
    "items"
}

#[utoipa::path(get, path = "/open", responses((status = 200, description = "Open")))]
#[allow(dead_code)]
async fn open() -> &'static str {
    "open"
}

#[secret_bearer(env = "SB_TEST_UNSET_MISSING")]
async fn missing() -> &'static str {
    "never"
}

#[secret_bearer(keys_env = "SB_TEST_KEYS", prefix = "Bearer ")]
async fn keys(caller: Caller) -> String {
    caller_body(&caller)
}

#[secret_bearer(keys_env = "SB_TEST_KEYS", prefix = "Bearer ", scopes = ["admin"])]
async fn scoped(caller: Caller) -> String {
    caller_body(&caller)
}

#[secret_bearer(TestKeys, scopes = ["reports"])]
async fn named_scoped(caller: Caller) -> String {
    caller_body(&caller)
}

#[secret_bearer(env = "SB_TEST_EMPTY")]
async fn empty() -> &'static str {
    "never"
}

#[derive(Deserialize)]
struct Widget {
    name: String,
}

#[derive(Deserialize)]
struct Page {
    page: u32,
}

#[derive(Clone)]
struct AppState {
    greeting: &'static str,
}

/// Many extractors, the state, a caller and a body, in axum's order (the body last).
#[secret_bearer(env = "SB_TEST_PRIMARY", alt_env = "SB_TEST_ALTERNATE")]
async fn create(
    State(state): State<AppState>,
    Path(group): Path<String>,
    Query(Page { mut page }): Query<Page>,
    caller: Caller,
    Json(widget): Json<Widget>,
) -> (axum::http::StatusCode, String) {
    page += 1;
    let body = format!(
        "{} {group} {} page {page} by {}",
        state.greeting,
        widget.name,
        caller.name()
    );
    (axum::http::StatusCode::CREATED, body)
}

/// Generics and a where-clause.
#[secret_bearer(env = "SB_TEST_PRIMARY")]
async fn generic<T>(State(value): State<T>) -> String
where
    T: std::fmt::Display + Clone + Send + Sync + 'static,
{
    value.to_string()
}

// The shared table's `/named`: a named bearer, by its path, and a second handler naming it.
#[secret_bearer(support::cases::TestKey)]
async fn named() -> &'static str {
    "hello"
}

#[secret_bearer(support::cases::TestKey)]
async fn named_widget(Path(id): Path<u32>, Json(widget): Json<Widget>) -> String {
    format!("{id} {}", widget.name)
}

/// What a handler that logs `?request` would print of the request it was given.
#[secret_bearer(env = "SB_TEST_PRIMARY", prefix = "Bearer ")]
async fn printed_request(request: Request<Body>) -> String {
    format!("{request:?}")
}

/// What a handler that logs its headers would print.
#[secret_bearer(env = "SB_TEST_PRIMARY", prefix = "Bearer ")]
async fn printed_headers(headers: HeaderMap) -> String {
    format!("{headers:?}")
}

/// The same, beside a plain guard.
async fn guarded_headers(_: Authenticated, headers: HeaderMap) -> String {
    format!("{headers:?}")
}

/// Counts how often its extractor runs.
static SPY_EXTRACTIONS: AtomicUsize = AtomicUsize::new(0);
/// Set when anything polls the request body of `/spied`.
static BODY_POLLED: AtomicBool = AtomicBool::new(false);

struct Spy;

impl<S: Send + Sync> FromRequestParts<S> for Spy {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        SPY_EXTRACTIONS.fetch_add(1, Ordering::SeqCst);
        Ok(Spy)
    }
}

#[secret_bearer(env = "SB_TEST_PRIMARY")]
async fn spied(_spy: Spy, Json(widget): Json<Widget>) -> String {
    widget.name
}

/// A plain guard, first, with the bearer in the request's extensions.
async fn guarded(_: Authenticated, caller: Caller) -> String {
    caller.name().to_owned()
}

/// No check at all: a `Caller` here is the service's mistake.
async fn unprotected(caller: Caller) -> String {
    caller.name().to_owned()
}

fn app() -> Router {
    init_env();
    let state = AppState { greeting: "hi" };
    Router::new()
        .route("/plain", get(plain))
        .route("/bearer", get(bearer))
        .route("/missing", get(missing))
        .route("/empty", get(empty))
        .route("/keys", get(keys))
        .route("/scoped", get(scoped))
        .route("/named-scoped", get(named_scoped))
        .route("/named", get(named))
        .route("/named/{id}", post(named_widget))
        .route("/documented", get(documented))
        .route("/groups/{group}/widgets", post(create))
        .route("/spied", post(spied))
        .route("/guarded", get(guarded))
        .route("/unprotected", get(unprotected))
        .route("/printed/request", get(printed_request))
        .route("/printed/headers", get(printed_headers))
        .route("/printed/guarded", get(guarded_headers))
        .layer(Extension(Route::Plain.bearer()))
        .with_state(state)
        .merge(
            Router::new()
                .route("/generic", get(generic::<String>))
                .with_state("hi".to_owned()),
        )
}

/// The routes of the shared table, each behind a layer of its route's configuration.
fn layered() -> Router {
    init_env();
    Route::ALL.into_iter().fold(Router::new(), |router, route| {
        let handler = match route {
            _ if route.names_its_caller() => {
                get(|caller: Caller| async move { caller_body(&caller) })
            }
            _ => get(|| async { "hello" }),
        };
        router.merge(
            Router::new()
                .route(route.path(), handler)
                .layer(SecretBearerLayer::new(route.bearer())),
        )
    })
}

fn request(method: &str, uri: &str, authorization: &[&str], body: Body) -> Request<Body> {
    let mut request = Request::builder().method(method).uri(uri);
    for value in authorization {
        request = request.header(AUTHORIZATION, *value);
    }
    request.body(body).unwrap()
}

/// The router's answer: status, body, `WWW-Authenticate`.
async fn call(router: &Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.unwrap();
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .map(|value| value.to_str().unwrap().to_owned());
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap(), challenge)
}

async fn answer(router: &Router, case: &Case) -> Answer {
    let authorization: Vec<&str> = case.authorization.iter().map(String::as_str).collect();
    call(
        router,
        request("GET", case.route.path(), &authorization, Body::empty()),
    )
    .await
}

#[tokio::test]
async fn the_attribute_answers_every_rule_as_the_shared_table_says() {
    let app = app();
    for case in check_cases() {
        case.assert(answer(&app, &case).await);
    }
}

#[tokio::test]
async fn the_layer_answers_every_rule_as_the_shared_table_says() {
    let app = layered();
    for case in check_cases() {
        case.assert(answer(&app, &case).await);
    }
}

#[tokio::test]
async fn an_unauthenticated_request_runs_no_other_extractor_and_leaves_its_body_unread() {
    let app = app();
    let spied = |authorization: &[&str]| {
        let body = Body::from_stream(futures_util::stream::once(async {
            BODY_POLLED.store(true, Ordering::SeqCst);
            Ok::<_, std::io::Error>("{not json")
        }));
        let mut request = request("POST", "/spied", authorization, body);
        request
            .headers_mut()
            .insert(CONTENT_TYPE, "application/json".parse().unwrap());
        request
    };
    for refused in [&[][..], &["NOTTHESECRET"]] {
        let (status, body, _) = call(&app, spied(refused)).await;
        assert_eq!((status, body.as_str()), (401, NOT_AUTHENTICATED));
    }
    assert_eq!(SPY_EXTRACTIONS.load(Ordering::SeqCst), 0);
    assert!(!BODY_POLLED.load(Ordering::SeqCst));

    // Authenticated: the other extractors run, and `Json` reports the body.
    let (status, _, _) = call(&app, spied(&[PRIMARY])).await;
    assert_eq!(status, 400);
    assert_eq!(SPY_EXTRACTIONS.load(Ordering::SeqCst), 1);
    assert!(BODY_POLLED.load(Ordering::SeqCst));
}

#[tokio::test]
async fn handlers_keep_their_extractors_state_and_return_types() {
    let app = app();
    let create = |authorization: &[&str], uri: &str, json: &str| {
        let mut request = request("POST", uri, authorization, Body::from(json.to_owned()));
        request
            .headers_mut()
            .insert(CONTENT_TYPE, "application/json".parse().unwrap());
        request
    };
    let uri = "/groups/tools/widgets?page=2";
    let widget = r#"{"name":"Thinga"}"#;
    let (status, body, _) = call(&app, create(&[ALTERNATE], uri, widget)).await;
    assert_eq!(
        (status, body.as_str()),
        (201, "hi tools Thinga page 3 by alternate")
    );
    // The 401 wins over every other rejection: a bad query and a bad body, unauthenticated.
    let (status, body, _) = call(&app, create(&[], "/groups/tools/widgets?page=x", "{")).await;
    assert_eq!((status, body.as_str()), (401, NOT_AUTHENTICATED));
    // Authenticated, the extractors answer for themselves.
    let (status, _, _) = call(
        &app,
        create(&[PRIMARY], "/groups/tools/widgets?page=x", widget),
    )
    .await;
    assert_eq!(status, 400);

    let (status, body, _) = call(&app, request("GET", "/generic", &[PRIMARY], Body::empty())).await;
    assert_eq!((status, body.as_str()), (200, "hi"));
    let (status, _, _) = call(&app, request("GET", "/generic", &[], Body::empty())).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_plain_guard_and_the_caller_read_the_bearer_and_the_verdict_from_the_extensions() {
    let app = app();
    let (status, body, _) = call(
        &app,
        request("GET", "/guarded", &[ALTERNATE], Body::empty()),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "alternate"));
    let (status, _, challenge) = call(&app, request("GET", "/guarded", &[], Body::empty())).await;
    assert_eq!((status, challenge.as_deref()), (401, Some("ApiKey")));

    let logs = CapturedLogs::start();
    let (status, body, _) = call(
        &app,
        request("GET", "/unprotected", &[PRIMARY], Body::empty()),
    )
    .await;
    assert_eq!((status, body.as_str()), (500, support::MISCONFIGURED_BODY));
    assert!(logs.text().contains("ERROR"), "{}", logs.text());
}

#[tokio::test]
async fn a_plain_guard_without_a_bearer_fails_closed() {
    let app: Router = Router::new().route("/guarded", get(guarded));
    let (status, body, _) = call(&app, request("GET", "/guarded", &[PRIMARY], Body::empty())).await;
    assert_eq!((status, body.as_str()), (500, support::MISCONFIGURED_BODY));
}

#[test]
fn openapi_documents_annotated_axum_handlers_and_the_paths_of_a_layer() {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(documented, layered_items, open))]
    struct ApiDoc;

    let mut doc = <ApiDoc as utoipa::OpenApi>::openapi();
    assert_eq!(secret_bearer::openapi::document_handlers(&mut doc), Ok(1));
    // The bearer the layer is given documents the paths it protects.
    let bearer = Route::Plain.bearer();
    assert_eq!(bearer.document_paths(&mut doc, "/layered"), Ok(1));
    let doc = serde_json::to_value(&doc).unwrap();
    let security = |path: &str| doc["paths"][path]["get"]["security"].clone();
    assert_eq!(
        security("/documented"),
        serde_json::json!([{ "AxumKey": [] }])
    );
    assert_eq!(
        security("/layered/items"),
        serde_json::json!([{ "ApiKey": [] }])
    );
    assert_eq!(security("/open"), serde_json::Value::Null);
    assert_eq!(
        doc["components"]["securitySchemes"]["AxumKey"],
        serde_json::json!({ "type": "http", "scheme": "bearer" })
    );
}

#[tokio::test]
async fn the_layer_leaves_the_caller_for_the_handler_and_protects_only_what_it_wraps() {
    init_env();
    let app: Router = Router::new()
        .route(
            "/who",
            get(|caller: Caller| async move { caller.name().to_owned() }),
        )
        .layer(SecretBearerLayer::new(
            SecretBearer::builder()
                .env("SB_TEST_PRIMARY")
                .alt_env("SB_TEST_ALTERNATE")
                .prefix("Bearer ")
                .build()
                .unwrap(),
        ))
        .route("/open", get(|| async { "open" }));
    let bearer = format!("Bearer {PRIMARY}");
    let (status, body, _) = call(&app, request("GET", "/who", &[&bearer], Body::empty())).await;
    assert_eq!((status, body.as_str()), (200, "primary"));
    let (status, body, _) = call(&app, request("GET", "/open", &[], Body::empty())).await;
    assert_eq!((status, body.as_str()), (200, "open"));
    let (status, _, challenge) = call(&app, request("GET", "/who", &[], Body::empty())).await;
    assert_eq!((status, challenge.as_deref()), (401, Some("Bearer")));
}

#[tokio::test]
async fn a_second_handler_naming_the_bearer_checks_first_then_extracts() {
    let app = app();
    let post = |authorization: &[&str], body: &'static str| {
        let mut request = request("POST", "/named/7", authorization, Body::from(body));
        request
            .headers_mut()
            .insert(CONTENT_TYPE, "application/json".parse().unwrap());
        request
    };
    let accepted = call(&app, post(&["Bearer ALSOOKAY"], r#"{"name": "w"}"#)).await;
    assert_eq!((accepted.0, accepted.1.as_str()), (200, "7 w"));
    // The 401 wins over the body's own rejection, which a key would have met.
    for authorization in [&[][..], &["Bearer NOTTHESECRET"]] {
        assert_eq!(call(&app, post(authorization, "not json")).await.0, 401);
    }
    assert_eq!(
        call(&app, post(&["Bearer SUPERSECRET"], "not json"))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn handlers_and_extractors_after_the_check_see_the_key_marked_sensitive() {
    let app = app();
    let bearer = format!("Bearer {PRIMARY}");
    for (uri, authorization) in [
        ("/printed/request", bearer.as_str()),
        ("/printed/headers", &bearer),
        ("/printed/guarded", PRIMARY),
    ] {
        let (status, printed, _) =
            call(&app, request("GET", uri, &[authorization], Body::empty())).await;
        assert_eq!(status, 200, "{uri}");
        assert_authorization_hidden(&printed);
    }
}

#[tokio::test]
async fn what_the_layer_wraps_sees_the_key_marked_sensitive() {
    init_env();
    let app: Router = Router::new()
        .route(
            "/request",
            get(|request: Request<Body>| async move { format!("{request:?}") }),
        )
        .route(
            "/headers",
            get(|headers: HeaderMap| async move { format!("{headers:?}") }),
        )
        .layer(SecretBearerLayer::new(Route::Bearer.bearer()));
    let bearer = format!("Bearer {PRIMARY}");
    for uri in ["/request", "/headers"] {
        let (status, printed, _) = call(&app, request("GET", uri, &[&bearer], Body::empty())).await;
        assert_eq!(status, 200, "{uri}");
        assert_authorization_hidden(&printed);
    }
}
