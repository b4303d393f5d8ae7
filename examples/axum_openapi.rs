//! `openapi`'s API on axum: the hello handler and the widgets API, protected by
//! `#[secret_bearer]` on axum handlers and documented with utoipa, and `GET /openapi.json`
//! (open), the same document. It answers byte for byte as `openapi` does on actix-web.
//!
//! ```text
//! cargo run -p secret_bearer_tests --example axum_openapi
//! curl 'http://localhost:8080/openapi.json'
//! curl 'http://localhost:8080/widgets' -H 'Authorization: SUPERSECRET'
//! ```

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use secret_bearer::secret_bearer;
use secret_bearer_workspace::seed_env;
use support::{Answer, HelloSaid, NewWidget, Store, WidgetMade, WidgetsKey, WidgetsListed};
use utoipa::OpenApi;

#[path = "support/axum.rs"]
mod serving;
#[path = "support/openapi.rs"]
mod support;

/// What the handlers share: the widgets and the served document.
#[derive(Clone)]
struct AppState {
    store: Arc<Store>,
    doc: Arc<str>,
}

#[utoipa::path(get, path = "/", responses(HelloSaid))]
#[secret_bearer(env = "MY_AUTH_SECRET")]
async fn hello() -> Response {
    respond(support::hello())
}

#[utoipa::path(get, path = "/widgets", responses(WidgetsListed))]
#[secret_bearer(WidgetsKey)]
async fn list_widgets(State(state): State<AppState>) -> Response {
    respond(state.store.list())
}

#[utoipa::path(post, path = "/widgets", request_body = NewWidget, responses(WidgetMade))]
#[secret_bearer(WidgetsKey)]
async fn create_widget(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers.get(CONTENT_TYPE).map(|v| v.as_bytes());
    respond(state.store.create(content_type, &body))
}

fn respond(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(CONTENT_TYPE, "application/json")], answer.body).into_response()
}

#[derive(OpenApi)]
#[openapi(paths(hello, list_widgets, create_widget))]
struct ApiDoc;

async fn openapi_json(State(state): State<AppState>) -> Response {
    ([(CONTENT_TYPE, "application/json")], state.doc.to_string()).into_response()
}

fn main() -> std::io::Result<()> {
    seed_env(support::SECRETS);
    let state = AppState {
        store: Arc::default(),
        doc: support::document(ApiDoc::openapi())?.into(),
    };
    let app = Router::new()
        .route("/", get(hello))
        .route("/widgets", get(list_widgets).post(create_widget))
        .route("/openapi.json", get(openapi_json))
        .with_state(state);
    serving::serve(secret_bearer::resolve_all!(), app)
}
