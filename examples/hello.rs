//! The reference's first example: `GET /` answers only with `Authorization: SUPERSECRET`.
//!
//! ```text
//! cargo run --example hello
//! curl 'http://localhost:8080' -H 'Authorization: SUPERSECRET'
//! ```

use actix_web::{Responder, get};
use secret_bearer::secret_bearer;
use secret_bearer_workspace::{seed_env, serve, success};

#[get("/")]
#[secret_bearer(env = "MY_AUTH_SECRET")]
async fn hello() -> impl Responder {
    success(serde_json::json!({ "hello": "world" }))
}

fn main() -> std::io::Result<()> {
    seed_env(&[("MY_AUTH_SECRET", "SUPERSECRET")]);
    serve(|routes| {
        routes.service(hello);
    })
}
