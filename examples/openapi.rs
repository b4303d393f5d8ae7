//! The hello handler and a small widgets API, protected by `#[secret_bearer]` and documented
//! with utoipa: `GET /openapi.json` (open) serves the document, with the `ApiKey` scheme, the
//! requirement and the 401 on each protected operation.
//!
//! ```text
//! cargo run -p secret_bearer_tests --example openapi
//! curl 'http://localhost:8080/openapi.json'
//! curl 'http://localhost:8080/widgets' -H 'Authorization: SUPERSECRET'
//! ```

use std::sync::Mutex;

use actix_web::{HttpResponse, Responder, get, post, web};
use secret_bearer::secret_bearer;
use secret_bearer_workspace::{hello_world, seed_env, serve, success};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// A widget as the API stores it.
#[derive(Clone, Serialize, ToSchema)]
struct Widget {
    id: String,
    name: String,
    category: String,
    cost: f64,
}

/// The writeable columns of a widget.
#[derive(Deserialize, ToSchema)]
struct NewWidget {
    name: String,
    category: String,
    cost: f64,
}

#[derive(Default)]
struct Store(Mutex<Vec<Widget>>);

/// The widgets API's key, named by its handlers (one `ApiKey` scheme in the document).
#[secret_bearer(env = "MY_SECRET")]
struct WidgetsKey;

#[utoipa::path(get, path = "/", responses((status = 200, description = "Hello, world")))]
#[get("/")]
#[secret_bearer(env = "MY_AUTH_SECRET")]
async fn hello() -> HttpResponse {
    hello_world()
}

#[utoipa::path(get, path = "/widgets", responses((status = 200, description = "Widgets by name")))]
#[get("/widgets")]
#[secret_bearer(WidgetsKey)]
async fn list_widgets(store: web::Data<Store>) -> impl Responder {
    let mut widgets = store.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    widgets.sort_by(|a, b| a.name.cmp(&b.name));
    success(widgets)
}

#[utoipa::path(post, path = "/widgets", request_body = NewWidget,
    responses((status = 200, description = "The widget made", body = Widget)))]
#[post("/widgets")]
#[secret_bearer(WidgetsKey)]
async fn create_widget(store: web::Data<Store>, new: web::Json<NewWidget>) -> impl Responder {
    let NewWidget {
        name,
        category,
        cost,
    } = new.into_inner();
    let mut widgets = store.0.lock().unwrap_or_else(|e| e.into_inner());
    let widget = Widget {
        id: (widgets.len() + 1).to_string(),
        name,
        category,
        cost,
    };
    widgets.push(widget.clone());
    success(widget)
}

#[derive(OpenApi)]
#[openapi(paths(hello, list_widgets, create_widget))]
struct ApiDoc;

#[get("/openapi.json")]
async fn openapi_json(doc: web::Data<String>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.get_ref().clone())
}

fn main() -> std::io::Result<()> {
    seed_env(&[
        ("MY_AUTH_SECRET", "SUPERSECRET"),
        ("MY_SECRET", "SUPERSECRET"),
    ]);
    let mut doc = ApiDoc::openapi();
    secret_bearer::openapi::document_handlers(&mut doc).map_err(std::io::Error::other)?;
    let doc = web::Data::new(doc.to_json().map_err(std::io::Error::other)?);
    let store = web::Data::new(Store::default());
    serve(secret_bearer::resolve_all!(), move |routes| {
        routes
            .app_data(store.clone())
            .app_data(doc.clone())
            .service(hello)
            .service(list_widgets)
            .service(create_widget)
            .service(openapi_json);
    })
}
