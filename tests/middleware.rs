//! The runtime API without the attribute (SPEC §6): `SecretBearer` as middleware on an `App`
//! or a `Scope`, the `Authenticated` extractor with the bearer in the app data, and the
//! `RejectionHandler` hook that replaces refusals everywhere.

mod support;

use actix_web::dev::Service as _;
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use actix_web::{
    App, HttpMessage, HttpRequest, HttpResponse, Responder, ResponseError, get, test, web,
};
use secret_bearer::Caller;
use secret_bearer::actix::RejectionHandler;
use secret_bearer::{AuthErrorKind, Authenticated, SecretBearer, secret_bearer};
use support::cases::{Route, caller_body, check_cases};
use support::{
    ALTERNATE, CapturedLogs, MISCONFIGURED_BODY, PRIMARY, assert_authorization_hidden,
    assert_unauthenticated, get_request, init_env, read,
};

fn bearer(prefix: &'static str) -> SecretBearer {
    init_env();
    SecretBearer::builder()
        .env("SB_TEST_PRIMARY")
        .alt_env("SB_TEST_ALTERNATE")
        .prefix(prefix)
        .build()
        .unwrap()
}

async fn ok() -> impl Responder {
    "ok"
}

#[actix_web::test]
async fn the_middleware_answers_every_rule_as_the_shared_table_says() {
    init_env();
    let app = Route::ALL.into_iter().fold(App::new(), |app, route| {
        let scope = web::scope(route.path()).wrap(route.bearer());
        app.service(match route.names_its_caller() {
            true => scope.route(
                "",
                web::get().to(|caller: Caller| async move { caller_body(&caller) }),
            ),
            false => scope.route("", web::get().to(|| async { "hello" })),
        })
    });
    let app = test::init_service(app).await;
    for case in check_cases() {
        let mut request = test::TestRequest::get().uri(case.route.path());
        for value in &case.authorization {
            request = request.append_header((AUTHORIZATION, value.as_str()));
        }
        let response = test::call_service(&app, request.to_request()).await;
        let challenge = response
            .headers()
            .get(WWW_AUTHENTICATE)
            .map(|value| value.to_str().unwrap().to_owned());
        let (status, body) = read(response).await;
        case.assert((status, body, challenge));
    }
}

#[actix_web::test]
async fn the_middleware_protects_its_scope_and_nothing_else() {
    let app = test::init_service(
        App::new().route("/open", web::get().to(ok)).service(
            web::scope("/api")
                .wrap(bearer("Bearer "))
                .route("/items", web::get().to(ok)),
        ),
    )
    .await;
    let response = test::call_service(&app, get_request("/open", None)).await;
    assert_eq!(read(response).await, (200, "ok".to_owned()));
    let response = test::call_service(&app, get_request("/api/items", None)).await;
    assert_eq!(assert_unauthenticated(response).await, "Bearer");
    let response =
        test::call_service(&app, get_request("/api/items", Some("Bearer NOTTHESECRET"))).await;
    assert_eq!(
        assert_unauthenticated(response).await,
        r#"Bearer error="invalid_token""#
    );
    for accepted in [PRIMARY, ALTERNATE] {
        let authorization = format!("bearer {accepted}");
        let response =
            test::call_service(&app, get_request("/api/items", Some(&authorization))).await;
        assert_eq!(read(response).await, (200, "ok".to_owned()));
    }
}

#[actix_web::test]
async fn the_middleware_guards_a_whole_app_including_unknown_routes() {
    let app = test::init_service(App::new().wrap(bearer("")).route("/", web::get().to(ok))).await;
    let response = test::call_service(&app, get_request("/", Some(PRIMARY))).await;
    assert_eq!(read(response).await, (200, "ok".to_owned()));
    for uri in ["/", "/nowhere"] {
        let response = test::call_service(&app, get_request(uri, None)).await;
        assert_unauthenticated(response).await;
    }
}

#[actix_web::test]
async fn a_misconfigured_middleware_fails_closed() {
    let missing = SecretBearer::builder()
        .env("SB_TEST_UNSET_MIDDLEWARE")
        .build()
        .unwrap();
    let app = test::init_service(App::new().wrap(missing).route("/", web::get().to(ok))).await;
    let logs = CapturedLogs::start();
    let response = test::call_service(&app, get_request("/", Some(PRIMARY))).await;
    assert_eq!(read(response).await, (500, MISCONFIGURED_BODY.to_owned()));
    assert!(
        logs.text()
            .contains("environment variable `SB_TEST_UNSET_MIDDLEWARE` is not set, or is empty")
    );
}

