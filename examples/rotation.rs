//! The reference's rotation example: the primary secret and an alternate one both authenticate,
//! so clients can move from the old secret to the new one.
//!
//! ```text
//! cargo run --example rotation
//! curl 'http://localhost:8080/' -H "Authorization: ALSOOKAY"
//! ```

use actix_web::{HttpResponse, get};
use secret_bearer::secret_bearer;
use secret_bearer_workspace::{hello_world, seed_env, serve};

#[get("/")]
#[secret_bearer(env = "MY_AUTH_SECRET", alt_env = "MY_ALT_SECRET")]
async fn hello() -> HttpResponse {
    hello_world()
}

fn main() -> std::io::Result<()> {
    seed_env(&[
        ("MY_AUTH_SECRET", "SUPERSECRET"),
        ("MY_ALT_SECRET", "ALSOOKAY"),
    ]);
    serve(secret_bearer::resolve_all!(), |routes| {
        routes.service(hello);
    })
}
