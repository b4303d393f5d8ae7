//! The tower layer in front of gRPC: the `tonic_health` example called by a tonic client
//! (refused as `UNAUTHENTICATED`, answered with the key), gRPC's answer to a misconfiguration,
//! and a store-backed bearer whose future is `Send` and waits for its store.

mod support;

use std::convert::Infallible;
use std::sync::LazyLock;
use std::time::Duration;

use axum::body::Body;
use http::{Request, Response, Version};
use http_body_util::BodyExt;
use secret_bearer::client::SecretBearerClientLayer;
use secret_bearer::tower::SecretBearerLayer;
use secret_bearer::{CachePolicy, Caller, SecretBearer, SecretStore};
use tonic::Code;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tower::{Layer, ServiceExt, service_fn};

use support::NOT_AUTHENTICATED;
use support::scripted::Scripted;
use support::servers::Server;

/// The example's answer to a health check sent with `authorization` (if any).
async fn check(port: u16, authorization: Option<&str>) -> Result<ServingStatus, Code> {
    let channel = Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let value: Option<MetadataValue<_>> = authorization.map(|value| value.parse().unwrap());
    let mut client =
        HealthClient::with_interceptor(channel, move |mut request: tonic::Request<()>| {
            if let Some(value) = &value {
                request
                    .metadata_mut()
                    .insert("authorization", value.clone());
            }
            Ok(request)
        });
    match client.check(HealthCheckRequest::default()).await {
        Ok(response) => Ok(response.into_inner().status()),
        Err(status) => Err(status.code()),
    }
}

#[tokio::test]
async fn the_tonic_example_refuses_a_call_without_the_key_and_answers_one_with_it() {
    let example = Server::example("tonic_health", &[]);
    assert_eq!(check(example.port, None).await, Err(Code::Unauthenticated));
    assert_eq!(
        check(example.port, Some("Bearer NOTTHESECRET")).await,
        Err(Code::Unauthenticated)
    );
    assert_eq!(
        check(example.port, Some("SUPERSECRET")).await,
        Err(Code::Unauthenticated),
        "the prefix is required"
    );
    assert_eq!(
        check(example.port, Some("Bearer SUPERSECRET")).await,
        Ok(ServingStatus::Serving)
    );
}

/// A service that answers with the caller the layer left it.
async fn who(request: Request<Body>) -> Result<Response<Body>, Infallible> {
    let caller = request
        .extensions()
        .get::<Caller>()
        .map(|caller| caller.name().to_owned());
    Ok(Response::new(Body::from(caller.unwrap_or_default())))
}

/// A request to the health service over HTTP/2, as a gRPC call is.
fn request(content_type: &str, authorization: Option<&str>) -> Request<Body> {
    let mut request = Request::builder()
        .uri("/grpc.health.v1.Health/Check")
        .version(Version::HTTP_2)
        .header("content-type", content_type);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.body(Body::empty()).unwrap()
}

