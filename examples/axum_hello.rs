//! The reference's first example, on axum: `GET /` answers only with `Authorization:
//! SUPERSECRET`, byte for byte as `hello` does on actix-web.
//!
//! ```text
//! cargo run -p secret_bearer_tests --example axum_hello
//! curl 'http://localhost:8080' -H 'Authorization: SUPERSECRET'
//! ```

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use secret_bearer::secret_bearer;
use secret_bearer_workspace::{hello_world_json, init_logs, port, report_secrets, seed_env};

#[secret_bearer(env = "MY_AUTH_SECRET")]
async fn hello() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], hello_world_json())
}

fn main() -> std::io::Result<()> {
    seed_env(&[("MY_AUTH_SECRET", "SUPERSECRET")]);
    init_logs();
    let port = port()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        report_secrets(secret_bearer::resolve_all!(None).await);
        let app = Router::new().route("/", get(hello));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        tracing::info!("listening on http://127.0.0.1:{port}");
        axum::serve(listener, app).await
    })
}
