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
use secret_bearer_workspace::{hello_world_json, seed_env};

#[path = "support/axum.rs"]
mod support;

#[secret_bearer(env = "MY_AUTH_SECRET")]
async fn hello() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], hello_world_json())
}

fn main() -> std::io::Result<()> {
    seed_env(&[("MY_AUTH_SECRET", "SUPERSECRET")]);
    let app = Router::new().route("/", get(hello));
    support::serve(secret_bearer::resolve_all!(), app)
}
