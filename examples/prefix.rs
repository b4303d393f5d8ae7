//! The reference's `header_prefix` example: the secret must follow `secret-token ` (in any
//! ASCII case).
//!
//! ```text
//! cargo run --example prefix
//! curl 'http://localhost:8080/' -H "Authorization: SECRET-TOKEN SUPERSECRET"
//! ```

use actix_web::{Responder, get};
use secret_bearer::secret_bearer;
use secret_bearer_workspace::{seed_env, serve, success};

#[get("/")]
#[secret_bearer(env = "MY_AUTH_SECRET", prefix = "secret-token ")]
async fn hello() -> impl Responder {
    success(serde_json::json!({ "hello": "world" }))
}

fn main() -> std::io::Result<()> {
    seed_env(&[("MY_AUTH_SECRET", "SUPERSECRET")]);
    serve(|routes| {
        routes.service(hello);
    })
}
