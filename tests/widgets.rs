//! The reference's widgets pair: the server's REST behaviour (in process, through actix's test
//! utilities), and the client example against the server example on loopback.

#[path = "../examples/widgets_server/api.rs"]
mod api;
mod support;

use std::process::{Command, Output};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::{App, test, web};
use serde_json::{Value, json};
use support::NOT_AUTHENTICATED;
use support::servers::{Server, example_binary};

const SECRET: &str = "SUPERSECRET";

fn init_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: the standard library serialises its own environment accesses, and these tests
    // call no C code that reads the environment concurrently.
    ONCE.call_once(|| unsafe {
        std::env::set_var("MY_SECRET", SECRET);
        std::env::set_var("MY_ALT_SECRET", "OLD-SECRET");
    });
}

/// A widgets API of its own for one test.
async fn api()
-> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    init_env();
    let store = web::Data::new(api::Widgets::default());
    test::init_service(App::new().configure(|routes| api::configure(routes, store))).await
}

/// Sends `method uri` (with a JSON `body`) with the secret, and answers the status and the body.
async fn call(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    method: &str,
    uri: &str,
    body: Option<&str>,
) -> (u16, Value) {
    call_as(app, method, uri, body, Some(SECRET)).await
}

async fn call_as(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    method: &str,
    uri: &str,
    body: Option<&str>,
    secret: Option<&str>,
) -> (u16, Value) {
    let mut request = test::TestRequest::default()
        .method(method.parse().unwrap())
        .uri(uri);
    if let Some(secret) = secret {
        request = request.insert_header(("Authorization", secret));
    }
    if let Some(body) = body {
        request = request.set_payload(body.to_owned());
    }
    let response = test::call_service(app, request.to_request()).await;
    let status = response.status().as_u16();
    let body = test::read_body(response).await;
    (status, serde_json::from_slice(&body).unwrap())
}

/// The body of a GET with the secret, as sent.
async fn raw_get(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    uri: &str,
) -> String {
    let request = test::TestRequest::get()
        .uri(uri)
        .insert_header(("Authorization", SECRET));
    let body = test::call_and_read_body(app, request.to_request()).await;
    String::from_utf8(body.to_vec()).unwrap()
}

async fn create(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    widget: Value,
) -> Value {
    let (status, body) = call(app, "POST", "/widgets", Some(&widget.to_string())).await;
    assert_eq!(
        (status, &body["status"]),
        (200, &json!("success")),
        "{body}"
    );
    body["data"].clone()
}

