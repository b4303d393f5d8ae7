//! Named keys: `GET /whoami` accepts each caller's own key and answers with the caller's name;
//! `GET /admin` requires the scope `admin`, and answers when each caller, and each key with an
//! `id`, was last accepted (in seconds since the Unix epoch; `null`: not since the start).
//!
//! ```text
//! cargo run --example keys
//! curl 'http://localhost:8080/whoami' -H 'Authorization: ALICEKEY'
//! curl 'http://localhost:8080/whoami' -H 'Authorization: BOBKEY'
//! curl 'http://localhost:8080/whoami' -H 'Authorization: CAROLKEY'
//! curl 'http://localhost:8080/whoami' -H 'Authorization: CAROLOLD'   # expired: 401
//! curl 'http://localhost:8080/admin' -H 'Authorization: CAROLKEY'    # carol has `admin`
//! curl 'http://localhost:8080/admin' -H 'Authorization: ALICEKEY'    # alice has not: 403
//! ```
//!
//! `API_KEYS` holds the key set, a JSON object from each caller's name to its key, to its keys
//! (newest first), or to an object saying more; each key plain or `sha256:<hex>`, or an object
//! with an `id` and an `expires`. Unset, it is seeded with one caller of each form:
//!
//! ```json
//! {"alice": "ALICEKEY",
//!  "bob": "sha256:1754b3c4fae30f87f7f5b8802b9e821dcb70bfa81a7882f28504d13d5bb1e07a",
//!  "carol": {"keys": [{"key": "CAROLKEY", "id": "2026-q4", "expires": "2099-12-31T00:00:00Z"},
//!                     {"key": "CAROLOLD", "id": "2026-q3", "expires": "2001-01-01T00:00:00Z"}],
//!            "scopes": ["admin"], "expires": "2100-01-01T00:00:00+01:00"}}
//! ```
//!
//! (`bob`'s key is `BOBKEY`, given as its digest. Each seeded key is short, and logged at
//! `warn` as weak: make real ones with `cargo run --example keygen -- <prefix>`.)

use std::time::UNIX_EPOCH;

use actix_web::{HttpResponse, get};
use secret_bearer::{Caller, LastUse, NamedBearer, secret_bearer};
use secret_bearer_workspace::{serve, success};

/// The callers' keys, named once for both handlers (which so share one record of use).
#[secret_bearer(keys_env = "API_KEYS")]
struct ApiKeys;

/// `printf %s BOBKEY | sha256sum`
const BOBKEY_DIGEST: &str =
    "sha256:1754b3c4fae30f87f7f5b8802b9e821dcb70bfa81a7882f28504d13d5bb1e07a";

#[get("/whoami")]
#[secret_bearer(ApiKeys)]
async fn whoami(caller: Caller) -> HttpResponse {
    success(serde_json::json!({ "caller": caller.name() }))
}

#[get("/admin")]
#[secret_bearer(ApiKeys, scopes = ["admin"])]
async fn admin() -> HttpResponse {
    // The check just read the set, so this does not fail but as the check would have.
    let rows = match ApiKeys::bearer() {
        Ok(bearer) => bearer.last_used(None).await,
        Err(error) => Err(error),
    };
    let Ok(rows) = rows else {
        return HttpResponse::InternalServerError().finish();
    };
    let rows: Vec<_> = rows
        .iter()
        .map(|LastUse { caller, key_id, at, .. }| {
            let at = at.and_then(|at| at.duration_since(UNIX_EPOCH).ok());
            serde_json::json!({"caller": caller, "key_id": key_id, "last_used": at.map(|at| at.as_secs())})
        })
        .collect();
    success(serde_json::json!({ "last_used": rows }))
}

fn main() -> std::io::Result<()> {
    if std::env::var_os("API_KEYS").is_none() {
        let keys = format!(
            r#"{{"alice": "ALICEKEY", "bob": "{BOBKEY_DIGEST}",
                "carol": {{"keys": [{{"key": "CAROLKEY", "id": "2026-q4",
                                      "expires": "2099-12-31T00:00:00Z"}},
                                     {{"key": "CAROLOLD", "id": "2026-q3",
                                      "expires": "2001-01-01T00:00:00Z"}}],
                          "scopes": ["admin"], "expires": "2100-01-01T00:00:00+01:00"}}}}"#
        );
        // SAFETY: first thing in `main`, before any other thread exists.
        unsafe { std::env::set_var("API_KEYS", keys) };
        let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_owned());
        for key in ["ALICEKEY", "BOBKEY", "CAROLKEY", "CAROLOLD"] {
            println!("curl 'http://localhost:{port}/whoami' -H 'Authorization: {key}'");
        }
    }
    serve(secret_bearer::resolve_all!(), |routes| {
        routes.service(whoami).service(admin);
    })
}
