//! Helpers shared by this workspace's examples and tests (not published): clearskies' response
//! envelope and the examples' start-up conventions.

/// A protected handler this library defines and no example mounts: its variable is never set,
/// and `resolve_all!` in the crates that link this library must not refuse to start over it.
#[secret_bearer::secret_bearer(env = "SB_TEST_UNSET_LIBRARY_HANDLER")]
pub async fn unmounted() -> HttpResponse {
    HttpResponse::Ok().finish()
}

use std::io;

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, HttpServer, web};
use secret_bearer::{Error, ErrorKind, ManagerError, ManagerErrorKind, SecretManager};
use serde::Serialize;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// `{}`, as clearskies writes an empty `pagination` or `input_errors`. (A unit struct rather
/// than an empty `serde_json::Value` map: the benchmarks' hello answer stays as cheap as it was.)
#[derive(Serialize)]
struct Empty {}

/// clearskies' response envelope, in clearskies' field order.
#[derive(Serialize)]
struct Envelope<'a, T, P, I> {
    status: &'a str,
    error: &'a str,
    data: T,
    pagination: P,
    input_errors: I,
}

/// `{}`, as clearskies writes an empty `pagination` or `input_errors`, as a JSON value.
pub fn empty() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// An answer in clearskies' envelope.
pub fn envelope(
    code: StatusCode,
    status: &str,
    error: &str,
    data: impl Serialize,
    pagination: impl Serialize,
    input_errors: impl Serialize,
) -> HttpResponse {
    HttpResponse::build(code).json(Envelope {
        status,
        error,
        data,
        pagination,
        input_errors,
    })
}

/// A 200 with `data` in clearskies' success envelope.
pub fn success(data: impl Serialize) -> HttpResponse {
    envelope(StatusCode::OK, "success", "", data, Empty {}, Empty {})
}

/// clearskies' answer to a request it refuses: `client_error`, with no data.
pub fn client_error(code: StatusCode, error: &str) -> HttpResponse {
    envelope(code, "client_error", error, [(); 0], Empty {}, Empty {})
}

/// The reference's hello handler's answer: `{"hello": "world"}` in the success envelope.
pub fn hello_world() -> HttpResponse {
    success(serde_json::json!({ "hello": "world" }))
}

/// The hello handler's answer as JSON text, for servers other than actix-web: the same bytes
/// as [`hello_world`]'s body.
pub fn hello_world_json() -> String {
    success_json(serde_json::json!({ "hello": "world" }))
}

/// `data` in clearskies' success envelope as JSON text, for servers other than actix-web: the
/// same bytes as [`success`]'s body.
pub fn success_json(data: impl Serialize) -> String {
    envelope_json("success", "", data)
}

/// clearskies' refusal as JSON text, for servers other than actix-web: the same bytes as
/// [`client_error`]'s body.
pub fn client_error_json(error: &str) -> String {
    envelope_json("client_error", error, [(); 0])
}

fn envelope_json(status: &str, error: &str, data: impl Serialize) -> String {
    let envelope = Envelope {
        status,
        error,
        data,
        pagination: Empty {},
        input_errors: Empty {},
    };
    // The examples' data are structs and sequences of them, which serialize.
    serde_json::to_string(&envelope).expect("the envelope serializes")
}

/// Sets each variable to the reference's value unless the environment already sets it, so an
/// example runs as-is and the same variables override it.
///
/// Call it first thing in `main`, before any thread starts: setting the environment is only
/// sound while nothing else reads it.
pub fn seed_env(defaults: &[(&str, &str)]) {
    for (name, value) in defaults {
        if std::env::var_os(name).is_none() {
            // SAFETY: called before any other thread exists (see above).
            unsafe { std::env::set_var(name, value) };
        }
    }
}

/// Logs to standard error what `RUST_LOG` asks for (default `info`; `RUST_LOG=debug` shows
/// each refusal's reason), as an example's first step.
pub fn init_logs() {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|filter| filter.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(io::stderr))
        .with(filter)
        .init();
}

/// Says at start-up what `resolve_all!` found: a warning per secret that cannot be read, naming
/// its source (never a value). The server starts anyway, and answers those handlers' requests
/// with the fail-closed 500.
pub fn report_secrets(checked: Result<usize, Error>) {
    let error = match checked {
        Ok(handlers) => {
            return tracing::info!(
                handlers,
                "the secrets of every protected handler are readable"
            );
        }
        Err(error) => error,
    };
    match error.kind() {
        ErrorKind::Unresolved { errors, .. } => {
            for error in errors {
                tracing::warn!(%error, "requests to the handlers that need this secret will be answered 500");
            }
        }
        _ => tracing::warn!(%error, "the secrets could not be checked"),
    }
}

/// The port an example serves on: `PORT`, or 8080.
pub fn port() -> io::Result<u16> {
    match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("PORT={port:?} is not a port"),
            )
        }),
        Err(_) => Ok(8080),
    }
}

/// Serves `routes` on 127.0.0.1, port `PORT` (default 8080), until the process is stopped,
/// after logging what `secrets` (the example's `resolve_all!`) found.
pub fn serve<F>(secrets: impl Future<Output = Result<usize, Error>>, routes: F) -> io::Result<()>
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    init_logs();
    let port = port()?;
    actix_web::rt::System::new().block_on(async move {
        report_secrets(secrets.await);
        let server = HttpServer::new(move || App::new().configure(routes.clone()))
            .workers(2)
            .bind(("127.0.0.1", port))?;
        tracing::info!("listening on http://127.0.0.1:{port}");
        server.run().await
    })
}

/// The reference's fake secret manager, shared by the `secret_manager` examples on each server:
/// it knows two paths and fails for any other, as the reference's does.
pub struct FakeSecretManager;

impl SecretManager for FakeSecretManager {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        match path {
            "/path/to/my/secret" => Ok("SUPERSECRET".to_owned()),
            "/path/to/alternate/secret" => Ok("ALSOOKAY".to_owned()),
            _ => Err(ManagerError::new(
                ManagerErrorKind::NotFound,
                format!("Attempt to fetch non-existent secret: {path}"),
            )),
        }
    }
}
