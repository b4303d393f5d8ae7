//! The hello handler and a small widgets API, protected by `#[secret_bearer]` and documented
//! with utoipa: `GET /openapi.json` (open) serves the document, with the `ApiKey` scheme, the
//! requirement and the 401 on each protected operation, and every answer's schema (clearskies'
//! envelope). `axum_openapi` serves the same API on axum, byte for byte.
//!
//! ```text
//! cargo run -p secret_bearer_tests --example openapi
//! curl 'http://localhost:8080/openapi.json'
//! curl 'http://localhost:8080/widgets' -H 'Authorization: SUPERSECRET'
//! ```

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use secret_bearer::secret_bearer;
use secret_bearer_workspace::{seed_env, serve};
use support::{Answer, HelloSaid, NewWidget, Store, WidgetMade, WidgetsKey, WidgetsListed};
use utoipa::OpenApi;

#[path = "support/openapi.rs"]
mod support;

#[utoipa::path(get, path = "/", responses(HelloSaid))]
#[secret_bearer(env = "MY_AUTH_SECRET")]
async fn hello() -> HttpResponse {
    respond(support::hello())
}

#[utoipa::path(get, path = "/widgets", responses(WidgetsListed))]
#[secret_bearer(WidgetsKey)]
async fn list_widgets(store: web::Data<Store>) -> HttpResponse {
    respond(store.list())
}

#[utoipa::path(post, path = "/widgets", request_body = NewWidget, responses(WidgetMade))]
#[secret_bearer(WidgetsKey)]
async fn create_widget(
    store: web::Data<Store>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let content_type = request.headers().get(CONTENT_TYPE).map(|v| v.as_bytes());
    respond(store.create(content_type, &body))
}

fn respond(answer: Answer) -> HttpResponse {
    HttpResponse::build(
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    )
    .content_type("application/json")
    .body(answer.body)
}

#[derive(OpenApi)]
#[openapi(paths(hello, list_widgets, create_widget))]
struct ApiDoc;

async fn openapi_json(doc: web::Data<String>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.get_ref().clone())
}

fn main() -> std::io::Result<()> {
    seed_env(support::SECRETS);
    let doc = web::Data::new(support::document(ApiDoc::openapi())?);
    let store = web::Data::new(Store::default());
    serve(secret_bearer::resolve_all!(), move |routes| {
        // One resource per path, so that a method it does not serve is answered 405 with
        // `Allow`, as axum's router answers it (`#[get]` and `#[post]` services would each be a
        // resource of their own, and a request neither matches a 404).
        routes
            .app_data(store.clone())
            .app_data(doc.clone())
            .service(web::resource("/").route(web::get().to(hello)))
            .service(
                web::resource("/widgets")
                    .route(web::get().to(list_widgets))
                    .route(web::post().to(create_widget)),
            )
            .service(web::resource("/openapi.json").route(web::get().to(openapi_json)));
    })
}
