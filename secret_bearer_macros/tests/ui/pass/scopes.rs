//! Handlers that require scopes of a key set's callers compile without a single warning: with
//! their keys, beside a named bearer (which may require scopes of its own), and on axum.
#![deny(warnings)]

use actix_web::{App, HttpResponse, get, web};
use secret_bearer::{Caller, secret_bearer};

/// The API's callers; every handler naming it requires `api` besides its own scopes.
#[secret_bearer(keys_env = "API_KEYS", prefix = "Bearer ", scopes = ["api"])]
pub struct ApiKeys;

#[get("/invoices")]
#[secret_bearer(ApiKeys, scopes = ["invoices:read"])]
async fn invoices(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().body(caller.scopes().collect::<Vec<_>>().join(" "))
}

#[secret_bearer(scopes = ["invoices:write", "admin"], ApiKeys)]
async fn create(body: web::Json<Vec<u32>>) -> HttpResponse {
    HttpResponse::Created().json(body.into_inner())
}

#[get("/admin")]
#[secret_bearer(keys_env = "API_KEYS", scopes = ["admin"])]
async fn admin() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[secret_bearer(ApiKeys, scopes = ["reports"])]
async fn axum_reports(axum::extract::Query(page): axum::extract::Query<Vec<(String, u32)>>) -> String {
    page.len().to_string()
}

fn main() {
    let _app = App::new()
        .service(invoices)
        .service(admin)
        .route("/invoices", web::post().to(create));
    let _router: axum::Router = axum::Router::new().route("/reports", axum::routing::get(axum_reports));
}
