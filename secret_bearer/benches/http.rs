//! Instructions per HTTP request on loopback, counted by valgrind (deterministic, unlike wall
//! time on a shared machine), for the same hello served five ways on actix-web: without
//! authentication, with `#[secret_bearer]` (its keys inline, and a named bearer), with
//! `SecretBearer` as middleware, and with
//! actix-web-httpauth's bearer middleware and a validator that gives the same guarantee as ours
//! (it hashes the token with SHA-256 and compares digests with `subtle`); and four ways on axum:
//! without authentication, with `SecretBearerLayer` on the `Router`, with `#[secret_bearer]`,
//! and with what axum users write today, `axum::middleware::from_fn` doing that same check.
//! Printed as ratios to no authentication on the same framework.
//!
//! `cargo bench -p secret_bearer --bench http` (needs valgrind). Each server runs under
//! `valgrind --tool=cachegrind --cache-sim=no` on one thread of work (actix-web's one worker, a
//! current-thread Tokio runtime for axum), serving one keep-alive connection from this process;
//! a request costs (I(N₂) − I(N₁)) / (N₂ − N₁), so start-up and shutdown cancel out.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use actix_web::dev::ServiceRequest;
use actix_web::{App, HttpResponse, HttpServer, get, web};
use actix_web_httpauth::extractors::bearer::BearerAuth;
use actix_web_httpauth::middleware::HttpAuthentication;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::response::{IntoResponse, Response};
use secret_bearer::tower::SecretBearerLayer;
use secret_bearer::{SecretBearer, secret_bearer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const KEY: &str = "0123456789abcdef0123456789abcdef";
/// Each framework's variants, the first without authentication (the ratios' base).
const VARIANTS: [(&str, &[&str]); 2] = [
    (
        "actix-web",
        &[
            "none",
            "attribute",
            "named",
            "middleware",
            "actix-web-httpauth",
        ],
    ),
    (
        "axum",
        &["axum-none", "axum-layer", "axum-attribute", "axum-from_fn"],
    ),
];
const REQUESTS: [usize; 2] = [200, 1200];

/// The reference's hello, in clearskies' envelope, as the examples answer it.
#[derive(serde::Serialize)]
struct Envelope {
    status: &'static str,
    error: &'static str,
    data: serde_json::Value,
    pagination: Empty,
    input_errors: Empty,
}

#[derive(serde::Serialize)]
struct Empty {}

fn envelope() -> Envelope {
    Envelope {
        status: "success",
        error: "",
        data: serde_json::json!({ "hello": "world" }),
        pagination: Empty {},
        input_errors: Empty {},
    }
}

async fn hello() -> HttpResponse {
    HttpResponse::Ok().json(envelope())
}

#[get("/")]
#[secret_bearer(env = "SB_HTTP_KEY", prefix = "Bearer ")]
async fn protected() -> HttpResponse {
    hello().await
}

/// The same keys as `protected`'s, written once and named.
#[secret_bearer(env = "SB_HTTP_KEY", prefix = "Bearer ")]
struct HttpKey;

#[get("/")]
#[secret_bearer(HttpKey)]
async fn named() -> HttpResponse {
    hello().await
}

async fn axum_hello() -> axum::Json<Envelope> {
    axum::Json(envelope())
}

#[secret_bearer(env = "SB_HTTP_KEY", prefix = "Bearer ")]
async fn axum_protected() -> axum::Json<Envelope> {
    axum_hello().await
}

/// The key's digest, computed once, as a server keeps it.
static EXPECTED: LazyLock<[u8; 32]> = LazyLock::new(|| Sha256::digest(KEY.as_bytes()).into());

/// actix-web-httpauth's validator, as strong as our check: the token hashed once, and the
/// digests compared in constant time.
async fn validator(
    req: ServiceRequest,
    credentials: BearerAuth,
) -> Result<ServiceRequest, (actix_web::Error, ServiceRequest)> {
    let expected = &*EXPECTED;
    let presented: [u8; 32] = Sha256::digest(credentials.token().as_bytes()).into();
    if bool::from(presented.ct_eq(expected)) {
        Ok(req)
    } else {
        Err((
            actix_web::error::ErrorUnauthorized("not authenticated"),
            req,
        ))
    }
}

/// What axum users write today: `from_fn` middleware with the same check as the validator's.
async fn from_fn_check(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let token = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "));
    match token {
        Some(token) if bool::from(<[u8; 32]>::from(Sha256::digest(token)).ct_eq(&*EXPECTED)) => {
            next.run(request).await
        }
        _ => StatusCode::UNAUTHORIZED.into_response(),
    }
}

fn serve_axum(variant: &str, port: u16) -> std::io::Result<()> {
    use axum::routing::get;
    let bearer = SecretBearer::builder()
        .env("SB_HTTP_KEY")
        .prefix("Bearer ")
        .build()
        .unwrap();
    let router = axum::Router::new();
    let app = match variant {
        "axum-none" => router.route("/", get(axum_hello)),
        "axum-layer" => router
            .route("/", get(axum_hello))
            .layer(SecretBearerLayer::new(bearer)),
        "axum-attribute" => router.route("/", get(axum_protected)),
        _ => router
            .route("/", get(axum_hello))
            .layer(axum::middleware::from_fn(from_fn_check)),
    };
    // One thread, as actix-web's one worker. No graceful shutdown: `kill -TERM` ends the server,
    // and valgrind still reports its count.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        axum::serve(listener, app).await
    })
}

