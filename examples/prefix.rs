//! The reference's `header_prefix` example: the secret must follow `secret-token ` (in any
//! ASCII case).
//!
//! ```text
//! cargo run --example prefix
//! curl 'http://localhost:8080/' -H "Authorization: SECRET-TOKEN SUPERSECRET"
//! ```

use actix_web::{HttpResponse, get};
use secret_bearer::secret_bearer;
use secret_bearer_workspace::{hello_world, seed_env, serve};

#[get("/")]
#[secret_bearer(env = "MY_AUTH_SECRET", prefix = "secret-token ")]
async fn hello() -> HttpResponse {
    hello_world()
}

fn main() -> std::io::Result<()> {
    seed_env(&[("MY_AUTH_SECRET", "SUPERSECRET")]);
    serve(secret_bearer::resolve_all!(), |routes| {
        routes.service(hello);
    })
}
