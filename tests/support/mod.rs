//! What the end-to-end tests share: their environment, and how they read responses.
#![allow(dead_code)] // Each test binary uses its own part.

pub mod cases;
pub mod scripted;
pub mod servers;

use std::cell::RefCell;
use std::io::Write;
use std::sync::Once;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header;

pub const PRIMARY: &str = "SUPERSECRET";
pub const ALTERNATE: &str = "ALSOOKAY";

/// clearskies' 401 body.
pub const NOT_AUTHENTICATED: &str = r#"{"status":"client_error","error":"Not Authenticated","data":[],"pagination":{},"input_errors":{}}"#;
/// clearskies' body of a 500, when authentication is misconfigured.
/// clearskies' 403 body: the caller lacks a scope.
pub const NOT_AUTHORIZED: &str = r#"{"status":"client_error","error":"Not Authorized","data":[],"pagination":{},"input_errors":{}}"#;
pub const MISCONFIGURED_BODY: &str = r#"{"status":"failure","error":"Internal Server Error","data":[],"pagination":{},"input_errors":{}}"#;

/// Asserts that `printed`, a request or its headers as `{:?}` shows them (as a handler or a
/// middleware that logs `?request` would), shows an `authorization` header, a value hidden as
/// `Sensitive`, and neither key.
pub fn assert_authorization_hidden(printed: &str) {
    assert!(
        printed.contains(r#""authorization""#)
            && printed.contains("Sensitive")
            && !printed.contains(PRIMARY)
            && !printed.contains(ALTERNATE),
        "{printed}"
    );
}

/// `sha256:` and the hex digest of `key`, as a secret hashed at rest.
pub fn sha256(key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256:{hex}")
}

/// Sets the variables the tests' handlers read, once per test binary. Variables named
/// `SB_TEST_UNSET_*` are never set.
pub fn init_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // `alice` with one plain key and the scopes `admin` and `reports`; `bob` rotating, his
        // newest key hashed, with no scope; `carol` rotating, her older key expired; `dave`
        // expired as a caller; `erin` with the scope `admin` only.
        let keys = format!(
            r#"{{"alice": {{"keys": "ALICEKEY", "scopes": ["admin", "reports"]}},
                "bob": ["{}", "BOBOLD"],
                "erin": {{"keys": ["ERINKEY"], "scopes": ["admin"]}},
                "carol": [{{"key": "CAROLNEW", "id": "new", "expires": "9999-12-31T23:59:59Z"}},
                          {{"key": "CAROLOLD", "id": "old", "expires": "2001-01-01T00:00:00Z"}}],
                "dave": {{"keys": "DAVEKEY", "expires": "2001-01-01T00:00:00+01:00"}}}}"#,
            sha256("BOBKEY")
        );
        for (name, value) in [
            ("SB_TEST_PRIMARY", PRIMARY),
            ("SB_TEST_ALTERNATE", ALTERNATE),
            ("SB_TEST_EMPTY", ""),
            ("SB_TEST_BLANK", " \t "),
            ("SB_TEST_PADDED", " LEAKED-VALUE"),
            ("SB_TEST_KEYS", &keys),
        ] {
            // SAFETY: the standard library serialises its own environment accesses, and these
            // tests call no C code that reads the environment concurrently.
            unsafe { std::env::set_var(name, value) };
        }
    });
}

/// Serves `handler` for every path on a free loopback port, with `state` as its `web::Data`;
/// answers the base URL and the handle that stops the server.
pub fn serve_loopback<T, F, Fut>(state: T, handler: F) -> (String, actix_web::dev::ServerHandle)
where
    T: Send + Sync + 'static,
    F: Fn(actix_web::HttpRequest, actix_web::web::Data<T>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = actix_web::HttpResponse> + 'static,
{
    serve_on("127.0.0.1", state, handler)
}

/// [`serve_loopback`] on `address` (`127.0.0.2`, another origin on the same machine, for what
/// must not leak across origins).
pub fn serve_on<T, F, Fut>(
    address: &str,
    state: T,
    handler: F,
) -> (String, actix_web::dev::ServerHandle)
where
    T: Send + Sync + 'static,
    F: Fn(actix_web::HttpRequest, actix_web::web::Data<T>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = actix_web::HttpResponse> + 'static,
{
    use actix_web::{App, HttpServer, web};
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(handler.clone()))
    })
    .workers(1)
    .disable_signals()
    .bind((address, 0))
    .unwrap();
    let address = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (format!("http://{address}"), handle)
}

/// Runs `openapi-spec-validator` (PyPI; `.ci/run` installs it) on a document.
pub fn validate_openapi(doc: &serde_json::Value) -> Result<(), String> {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let file = std::env::temp_dir().join(format!("sb_openapi_{}_{n}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(doc).unwrap()).unwrap();
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import json, sys\n\
             from openapi_spec_validator import validate\n\
             validate(json.load(open(sys.argv[1])))",
        ])
        .arg(&file)
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_file(&file);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "pip install openapi-spec-validator: {stderr}"
    );
    if output.status.success() {
        Ok(())
    } else {
        Err(stderr)
    }
}

/// A GET of `uri`, with this `Authorization` header if any.
pub fn get_request(uri: &str, authorization: Option<&str>) -> actix_http::Request {
    let request = actix_web::test::TestRequest::get().uri(uri);
    match authorization {
        Some(value) => request
            .insert_header((header::AUTHORIZATION, value))
            .to_request(),
        None => request.to_request(),
    }
}

/// The response's status and body as text.
pub async fn read(response: ServiceResponse<impl MessageBody>) -> (u16, String) {
    let status = response.status().as_u16();
    let body = actix_web::test::read_body(response).await;
    (
        status,
        String::from_utf8(body.to_vec()).expect("UTF-8 body"),
    )
}

/// Asserts a response is our 401 and returns its `WWW-Authenticate` challenge.
pub async fn assert_unauthenticated(response: ServiceResponse<impl MessageBody>) -> String {
    let headers = response.headers().clone();
    assert_eq!(read(response).await, (401, NOT_AUTHENTICATED.to_owned()));
    assert_eq!(
        headers.get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    headers
        .get(header::WWW_AUTHENTICATE)
        .expect("a 401 carries a challenge")
        .to_str()
        .unwrap()
        .to_owned()
}

/// Collects the `tracing` events of the current thread while it lives.
///
/// One global subscriber writes each event to its thread's capture, if any. (A per-thread
/// default subscriber would miss events: `tracing` caches whether a call site is enabled
/// across threads.)
pub struct CapturedLogs(());

thread_local! {
    static CAPTURE: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

impl CapturedLogs {
    pub fn start() -> Self {
        static GLOBAL: Once = Once::new();
        GLOBAL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::DEBUG)
                .with_ansi(false)
                .with_writer(|| ThreadCapture)
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
        });
        CAPTURE.with(|capture| *capture.borrow_mut() = Some(Vec::new()));
        Self(())
    }

    pub fn text(&self) -> String {
        CAPTURE
            .with(|capture| String::from_utf8(capture.borrow().clone().unwrap_or_default()))
            .unwrap()
    }
}

impl Drop for CapturedLogs {
    fn drop(&mut self) {
        CAPTURE.with(|capture| *capture.borrow_mut() = None);
    }
}

struct ThreadCapture;

impl Write for ThreadCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|capture| {
            if let Some(buffer) = capture.borrow_mut().as_mut() {
                buffer.extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