fn names(body: &Value) -> Vec<&str> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|widget| widget["name"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn every_route_wants_the_secret_or_the_alternate() {
    let app = api().await;
    let routes = [
        ("POST", "/widgets"),
        ("GET", "/widgets"),
        ("GET", "/widgets/some-id"),
        ("PATCH", "/widgets/some-id"),
        ("PUT", "/widgets/some-id"),
        ("DELETE", "/widgets/some-id"),
    ];
    let refused: Value = serde_json::from_str(NOT_AUTHENTICATED).unwrap();
    for (method, uri) in routes {
        for secret in [None, Some("wrong"), Some("supersecret")] {
            let answer = call_as(&app, method, uri, Some("{\"name\":\"x\"}"), secret).await;
            assert_eq!(answer, (401, refused.clone()), "{method} {uri} {secret:?}");
        }
    }
    let (status, _) = call_as(&app, "GET", "/widgets", None, Some("OLD-SECRET")).await;
    assert_eq!(status, 200, "the alternate secret, during a rotation");
}

#[actix_web::test]
async fn widgets_are_created_listed_read_updated_and_deleted() {
    let app = api().await;
    let thinga = create(
        &app,
        json!({"name": "Thinga", "category": "Doohickey", "cost": 125}),
    )
    .await;
    let mabob = create(
        &app,
        json!({"name": "Mabob", "category": "Doohicky", "cost": 150}),
    )
    .await;
    let id = thinga["id"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 4);
    let created = thinga["created_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(created).is_ok(),
        "{created}"
    );
    assert!(
        created.ends_with("+00:00") && created.len() == 25,
        "{created}"
    );
    assert_eq!(thinga["updated_at"], thinga["created_at"]);
    assert_eq!(
        serde_json::to_string(&thinga["cost"]).unwrap(),
        "125.0",
        "a float column"
    );

    let (status, listed) = call(&app, "GET", "/widgets", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        names(&listed),
        ["Mabob", "Thinga"],
        "sorted by name by default"
    );
    assert_eq!(
        listed["pagination"],
        json!({"number_results": 2, "limit": 50, "next_page": {}})
    );
    let text = raw_get(&app, "/widgets").await;
    assert!(
        text.ends_with(
            r#""pagination":{"number_results":2,"limit":50,"next_page":{}},"input_errors":{}}"#
        ),
        "clearskies' order: {text}"
    );

    for (query, expected) in [
        ("sort=cost&direction=desc", vec!["Mabob", "Thinga"]),
        ("sort=cost&direction=ASC", vec!["Thinga", "Mabob"]),
        ("sort=name&direction=desc", vec!["Thinga", "Mabob"]),
        ("sort=category&direction=asc", vec!["Thinga", "Mabob"]),
        ("name=Thinga", vec!["Thinga"]),
        ("name=thinga", vec![]),
        ("category=Doohicky", vec!["Mabob"]),
        ("cost=125", vec!["Thinga"]),
        ("cost=125.0&name=Thinga", vec!["Thinga"]),
        (&format!("id={id}"), vec!["Thinga"]),
    ] {
        let (status, body) = call(&app, "GET", &format!("/widgets?{query}"), None).await;
        assert_eq!((status, names(&body)), (200, expected), "{query}");
    }
    let (_, page) = call(&app, "GET", "/widgets?limit=1", None).await;
    assert_eq!(names(&page), ["Mabob"]);
    assert_eq!(
        page["pagination"],
        json!({"number_results": 2, "limit": 1, "next_page": {"start": 1}})
    );
    let (_, page) = call(&app, "GET", "/widgets?limit=1&start=1", None).await;
    assert_eq!(names(&page), ["Thinga"]);
    assert_eq!(page["pagination"]["next_page"], json!({}));
    let (_, none) = call(&app, "GET", "/widgets?name=nothing", None).await;
    assert_eq!(
        (&none["data"], &none["pagination"]),
        (&json!([]), &json!({}))
    );

    let (status, read) = call(&app, "GET", &format!("/widgets/{id}"), None).await;
    assert_eq!((status, &read["data"]), (200, &thinga));
    let (status, updated) = call(
        &app,
        "PATCH",
        &format!("/widgets/{id}"),
        Some(r#"{"cost": 175.5}"#),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["data"]["cost"], json!(175.5));
    assert_eq!(updated["data"]["name"], "Thinga");
    assert_eq!(updated["data"]["created_at"], thinga["created_at"]);
    let (status, updated) = call(
        &app,
        "PUT",
        &format!("/widgets/{id}"),
        Some(r#"{"name": "Thingamajig"}"#),
    )
    .await;
    assert_eq!(
        (status, &updated["data"]["name"]),
        (200, &json!("Thingamajig"))
    );

    let (status, deleted) = call(&app, "DELETE", &format!("/widgets/{id}"), None).await;
    assert_eq!((status, &deleted["data"]), (200, &json!({})));
    let not_found = json!({"status": "client_error", "error": "Not Found", "data": [], "pagination": {}, "input_errors": {}});
    for method in ["GET", "PATCH", "DELETE"] {
        let answer = call(
            &app,
            method,
            &format!("/widgets/{id}"),
            Some(r#"{"cost": 1}"#),
        )
        .await;
        assert_eq!(answer, (404, not_found.clone()), "{method}");
    }
    let (_, listed) = call(&app, "GET", "/widgets", None).await;
    assert_eq!(names(&listed), ["Mabob"]);
    assert_eq!(listed["data"][0], mabob);
}

#[actix_web::test]
async fn bad_input_gets_clearskies_answers_and_changes_nothing() {
    let app = api().await;
    let input_errors = |errors: Value| {
        (
            200,
            json!({"status": "input_errors", "error": "", "data": [], "pagination": {}, "input_errors": errors}),
        )
    };
    let client_error = |status: u16, error: &str| {
        (
            status,
            json!({"status": "client_error", "error": error, "data": [], "pagination": {}, "input_errors": {}}),
        )
    };
    for (body, expected) in [
        (
            r#"{"name": "X", "id": "abc"}"#,
            input_errors(json!({"id": "Input column id is not an allowed input column."})),
        ),
        (
            r#"{"name": "X", "created_at": "2020-01-01"}"#,
            input_errors(
                json!({"created_at": "Input column created_at is not an allowed input column."}),
            ),
        ),
        (
            r#"{"name": "Y", "cost": "cheap"}"#,
            input_errors(json!({"cost": "value should be an integer or float"})),
        ),
        (
            r#"{"name": 5}"#,
            input_errors(json!({"name": "value should be a string"})),
        ),
        (
            "notjson",
            client_error(400, "Request body was not valid JSON"),
        ),
        ("{}", client_error(400, "Request body was not valid JSON")),
        (
            "[1]",
            client_error(400, "Request body was not a JSON dictionary."),
        ),
    ] {
        assert_eq!(
            call(&app, "POST", "/widgets", Some(body)).await,
            expected,
            "{body}"
        );
    }
    let (_, listed) = call(&app, "GET", "/widgets", None).await;
    assert_eq!(listed["data"], json!([]), "nothing was created");

    let widget = create(&app, json!({"name": "Thinga", "cost": 1})).await;
    assert_eq!(widget["category"], Value::Null, "a column never written");
    let uri = format!("/widgets/{}", widget["id"].as_str().unwrap());
    let answer = call(&app, "PATCH", &uri, Some(r#"{"cost": 2, "id": "x"}"#)).await;
    assert_eq!(
        answer,
        input_errors(json!({"id": "Input column id is not an allowed input column."}))
    );
    let (_, read) = call(&app, "GET", &uri, None).await;
    assert_eq!(read["data"], widget, "a refused update changes nothing");

    for (query, expected) in [
        (
            "sort=name",
            client_error(
                400,
                "You must specify 'sort' and 'direction' together in the request - not just one of them",
            ),
        ),
        (
            "sort=id&direction=asc",
            client_error(400, "Invalid request: invalid sort column"),
        ),
        (
            "sort=name&direction=up",
            client_error(400, "Invalid request: direction must be 'asc' or 'desc'"),
        ),
        (
            "limit=abc",
            client_error(400, "Invalid request: 'limit' should be an integer"),
        ),
        (
            "limit=1000",
            client_error(400, "Invalid request: 'limit' must be at most 200"),
        ),
        (
            "start=abc",
            client_error(400, "Invalid pagination data: 'start' must be a number"),
        ),
        (
            "color=red",
            client_error(400, "Invalid request parameter found in URL data: 'color'"),
        ),
        (
            "cost=abc",
            input_errors(json!({"cost": "value should be an integer or float"})),
        ),
    ] {
        assert_eq!(
            call(&app, "GET", &format!("/widgets?{query}"), None).await,
            expected,
            "{query}"
        );
    }
}

/// Asserts that each of `keys` first appears in `text` after the one before it.
fn in_order(text: &str, keys: &[&str]) {
    let positions: Vec<usize> = keys.iter().map(|key| text.find(key).unwrap()).collect();
    assert!(positions.is_sorted(), "{keys:?} in {text}");
}

/// Runs the client example against `server` with this `MY_SECRET`.
fn run_client(server: &Server, secret: &str) -> Output {
    Command::new(example_binary("widgets_client"))
        .env_remove("MY_ALT_SECRET")
        .env("BASE_URL", server.url())
        .env("MY_SECRET", secret)
        // Warnings and errors only: what the client says when it fails is the last line.
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn listed_names(server: &Server, secret: &str) -> Vec<String> {
    let output = Command::new("curl")
        .args(["--silent", "-H", &format!("Authorization: {secret}")])
        .arg(format!("{}/widgets", server.url()))
        .output()
        .expect("curl is installed (.ci/run installs it)");
    let body: Value = serde_json::from_slice(&output.stdout).unwrap();
    names(&body).into_iter().map(str::to_owned).collect()
}

#[std::prelude::v1::test]
fn the_client_example_creates_and_lists_widgets_through_the_server_example() {
    let server = Server::example("widgets_server", &[]);
    let output = run_client(&server, SECRET);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).unwrap();
    let envelope: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(names(&envelope), ["Mabob", "Thinga"]);
    let widgets = envelope["data"].as_array().unwrap();
    assert_eq!(widgets[0]["category"], "Doohicky");
    assert_eq!(widgets[1]["category"], "Doohickey");
    assert!(
        printed.contains("\"cost\": 150.0") && printed.contains("\"cost\": 125.0"),
        "{printed}"
    );
    assert_eq!(
        (&envelope["status"], &envelope["error"]),
        (&json!("success"), &json!(""))
    );
    assert_eq!(
        (&envelope["pagination"], &envelope["input_errors"]),
        (&json!({}), &json!({}))
    );
    // The envelope's fields, and the first widget's columns, in clearskies' order.
    in_order(
        &printed,
        &[
            "\"status\"",
            "\"error\"",
            "\"data\"",
            "\"id\"",
            "\"name\"",
            "\"category\"",
            "\"cost\"",
            "\"created_at\"",
            "\"updated_at\"",
            "\"pagination\"",
            "\"input_errors\"",
        ],
    );
}

#[std::prelude::v1::test]
#[ignore = "needs curl; .ci/run installs it"]
fn a_wrong_secret_is_a_clear_error_and_creates_nothing() {
    let server = Server::example("widgets_server", &[]);
    let output = run_client(&server, "NOT-THE-SECRET");
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    // Before it, a `warn` line may say the key is weak (it is: 82 bits by the estimate).
    assert_eq!(
        stderr.trim().lines().last(),
        Some(
            "error: the widgets API refused the secret in MY_SECRET (401 Unauthorized): check \
             that it is the server's"
        )
    );
    assert!(!stderr.contains("NOT-THE-SECRET"));
    assert!(output.stdout.is_empty());
    assert!(
        listed_names(&server, SECRET).is_empty(),
        "nothing was created"
    );
}

#[std::prelude::v1::test]
#[ignore = "needs curl; .ci/run installs it"]
fn a_server_rotating_its_secret_keeps_the_client_working() {
    let before = Server::example("widgets_server", &[("MY_SECRET", "OLD-KEY")]);
    assert!(run_client(&before, "OLD-KEY").status.success());
    drop(before);
    // The rotation: the new secret, and the old one as the alternate while clients move.
    let during = Server::example(
        "widgets_server",
        &[("MY_SECRET", "NEW-KEY"), ("MY_ALT_SECRET", "OLD-KEY")],
    );
    assert!(
        run_client(&during, "OLD-KEY").status.success(),
        "a client not yet moved"
    );
    assert!(
        run_client(&during, "NEW-KEY").status.success(),
        "a client moved"
    );
    assert_eq!(listed_names(&during, "NEW-KEY").len(), 4);
    drop(during);
    let after = Server::example("widgets_server", &[("MY_SECRET", "NEW-KEY")]);
    assert!(
        !run_client(&after, "OLD-KEY").status.success(),
        "the rotation is over"
    );
    assert!(run_client(&after, "NEW-KEY").status.success());
}