async fn guarded(_: Authenticated) -> impl Responder {
    "ok"
}

async fn echo(auth: Authenticated<web::Json<serde_json::Value>>) -> HttpResponse {
    HttpResponse::Ok().json(auth.into_inner().into_inner())
}

#[actix_web::test]
async fn the_extractor_finds_the_bearer_in_app_data_either_way() {
    let plain = App::new().app_data(bearer(""));
    let data = App::new().app_data(web::Data::new(bearer("")));
    for app in [plain, data] {
        let app = test::init_service(app.route("/", web::get().to(guarded))).await;
        let response = test::call_service(&app, get_request("/", Some(PRIMARY))).await;
        assert_eq!(read(response).await, (200, "ok".to_owned()));
        let response = test::call_service(&app, get_request("/", Some("NOTTHESECRET"))).await;
        assert_unauthenticated(response).await;
    }
}

/// The guard alone, first among the handler's parameters, as its docs suggest.
async fn guarded_echo(_: Authenticated, body: web::Json<serde_json::Value>) -> HttpResponse {
    HttpResponse::Ok().json(body.into_inner())
}

#[actix_web::test]
async fn a_plain_guard_leaves_the_body_to_the_parameters_beside_it() {
    let app = test::init_service(
        App::new()
            .app_data(bearer(""))
            .route("/", web::post().to(guarded_echo)),
    )
    .await;
    let post = |authorization: &'static str| {
        test::TestRequest::post()
            .uri("/")
            .insert_header((AUTHORIZATION, authorization))
            .set_json(serde_json::json!({ "widget": 1 }))
            .to_request()
    };
    let response = test::call_service(&app, post(PRIMARY)).await;
    assert_eq!(read(response).await, (200, r#"{"widget":1}"#.to_owned()));
    assert_unauthenticated(test::call_service(&app, post("NOTTHESECRET")).await).await;
}

#[actix_web::test]
async fn the_extractor_without_a_bearer_fails_closed_and_says_why() {
    let app = test::init_service(App::new().route("/", web::get().to(guarded))).await;
    let logs = CapturedLogs::start();
    let response = test::call_service(&app, get_request("/", Some(PRIMARY))).await;
    assert_eq!(read(response).await, (500, MISCONFIGURED_BODY.to_owned()));
    assert!(
        logs.text().contains(
            "no `SecretBearer` is registered for this request: on actix-web, add it to the app \
             with `App::app_data(bearer)`"
        ),
        "{}",
        logs.text()
    );
}

#[actix_web::test]
async fn the_extractor_authenticates_before_extracting_what_it_wraps() {
    let app = test::init_service(
        App::new()
            .app_data(bearer(""))
            .route("/", web::post().to(echo)),
    )
    .await;
    let request = |authorization: Option<&str>, body: &'static str| {
        let request = test::TestRequest::post()
            .uri("/")
            .insert_header((CONTENT_TYPE, "application/json"))
            .set_payload(body);
        match authorization {
            Some(value) => request.insert_header((AUTHORIZATION, value)).to_request(),
            None => request.to_request(),
        }
    };
    let response = test::call_service(&app, request(None, "{not json")).await;
    assert_unauthenticated(response).await;
    let response = test::call_service(&app, request(Some(PRIMARY), "{not json")).await;
    assert_eq!(response.status(), 400);
    let response = test::call_service(&app, request(Some(PRIMARY), r#"{"a":1}"#)).await;
    assert_eq!(read(response).await, (200, r#"{"a":1}"#.to_owned()));
}

#[get("/hooked")]
#[secret_bearer(env = "SB_TEST_PRIMARY")]
async fn hooked() -> &'static str {
    "ok"
}

#[get("/misconfigured")]
#[secret_bearer(env = "SB_TEST_UNSET_HOOKED")]
async fn hooked_misconfigured() -> &'static str {
    "never"
}

#[actix_web::test]
async fn one_hook_replaces_every_refusal() {
    let hook = RejectionHandler::new(|req, error| {
        let reason = match error.kind() {
            AuthErrorKind::MissingCredential => "missing",
            AuthErrorKind::WrongCredential => "wrong",
            AuthErrorKind::Misconfigured { .. } => "broken",
            _ => "other",
        };
        let mut response = HttpResponse::build(ResponseError::status_code(error));
        if let Some(challenge) = error.challenge() {
            response.insert_header((WWW_AUTHENTICATE, challenge));
        }
        response.json(serde_json::json!({ "reason": reason, "path": req.path() }))
    });
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(hook))
            .service(hooked)
            .service(hooked_misconfigured)
            .service(
                web::scope("/api")
                    .wrap(bearer(""))
                    .route("/", web::get().to(ok)),
            ),
    )
    .await;
    for (uri, authorization, expected) in [
        ("/hooked", None, r#"{"path":"/hooked","reason":"missing"}"#),
        (
            "/hooked",
            Some("NOTTHESECRET"),
            r#"{"path":"/hooked","reason":"wrong"}"#,
        ),
        ("/api/", None, r#"{"path":"/api/","reason":"missing"}"#),
    ] {
        let response = test::call_service(&app, get_request(uri, authorization)).await;
        assert_eq!(response.headers().get(WWW_AUTHENTICATE).unwrap(), "ApiKey");
        assert_eq!(read(response).await, (401, expected.to_owned()));
    }
    let response = test::call_service(&app, get_request("/hooked", Some(PRIMARY))).await;
    assert_eq!(read(response).await, (200, "ok".to_owned()));
    let response = test::call_service(&app, get_request("/misconfigured", Some(PRIMARY))).await;
    assert!(response.headers().get(WWW_AUTHENTICATE).is_none());
    assert_eq!(
        read(response).await,
        (
            500,
            r#"{"path":"/misconfigured","reason":"broken"}"#.to_owned()
        )
    );
}

/// What a middleware inside the bearer's printed of the request it was passed.
#[derive(Clone)]
struct PrintedInside(String);

#[actix_web::test]
async fn what_the_middleware_wraps_sees_the_key_marked_sensitive() {
    let handler = |req: HttpRequest| async move {
        let inside = req.extensions().get::<PrintedInside>().cloned();
        web::Json([
            inside.map(|p| p.0).unwrap_or_default(),
            format!("{:?}", req.headers()),
        ])
    };
    let app = test::init_service(
        App::new().service(
            web::scope("/api")
                .route("/", web::get().to(handler))
                // Registered before the bearer: inside it, given what it passes on.
                .wrap_fn(|req, service| {
                    let printed = PrintedInside(format!("{req:?}"));
                    req.extensions_mut().insert(printed);
                    service.call(req)
                })
                .wrap(bearer("Bearer ")),
        ),
    )
    .await;
    let authorization = format!("Bearer {PRIMARY}");
    let response = test::call_service(&app, get_request("/api/", Some(&authorization))).await;
    let (status, body) = read(response).await;
    assert_eq!(status, 200, "{body}");
    let [inside, headers]: [String; 2] = serde_json::from_str(&body).unwrap();
    assert_authorization_hidden(&inside);
    assert_authorization_hidden(&headers);
}

#[actix_web::test]
async fn a_refusal_hook_sees_every_authorization_value_marked_sensitive() {
    let hook = RejectionHandler::new(|req, error| {
        HttpResponse::build(ResponseError::status_code(error)).body(format!("{:?}", req.headers()))
    });
    let app = test::init_service(
        App::new().app_data(web::Data::new(hook)).service(
            web::scope("/api")
                .wrap(bearer(""))
                .route("/", web::get().to(ok)),
        ),
    )
    .await;
    // Two values, both keys: refused, and neither is shown.
    let request = test::TestRequest::get()
        .uri("/api/")
        .append_header((AUTHORIZATION, PRIMARY))
        .append_header((AUTHORIZATION, ALTERNATE))
        .to_request();
    let (status, printed) = read(test::call_service(&app, request).await).await;
    assert_eq!(status, 401);
    assert_authorization_hidden(&printed);
}

/// What a handler guarded by the extractor prints of its `HttpRequest`.
async fn printed_request(_: Authenticated, req: HttpRequest) -> String {
    format!("{req:?}")
}

#[actix_web::test]
async fn behind_the_extractor_the_requests_own_debug_hides_the_key() {
    // The extractor is given the request read-only, so it cannot mark the header; actix-web's
    // `HttpRequest` hides it in `Debug` itself.
    let app = test::init_service(
        App::new()
            .app_data(bearer(""))
            .route("/", web::get().to(printed_request)),
    )
    .await;
    let (status, printed) =
        read(test::call_service(&app, get_request("/", Some(PRIMARY))).await).await;
    assert_eq!(status, 200);
    assert!(
        printed.contains("*redacted*") && !printed.contains(PRIMARY),
        "{printed}"
    );
}
