//! The reference's widgets server: a RESTful widgets API in memory, every route requiring
//! `Authorization: <MY_SECRET>` (default `SUPERSECRET`), or `<MY_ALT_SECRET>` during a
//! rotation (by default the same as `MY_SECRET`). See `api.rs`.
//!
//! ```text
//! cargo run -p secret_bearer_tests --example widgets_server
//! curl 'http://localhost:8080/widgets' -H 'Authorization: SUPERSECRET' \
//!     -d '{"name": "Thinga", "category": "Doohickey", "cost": 125}'
//! curl 'http://localhost:8080/widgets' -H 'Authorization: SUPERSECRET'
//! ```

mod api;

use actix_web::web;
use api::Widgets;
use secret_bearer_workspace::{seed_env, serve};

fn main() -> std::io::Result<()> {
    seed_env(&[("MY_SECRET", "SUPERSECRET")]);
    // Without a rotation under way, the alternate is the secret itself.
    if let Ok(secret) = std::env::var("MY_SECRET") {
        seed_env(&[("MY_ALT_SECRET", &secret)]);
    }
    // One store for every worker.
    let store = web::Data::new(Widgets::default());
    serve(secret_bearer::resolve_all!(), move |routes| {
        api::configure(routes, store.clone())
    })
}
