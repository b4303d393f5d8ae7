//! Every key and alias, and the handler shapes the attribute must keep, compile without a
//! single warning.
#![deny(warnings)]

use actix_web::{App, HttpResponse, Responder, get, post, route, web};
use secret_bearer::secret_bearer;

pub mod api {
    use actix_web::{HttpRequest, HttpResponse, get, web};
    use secret_bearer::secret_bearer;

    /// A documented public handler in a public module.
    #[get("/items/{id}")]
    #[secret_bearer(env = "MY_SECRET", alt_env = "MY_OLD_SECRET", prefix = "Bearer ", doc = "Bearer.Auth")]
    pub async fn item(id: web::Path<u32>, _req: HttpRequest) -> HttpResponse {
        HttpResponse::Ok().body(id.to_string())
    }

    /// Crate-visible, generic, with a where-clause, below `#[get]`'s sibling order.
    #[secret_bearer(env = "MY_SECRET")]
    pub(crate) async fn generic<T>(data: web::Data<T>) -> String
    where
        T: ToString + 'static,
    {
        data.to_string()
    }
}

#[secret_bearer(
    environment_key = "MY_SECRET",
    alternate_environment_key = "MY_OLD_SECRET",
    header_prefix = "secret-token ",
    documentation_security_name = "",
)]
#[post("/aliases")]
async fn aliases(body: web::Json<Vec<u32>>) -> Result<HttpResponse, actix_web::Error> {
    let first = body.first().ok_or_else(|| actix_web::error::ErrorBadRequest("empty"))?;
    Ok(HttpResponse::Ok().body(first.to_string()))
}

#[route("/many", method = "GET", method = "HEAD")]
#[secret_bearer(env = "MY_SECRET", prefix = "")]
async fn many(
    (a, b): (web::Query<Vec<(String, String)>>, web::Data<String>),
    _: web::Payload,
) -> impl Responder {
    format!("{} {}", a.len(), b.as_str())
}

// A key that follows a prefix ending in a letter directly, said so.
#[get("/glued")]
#[secret_bearer(env = "MY_SECRET", prefix = "sk", no_space)]
async fn glued() -> impl Responder {
    "glued"
}

#[secret_bearer(env = "MY_SECRET")]
async fn no_arguments() -> &'static str {
    "hello"
}

/// Attributes below `#[secret_bearer]` see the rewritten handler; `instrument` formats its
/// parameter with `Debug`.
#[get("/traced/{id}")]
#[secret_bearer(env = "MY_SECRET")]
#[tracing::instrument(level = "debug")]
async fn traced(id: web::Path<u32>) -> String { id.to_string() }

#[get("/raw")]
#[secret_bearer(env = "MY_SECRET")]
async fn r#type() -> &'static str {
    "raw"
}

fn main() {
    let _app = App::new()
        .service(api::item)
        .service(web::resource("/generic").to(api::generic::<String>))
        .service(aliases)
        .service(many)
        .service(glued)
        .service(r#type)
        .service(traced)
        .route("/", web::get().to(no_arguments));
}