fn serve(variant: &str, port: u16) -> std::io::Result<()> {
    if variant.starts_with("axum-") {
        return serve_axum(variant, port);
    }
    let variant = variant.to_owned();
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            let bearer = SecretBearer::builder()
                .env("SB_HTTP_KEY")
                .prefix("Bearer ")
                .build()
                .unwrap();
            let app = App::new();
            // Each a resource at `/`, as `#[get("/")]` registers one.
            let resource = || web::resource("/");
            let hello = || web::get().to(hello);
            match variant.as_str() {
                "none" => app.service(resource().route(hello())),
                "attribute" => app.service(protected),
                "named" => app.service(named),
                "middleware" => app.service(resource().wrap(bearer).route(hello())),
                _ => app.service(
                    resource()
                        .wrap(HttpAuthentication::bearer(validator))
                        .route(hello()),
                ),
            }
        })
        .workers(1)
        .bind((Ipv4Addr::LOCALHOST, port))?
        .run()
        .await
    })
}

/// Instructions the server ran for `requests` requests, start-up and shutdown included.
fn count(variant: &str, requests: usize) -> u64 {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let exe = std::env::current_exe().unwrap();
    let server = Command::new("valgrind")
        .args([
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
        ])
        .arg(exe)
        .args(["--serve", variant, &port.to_string()])
        .env("SB_HTTP_KEY", KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("valgrind runs (apt-get install valgrind)");
    let start = Instant::now();
    let stream = loop {
        match TcpStream::connect((Ipv4Addr::LOCALHOST, port)) {
            Ok(stream) => break stream,
            Err(_) if start.elapsed() < Duration::from_secs(60) => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(error) => panic!("the server did not start: {error}"),
        }
    };
    let request =
        format!("GET / HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {KEY}\r\n\r\n");
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    for _ in 0..requests {
        writer.write_all(request.as_bytes()).unwrap();
        let mut length = 0;
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{variant}: {status}");
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
        }
        reader
            .by_ref()
            .take(length)
            .read_to_end(&mut Vec::new())
            .unwrap();
    }
    drop((reader, writer));
    Command::new("kill")
        // TERM, not INT: a shell starting a job in the background has it ignore SIGINT, which
        // actix-web handles for itself but an axum server does not.
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let output = server.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&output.stderr);
    let refs = report
        .lines()
        .find_map(|line| {
            let (label, count) = line.split_once("refs:")?;
            label
                .trim_end()
                .ends_with(" I")
                .then(|| count.trim().replace(',', ""))
        })
        .unwrap_or_else(|| panic!("no instruction count from valgrind:\n{report}"));
    refs.parse().unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, variant, port] = args.as_slice()
        && flag == "--serve"
    {
        return serve(variant, port.parse().unwrap()).unwrap();
    }
    // `cargo bench` passes `--bench`; anything else is criterion's business, not ours.
    println!("instructions per request (valgrind, loopback, keep-alive; {REQUESTS:?} requests)");
    for (framework, variants) in VARIANTS {
        let mut baseline = None;
        for variant in variants {
            let [few, many] = REQUESTS.map(|requests| count(variant, requests));
            let per_request = (many - few) as f64 / (REQUESTS[1] - REQUESTS[0]) as f64;
            let base = *baseline.get_or_insert(per_request);
            println!(
                "{variant:>20}: {per_request:>8.0} instructions, {:.3}x no authentication on {framework}",
                per_request / base
            );
        }
    }
}