/// Status, `grpc-status`, content type and body of the layer's answer.
async fn answer(
    layer: &SecretBearerLayer,
    request: Request<Body>,
) -> (u16, Option<String>, String, String) {
    let response = layer.layer(service_fn(who)).oneshot(request).await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
    };
    let (grpc_status, content_type) = (
        header("grpc-status"),
        header("content-type").unwrap_or_default(),
    );
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        grpc_status,
        content_type,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn a_grpc_calls_refusal_is_grpc_status_16_or_13_and_any_other_is_clearskies() {
    support::init_env();
    let layer = SecretBearerLayer::new(
        SecretBearer::builder()
            .env("SB_TEST_PRIMARY")
            .build()
            .unwrap(),
    );
    let grpc = (200, Some("16"), "application/grpc", "");
    let http = (401, None, "application/json", NOT_AUTHENTICATED);
    for (version, content_type, expected) in [
        (Version::HTTP_2, "application/grpc", grpc),
        (Version::HTTP_2, "application/grpc+proto", grpc),
        (Version::HTTP_2, "Application/GRPC", grpc),
        (Version::HTTP_2, "application/grpc;charset=utf-8", grpc),
        (Version::HTTP_3, "application/grpc", grpc),
        // gRPC-web: its clients read a 401 as UNAUTHENTICATED.
        (Version::HTTP_2, "application/grpc-web", http),
        (Version::HTTP_2, "Application/GRPC-Web+proto", http),
        (Version::HTTP_2, "application/grpc-web-text", http),
        (Version::HTTP_2, "application/grpcx", http),
        (Version::HTTP_2, "application/json", http),
        // No gRPC call is HTTP/1.x: a plain route's refusal stays a 401.
        (Version::HTTP_11, "application/grpc", http),
        (Version::HTTP_10, "application/grpc+proto", http),
    ] {
        let mut request = request(content_type, None);
        *request.version_mut() = version;
        let (status, grpc_status, answered_type, body) = answer(&layer, request).await;
        assert_eq!(
            (
                status,
                grpc_status.as_deref(),
                answered_type.as_str(),
                body.as_str()
            ),
            expected,
            "{version:?} {content_type}"
        );
    }
    let (status, _, _, body) =
        answer(&layer, request("application/grpc", Some(support::PRIMARY))).await;
    assert_eq!((status, body.as_str()), (200, "primary"));

    let missing = SecretBearerLayer::new(
        SecretBearer::builder()
            .env("SB_TEST_UNSET_GRPC")
            .build()
            .unwrap(),
    );
    let (status, grpc_status, _, _) = answer(
        &missing,
        request("application/grpc", Some(support::PRIMARY)),
    )
    .await;
    assert_eq!((status, grpc_status.as_deref()), (200, Some("13")));
    let (status, grpc_status, _, body) =
        answer(&missing, request("text/plain", Some(support::PRIMARY))).await;
    assert_eq!(
        (status, grpc_status, body.as_str()),
        (500, None, support::MISCONFIGURED_BODY)
    );

    // A caller without a required scope: gRPC's PERMISSION_DENIED, HTTP's 403.
    let scoped = SecretBearerLayer::new(
        SecretBearer::builder()
            .keys_env("SB_TEST_KEYS")
            .scopes(["admin"])
            .build()
            .unwrap(),
    );
    let (status, grpc_status, _, _) =
        answer(&scoped, request("application/grpc", Some("BOBOLD"))).await;
    assert_eq!((status, grpc_status.as_deref()), (200, Some("7")));
    let (status, grpc_status, _, body) =
        answer(&scoped, request("text/plain", Some("BOBOLD"))).await;
    assert_eq!(
        (status, grpc_status, body.as_str()),
        (403, None, support::NOT_AUTHORIZED)
    );
    let (status, _, _, body) = answer(&scoped, request("application/grpc", Some("ERINKEY"))).await;
    assert_eq!((status, body.as_str()), (200, "erin"));
}

