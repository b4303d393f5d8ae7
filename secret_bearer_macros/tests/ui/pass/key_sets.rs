//! Handlers that accept a key set, one key per caller, compile without a single warning.
#![deny(warnings)]

use actix_web::{App, HttpResponse, get, web};
use secret_bearer::secret_bearer;

/// A key set in an environment variable, behind a prefix.
#[get("/reports")]
#[secret_bearer(keys_env = "API_KEYS", prefix = "Bearer ", strong_keys)]
async fn reports(query: web::Query<Vec<(String, String)>>) -> HttpResponse {
    HttpResponse::Ok().body(query.len().to_string())
}

/// A key set picked from a JSON secret in a manager, documented under its own scheme name.
#[secret_bearer(keys_secret = "prod/api-keys#callers.keys", prefix = "", doc = "Callers")]
async fn billing() -> &'static str {
    "billing"
}

fn main() {
    let _app = App::new()
        .service(reports)
        .route("/billing", web::get().to(billing));
}
