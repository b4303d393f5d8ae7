//! The reference's first example: `GET /` answers only with `Authorization: SUPERSECRET`.
//!
//! ```text
//! cargo run --example hello
//! curl 'http://localhost:8080' -H 'Authorization: SUPERSECRET'
//! ```

use actix_web::{HttpResponse, get};
use secret_bearer::secret_bearer;
use secret_bearer_workspace::{hello_world, seed_env, serve};

#[get("/")]
#[secret_bearer(env = "MY_AUTH_SECRET")]
async fn hello() -> HttpResponse {
    hello_world()
}

fn main() -> std::io::Result<()> {
    seed_env(&[("MY_AUTH_SECRET", "SUPERSECRET")]);
    serve(secret_bearer::resolve_all!(), |routes| {
        routes.service(hello);
    })
}