/// Serves, on one axum router behind the layer, the health service and a plain HTTP route,
/// `/plain`, over HTTP/1.1 and HTTP/2 (axum's `http2`) on a free loopback port.
async fn serve_grpc_and_http() -> u16 {
    support::init_env();
    let (_, health) = tonic_health::server::health_reporter();
    let bearer = SecretBearer::builder()
        .env("SB_TEST_PRIMARY")
        .prefix("Bearer ")
        .build()
        .unwrap();
    let app = tonic::service::Routes::new(health)
        .into_axum_router()
        .route("/plain", axum::routing::get(|| async { "hello" }))
        .layer(SecretBearerLayer::new(bearer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

/// Status, HTTP version, `grpc-status` and body of an answer.
async fn parts<B: axum::body::HttpBody>(
    response: Response<B>,
) -> (u16, Version, Option<String>, String)
where
    B::Error: std::fmt::Debug,
{
    let grpc_status = response
        .headers()
        .get("grpc-status")
        .map(|value| value.to_str().unwrap().to_owned());
    let (status, version) = (response.status().as_u16(), response.version());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        version,
        grpc_status,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn one_router_refuses_grpc_calls_as_grpc_and_plain_http_with_a_401_whatever_its_type() {
    let port = serve_grpc_and_http().await;
    assert_eq!(check(port, None).await, Err(Code::Unauthenticated));
    assert_eq!(
        check(port, Some("Bearer SUPERSECRET")).await,
        Ok(ServingStatus::Serving)
    );

    // HTTP/2 with prior knowledge, as gRPC clients speak: a tonic `Channel`, sent raw requests.
    let channel = Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let grpc = |status: &str| (200, Version::HTTP_2, Some(status.to_owned()), String::new());
    let http = (401, Version::HTTP_2, None, NOT_AUTHENTICATED.to_owned());
    for (path, content_type, expected) in [
        ("/plain", "application/grpc", grpc("16")),
        (
            "/grpc.health.v1.Health/Check",
            "application/grpc-web",
            http.clone(),
        ),
        ("/plain", "application/json", http.clone()),
    ] {
        let request = Request::builder()
            .uri(path)
            .header("content-type", content_type)
            .body(tonic::body::Body::empty())
            .unwrap();
        let response = channel.clone().oneshot(request).await.unwrap();
        assert_eq!(parts(response).await, expected, "{path} {content_type}");
    }

    // HTTP/1.1, with gRPC's content type: the 401 and clearskies' body, never a `200 OK`.
    let client = reqwest::Client::new();
    for path in ["/plain", "/grpc.health.v1.Health/Check"] {
        let response = client
            .post(format!("http://127.0.0.1:{port}{path}"))
            .header("content-type", "application/grpc")
            .send()
            .await
            .unwrap();
        let answer = (
            response.status().as_u16(),
            response.version(),
            response.headers().get("grpc-status").cloned(),
            response.text().await.unwrap(),
        );
        assert_eq!(
            answer,
            (401, Version::HTTP_11, None, NOT_AUTHENTICATED.to_owned()),
            "{path}"
        );
    }
}

/// A service that answers with what it would print of the request it was given.
async fn printed(request: Request<Body>) -> Result<Response<Body>, Infallible> {
    Ok(Response::new(Body::from(format!("{request:?}"))))
}

#[tokio::test(start_paused = true)]
async fn the_service_the_layer_wraps_sees_the_key_marked_sensitive() {
    support::init_env();
    let from_env = SecretBearer::builder()
        .env("SB_TEST_PRIMARY")
        .build()
        .unwrap();
    let from_store = SecretBearer::builder().secret("api/key").build().unwrap();
    let store = SecretStore::new(Scripted::new(&[("api/key", support::PRIMARY)]));
    // Both ways a check runs: in place (environment variables), and waiting for a store (the
    // service's own, in the request's extensions).
    for (bearer, store) in [(from_env, None), (from_store, Some(store))] {
        let mut request = request("text/plain", Some(support::PRIMARY));
        if let Some(store) = store {
            request.extensions_mut().insert(store);
        }
        let response = SecretBearerLayer::new(bearer)
            .layer(service_fn(printed))
            .oneshot(request)
            .await
            .unwrap();
        let (status, _, _, printed) = parts(response).await;
        assert_eq!(status, 200, "{printed}");
        support::assert_authorization_hidden(&printed);
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[tokio::test(start_paused = true)]
async fn a_store_backed_layer_waits_for_its_store_in_a_send_future() {
    let scripted = Scripted::new(&[("api/key", "K3Y")]);
    scripted.latency(Duration::from_secs(2));
    let bearer = SecretBearer::builder().secret("api/key").build().unwrap();
    let layer = SecretBearerLayer::new(bearer.clone());
    let store = SecretStore::new(scripted.clone());
    let call = |authorization| {
        let mut request = request("text/plain", authorization);
        request.extensions_mut().insert(store.clone());
        assert_send(layer.layer(service_fn(who)).oneshot(request))
    };
    let response = call(Some("K3Y")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(scripted.fetches().len(), 1, "the store was asked");
    assert_eq!(call(Some("nope")).await.unwrap().status(), 401);

    // A store-backed bearer given no store of its own reads through the installed one, which
    // (when this binary's client tests have installed it) has no `api/key`: it fails closed.
    let storeless = SecretBearerLayer::new(bearer);
    let response = storeless
        .layer(service_fn(who))
        .oneshot(request("text/plain", Some("K3Y")))
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
}

/// A health check through the client layer, on a tonic `Channel` to the example.
async fn check_through(port: u16, layer: SecretBearerClientLayer) -> Result<ServingStatus, Code> {
    let channel = Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = HealthClient::new(tower::ServiceBuilder::new().layer(layer).service(channel));
    match client.check(HealthCheckRequest::default()).await {
        Ok(response) => Ok(response.into_inner().status()),
        Err(status) => Err(status.code()),
    }
}

/// The manager of this binary's installed store, which re-reads after a mismatch at once;
/// `path` set to `value` in it. Each test keeps to a path of its own.
fn installed(path: &str, value: &str) -> &'static Scripted {
    static SCRIPTED: LazyLock<Scripted> = LazyLock::new(|| {
        let scripted = Scripted::new(&[]);
        let policy = CachePolicy::default()
            .mismatch_min_age(Duration::ZERO)
            .mismatch_interval(Duration::ZERO);
        SecretStore::with_policy(scripted.clone(), policy)
            .install()
            .unwrap();
        scripted
    });
    SCRIPTED.set(path, value);
    &SCRIPTED
}

/// How many times the installed store fetched `path`.
fn fetches_of(scripted: &Scripted, path: &str) -> usize {
    let fetches = scripted.fetches();
    fetches.iter().filter(|fetch| fetch.path == path).count()
}

#[tokio::test]
async fn the_client_layer_authorizes_a_channel_and_reads_its_secret_again_after_unauthenticated() {
    let example = Server::example("tonic_health", &[]);
    // SAFETY: before any other thread of this test reads it; no other test reads it.
    unsafe { std::env::set_var("SB_GRPC_CLIENT_KEY", "SUPERSECRET") };
    let from_env = SecretBearer::builder()
        .env("SB_GRPC_CLIENT_KEY")
        .prefix("Bearer ")
        .build()
        .unwrap();
    let layer = SecretBearerClientLayer::new(from_env);
    assert_eq!(
        check_through(example.port, layer).await,
        Ok(ServingStatus::Serving)
    );

    // The installed store holds an old key; it is rotated in the store. The call with the
    // cached key is refused, and the next one carries the new key.
    let scripted = installed("client/channel-key", "OLDKEY");
    let managed = SecretBearer::builder()
        .secret("client/channel-key")
        .prefix("Bearer ")
        .build()
        .unwrap();
    let layer = SecretBearerClientLayer::new(managed);
    assert_eq!(
        check_through(example.port, layer.clone()).await,
        Err(Code::Unauthenticated)
    );
    scripted.set("client/channel-key", "SUPERSECRET");
    assert_eq!(
        check_through(example.port, layer.clone()).await,
        Err(Code::Unauthenticated),
        "the refused call read the store before it was rotated"
    );
    assert_eq!(
        check_through(example.port, layer).await,
        Ok(ServingStatus::Serving)
    );
    assert_eq!(
        fetches_of(scripted, "client/channel-key"),
        3,
        "the first read, one after each refusal"
    );
}

#[tokio::test]
async fn the_client_layer_in_front_of_the_server_layer_sends_the_key_and_rereads_after_a_401() {
    let scripted = installed("client/layer-key", "OLDKEY");
    let client = SecretBearer::builder()
        .secret("client/layer-key")
        .build()
        .unwrap();
    let server = SecretBearer::builder()
        .env("SB_GRPC_SERVER_KEY")
        .build()
        .unwrap();
    // SAFETY: as above.
    unsafe { std::env::set_var("SB_GRPC_SERVER_KEY", "NEWKEY") };
    let service = SecretBearerClientLayer::new(client)
        .layer(SecretBearerLayer::new(server).layer(service_fn(who)));
    let call = |authorization: Option<&str>| {
        let service = service.clone();
        let request = request("text/plain", authorization);
        async move { assert_send(service.oneshot(request)).await.unwrap() }
    };
    // A value the caller set is replaced by the key the store holds.
    assert_eq!(call(Some("NEWKEY")).await.status(), 401);
    scripted.set("client/layer-key", "NEWKEY");
    assert_eq!(call(None).await.status(), 401, "the cached key, once more");
    let response = call(None).await;
    assert_eq!(response.status(), 200, "read again after the 401");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "primary");
}
