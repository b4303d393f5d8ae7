use axum::routing::post;
use axum::{Json, Router};
use secret_bearer::{Caller, secret_bearer};

#[secret_bearer(env = "MY_AUTH_SECRET")]
async fn create(Json(value): Json<Vec<u32>>, caller: Caller) -> String {
    format!("{} {}", caller.name(), value.len())
}

fn main() {
    let _: Router = Router::new().route("/", post(create));
}
