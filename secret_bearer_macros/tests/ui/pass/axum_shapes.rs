//! The attribute on axum handlers, in a crate that builds both servers: every shape axum
//! accepts, routed, so that each is still an axum `Handler`.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use secret_bearer::{Caller, secret_bearer};
use serde::Deserialize;

#[derive(Clone)]
struct AppState;

#[derive(Deserialize)]
struct Page {
    #[allow(dead_code)]
    page: u32,
}

#[secret_bearer(env = "MY_AUTH_SECRET")]
async fn none() -> &'static str {
    "hello"
}

#[secret_bearer(env = "MY_AUTH_SECRET", prefix = "Bearer ")]
async fn parts(Path(id): Path<u32>, Query(_): Query<Page>, _: HeaderMap, caller: Caller) -> String {
    format!("{id} {}", caller.name())
}

#[secret_bearer(env = "MY_AUTH_SECRET")]
async fn body(State(_): State<AppState>, Json(value): Json<Vec<u32>>) -> Json<Vec<u32>> {
    Json(value)
}

#[secret_bearer(env = "MY_AUTH_SECRET")]
pub(crate) async fn generic<T>(State(value): State<T>, text: String) -> String
where
    T: std::fmt::Display + Clone + Send + Sync + 'static,
{
    format!("{value} {text}")
}

// axum's own checks, below the attribute: they see the one `Authenticated` parameter, whose
// parameters the attribute checked as `debug_handler` would.
#[secret_bearer(env = "MY_AUTH_SECRET")]
#[axum::debug_handler]
async fn debugged(caller: Caller, Json(value): Json<Vec<u32>>) -> String {
    format!("{} {}", caller.name(), value.len())
}

fn main() {
    let _: Router = Router::new()
        .route("/", get(none))
        .route("/{id}", get(parts))
        .route("/body", post(body))
        .route("/debugged", post(debugged))
        .with_state(AppState);
    let _: Router = Router::new()
        .route("/generic", post(generic::<String>))
        .with_state("state".to_owned());
}
