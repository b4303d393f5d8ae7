//! Static-secret authentication for HTTP services (actix-web; any tower service: axum, tonic,
//! hyper) and their API clients: a Rust port of [clearskies]' `SecretBearer`.
//!
//! # Features
//!
//! | feature | what it adds |
//! | --- | --- |
//! | `actix` | the [`actix`] adapter: extractors, middleware, [`RejectionHandler`] |
//! | `tower` | the [`tower`] adapter: `SecretBearerLayer`, for any `Service` of `http` requests, gRPC included |
//! | `axum` | `tower`, and the [`axum`] extractors: the attribute on axum handlers |
//! | `reqwest`, `awc`, `http` | clients: the attribute on functions that send requests |
//! | `openapi`, `metrics`, `vault`, `aws` | documentation, counters, secret managers |
//!
//! No feature is on by default: name the server or client you use (`cargo add secret_bearer
//! --features actix`, or `axum`, or `reqwest`), so that an axum, tonic or client-only build
//! compiles no actix-web crate and never opts out of one. The core (sources, the store, digests,
//! key sets, the check, [`Caller`], the refusal as data) builds with none of them.
//!
//! A request is authenticated when its `Authorization` header holds a secret read from an
//! environment variable or a [`SecretManager`] (through a [`SecretStore`], which caches it),
//! optionally after a prefix such as `Bearer `. An alternate secret can
//! be accepted beside the primary one while clients move from an old secret to a new one.
//!
//! ```no_run
//! use actix_web::{App, HttpServer, Responder, get, web};
//! use secret_bearer::secret_bearer;
//!
//! #[get("/")]
//! #[secret_bearer(env = "MY_AUTH_SECRET", alt_env = "MY_OLD_SECRET", prefix = "Bearer ")]
//! async fn hello() -> impl Responder {
//!     web::Json(serde_json::json!({ "hello": "world" }))
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     HttpServer::new(|| App::new().service(hello)).bind(("127.0.0.1", 8080))?.run().await
//! }
//! ```
//!
//! # The check
//!
//! One function checks every request, whichever way the handler is protected
//! ([`SecretBearer::authenticate`]):
//!
//! 1. The secrets are resolved first: environment variables once, the first time they are
//!    needed; secrets in a manager through the [`SecretStore`]'s cache (see "Revocation"). A
//!    missing primary variable, a primary the manager does not have or cannot give (with
//!    nothing left to serve), or a value that no request could present (empty, whitespace
//!    only, with leading or trailing whitespace or control characters, over 4096 bytes, or a
//!    malformed `sha256:` digest), fails closed: every request is answered with a 500 and one
//!    `tracing` error event that names the source, never its value. An alternate that is
//!    absent (unset, empty, not found) is no alternate; one that is present must be usable.
//!    [`resolve_all!`] checks them at start-up.
//! 2. A request needs exactly one `Authorization` header, starting with the prefix (compared
//!    ignoring ASCII case; no space is implied). The rest, verbatim, is the credential.
//! 3. A non-empty credential of at most [`MAX_SECRET_LEN`] bytes is hashed once with SHA-256 and
//!    its digest compared in constant time ([`subtle`]) with the primary's and the alternate's
//!    digests: both comparisons always run, and the fixed width hides the secrets' lengths.
//!
//! # Hashed at rest
//!
//! A secret's value may be `sha256:` and the 64 hex digits of the key's SHA-256 digest, in an
//! environment variable or a secret manager, so that a server's environment and store never
//! hold the key ([`generate_key`] makes a key and its digest; `printf %s "$KEY" | sha256sum`
//! the digest of a key you have). Primary and alternate may differ in
//! form. Once a secret is read, a server keeps only its digest (a plain key in an environment
//! variable stays in the process's environment); a client, which must send the key, refuses a
//! digest with an error saying it needs the key itself.
//!
//! # Key strength
//!
//! A `sha256:` digest is a fast hash: whoever obtains one (a leaked key set, a backup) can try
//! keys against it offline, billions a second, which is safe only for a key too strong to
//! search (OWASP ASVS 5.0 §6.5.2 asks at least 112 bits). So each plain key a check reads
//! (a secret's value, each key of a key set) has its strength estimated as it is read: its
//! length times log₂ of the size of the character classes it uses (26 lower-case letters, 26
//! upper-case, 10 digits, 33 ASCII punctuation characters and space, 128 for any other byte).
//! That is the strength of a key drawn at random from those classes, an upper bound: a key
//! under 112 bits is weak whoever chose it (`SUPERSECRET`, the reference's example, is 51),
//! while one above may still be a word or a pattern. A weak key is logged at `warn`, each time
//! it is read, with its source, its caller and the estimate, never the key; with `strong_keys`
//! (the builder's [`strong_keys`](SecretBearerBuilder::strong_keys)) it fails closed instead,
//! as any unusable secret does: a 500, and [`resolve_all!`] refuses to start. A key stored as
//! its digest cannot be judged (make it with [`generate_key`], over 200 bits), nor is a
//! client's key, which the server it calls judges.
//!
//! # Named keys
//!
//! A key set gives each caller a key of its own, revocable alone, and tells the handler who
//! called: `#[secret_bearer(keys_env = "API_KEYS")]` or `keys_secret = "prod/api-keys"`
//! ([`SecretBearerBuilder::keys_env`], [`SecretBearerBuilder::keys_secret`]), in place of the
//! primary and alternate secrets. The value is a JSON object from each caller's name to its key,
//! or to its keys, newest first, while that caller rotates; each key plain or `sha256:<hex>`:
//!
//! ```json
//! {"billing": "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
//!  "reports": ["sha256:…new", "sha256:…old"]}
//! ```
//!
//! A key in a list may be an object, and a caller's value may be one, to say more of them:
//!
//! ```json
//! {"partner": {"keys": ["sha256:…new",
//!                       {"key": "sha256:…old", "id": "2026-q4", "expires": "2027-01-15T00:00:00Z"}],
//!              "scopes": ["invoices:read"],
//!              "expires": "2027-06-30T00:00:00Z"}}
//! ```
//!
//! - A key's object has `key` (the key, plain or `sha256:<hex>`), and optionally `id`, a name
//!   for the key that logs may show (1 to 64 ASCII letters, digits, `.`, `-`, `_` or `:`,
//!   unique within its caller; a key is never named by its place in the list, which shifts at
//!   every rotation, nor by any fingerprint of it), and `expires`.
//! - A caller's object has `keys` (a key or a list, as above), and optionally `scopes` (a list
//!   of RFC 6749 §3.3 scope-tokens: printable ASCII without space, `"` or `\`, none twice) and
//!   `expires`, which ends all its keys. A handler may require scopes: see "Scopes" below.
//! - `expires` is an RFC 3339 date and time with an offset: `2027-01-15T00:00:00Z`,
//!   `2027-01-15T09:00:00+09:00`, a fraction of a second allowed. (The crate reads it with a
//!   few lines of its own, checked against the `time` crate's parser, rather than add a date
//!   crate to every build.)
//!
//! **Expiry.** A key whose `expires` (or its caller's) has come is refused at the first request
//! from that instant on, whatever the store's cache holds: the clock decides, not the cache.
//! Its refusal is a 401 like a wrong key's ([`AuthErrorKind::Expired`], the reason `the key has
//! expired` at `debug`, the outcome `expired` in metrics); as for a wrong key, a set in a store
//! older than the mismatch minimum age is fetched again first, in case it was renewed. A key
//! within 7 days of its expiry that is still accepted is logged at `warn`, at most once a day
//! per key, naming its caller, its `id` if it has one, and the hours left. When a set is read,
//! each expiry becomes a deadline on Tokio's clock (the monotonic clock in a running service),
//! so a check reads one clock, and only for a key that has an expiry. A set in a store is read
//! again at least every `ttl`, which takes up any change of the system's clock; a set in an
//! environment variable is read once, and time the machine spends suspended does not count
//! toward its deadlines. Under `tokio::time::pause` (Tokio's `test-util`),
//! `tokio::time::advance` moves a test past an expiry without waiting for it.
//!
//! - **Who called.** The [`Caller`] extractor gives the caller's name, and whether its newest key
//!   was presented, in any handler a check protects. For a bearer of one secret and its
//!   alternate, the callers are `primary` and `alternate` (the alternate counts as an older key).
//!   Asked for where no check ran, it answers 500 and logs why.
//! - **Fail closed.** A value that is not JSON, not an object, or empty; a caller's name that
//!   is blank, longer than 256 bytes, has edge whitespace, control or invisible characters, or
//!   is written twice; a caller's value that is not one of the forms above; a field an object
//!   does not have (not named in the error: a key pasted in the wrong place would be), an
//!   `expires` that is not RFC 3339 with an offset, a bad scope or `id`, or an `id` twice; a
//!   malformed digest (or one whose `sha256:` is mistyped); a key no header could carry; or a
//!   key listed twice (under two names, or twice under one): each is a configuration error
//!   ([`ErrorKind::UnusableKeySet`]) that names the source, the caller and the field, never a
//!   key. Every request is answered 500, and [`resolve_all!`] refuses to start.
//! - **Through a store,** the set is cached, refreshed and rotated as any secret in a manager
//!   (see [`SecretStore`] and "Revocation" below), with no restart. A caller revoked in the
//!   store is refused by every request that starts more than the [`CachePolicy`]'s `ttl`
//!   (5 minutes by default) after the change, plus one fetch; a set the store no longer has,
//!   or one that breaks a rule above, fails closed at the fetch that finds it, so a bad edit
//!   pages someone and never leaves a revoked caller working. A caller added to the set is
//!   accepted sooner: a credential that matches no key makes the store fetch a set older than
//!   the mismatch minimum age (30 seconds by default) again. `rotating` does not apply (each
//!   caller rotates in the set), and a JSON key (`path#field`) picks the set out of a larger
//!   document.
//! - **Which keys are in use.** Every accepted request logs a `debug` event with its caller and
//!   whether the key was the newest. An older key (or the `alternate`) still in use is logged at
//!   `info`, at most once a minute per bearer, with the number of requests per caller since the
//!   last report and, for each such caller, when each of its older keys that has an `id` was
//!   last accepted (`never` if not since the process started), so an operator knows when to
//!   retire it.
//! - **Last use.** [`SecretBearer::last_used`] says when each caller, and each key with an
//!   `id`, was last accepted, to the second, for an admin endpoint to return (`examples/keys`
//!   serves one at `/admin`). The records live in the process, without a database: they start
//!   empty at every start, and each replica keeps its own. They live with the key set as read,
//!   shared by every bearer that checks with it, and a store's refresh keeps them, a caller's
//!   by its name and a key's by its caller and `id`, never by its place in the list (which
//!   shifts at every rotation) nor by a fingerprint (which would help whoever guesses a weak
//!   key). An accepted request reads Tokio's clock once (expiry uses the same reading) and
//!   writes its caller's record at most once a second.
//! - **Metrics.** With the `metrics` feature, every answer of the check counts in
//!   `secret_bearer_requests_total{outcome, caller}`, through the [`metrics`
//!   facade](https://docs.rs/metrics), so any exporter publishes it. `outcome` is one of
//!   `accepted`, `missing`, `malformed` (several headers, a wrong prefix, an empty or over-long
//!   credential), `refused`, `expired`, `forbidden` (a caller without a required scope) and
//!   `misconfigured`; `caller` is empty unless accepted.
//!   A request that passes two checks (a middleware and an attribute) counts twice; one refused
//!   before any check runs (no bearer registered, or a `Caller` asked for where no check ran)
//!   does not count. Each caller with an expiry has a gauge,
//!   `secret_bearer_caller_expiry_timestamp_seconds{caller}`: its earliest, in seconds since
//!   the Unix epoch, set when the set is read (the crate runs no timer; a dashboard subtracts
//!   the time). Each caller accepted has `secret_bearer_caller_last_used_timestamp_seconds{caller}`,
//!   its last accepted request's time, set at most once a second (one series per caller, not
//!   per key, to keep series few).
//!
//! # Scopes
//!
//! A handler may require scopes of its callers: `#[secret_bearer(keys_env = "API_KEYS", scopes
//! = ["invoices:write"])]`, or beside a named bearer, `#[secret_bearer(ApiKeys, scopes =
//! ["admin"])]` (the handler's own requirement, added to any the named bearer has); for the
//! middleware and the tower layer, [`SecretBearerBuilder::scopes`]. Each is a string literal
//! and an RFC 6749 §3.3 scope-token. Only a key set grants scopes, through each caller's
//! `scopes`, so scopes beside one key are a compile error in the attribute (naming a bearer of
//! one key too) and an error of [`SecretBearerBuilder::build`].
//!
//! A caller the set does not grant every required scope is refused once authenticated:
//! [`AuthErrorKind::InsufficientScope`], a **403** with clearskies' body for a failed
//! authorization, `{"status":"client_error","error":"Not Authorized","data":[],"pagination":{},"input_errors":{}}`,
//! and for a `Bearer ` prefix the challenge `Bearer error="insufficient_scope",
//! scope="invoices:write"` (RFC 6750 §3.1), which names every scope the handler requires: the
//! requirement is public (OpenAPI documents list it), and naming only the missing ones would
//! tell the caller which it has. A 403 never says which scopes the key has. Who is not
//! authenticated is refused first, with a 401 as always. [`Caller::scopes`] gives the caller's
//! scopes. Handlers that differ only in their scopes share one bearer: one cache, one report,
//! one record of use.
//!
//! ```
//! # #[cfg(feature = "actix")] {
//! use actix_web::{HttpResponse, post};
//! use secret_bearer::secret_bearer;
//!
//! /// The API's callers.
//! #[secret_bearer(keys_env = "API_KEYS", prefix = "Bearer ")]
//! pub struct ApiKeys;
//!
//! #[post("/invoices")]
//! #[secret_bearer(ApiKeys, scopes = ["invoices:write"])]
//! async fn create() -> HttpResponse {
//!     HttpResponse::Created().finish()
//! }
//! # }
//! ```
//!
//! **Why timing tells nothing of the keys.** The credential is hashed once with SHA-256. The
//! server holds every key as its digest, in a table of buckets that all have the same number
//! of slots (short buckets are padded with empty ones); the credential's digest picks one
//! bucket by its first bits, and is compared with every slot of it, whole digest against whole
//! digest, with no early exit. Whether a slot matched, and which, is kept with `subtle`'s
//! constant-time selection, and only the final yes or no is branched on. So, up to that verdict,
//! no branch and no memory access depends on a stored digest, or on whether or where one
//! matched: what the time taken may depend on is the credential's own digest (which bucket),
//! which its sender can compute anyway. After an acceptance, the work does depend on the caller
//! (its name is looked up, an older key is counted): that tells the sender only whose key it
//! presented, which it knows. The memcheck
//! probe (`secret_bearer/tests/constant_time.rs`) checks this for key sets as for single
//! secrets, on the code as users ship it: optimised, without debug assertions (the workspace
//! builds the crate so even in its debug profile). That is what the promise covers: release
//! builds. A debug build of your own keeps `subtle`'s debug assertion in `Choice::from`, a
//! branch on the secret that only debug builds have. One residue: a bucket that other requests read often may sit in the processor's
//! cache, which a local observer could time; that says at most a few leading bits of some
//! accepted credential's digest, never a key, and nothing at all about keys of 128 random bits
//! or more ([`generate_key`] makes over 170). The work per request is bounded: a set of 1,000
//! callers compares a few digests, not a thousand.
//!
//! A refused request gets a 401 with clearskies' body,
//! `{"status":"client_error","error":"Not Authenticated","data":[],"pagination":{},"input_errors":{}}`,
//! and a `WWW-Authenticate` challenge naming the prefix's scheme (`ApiKey` without a prefix).
//! On actix-web, a [`RejectionHandler`] in the app data replaces that response; behind the
//! tower layer, any tower middleware can.
//!
//! # Three ways to protect a handler
//!
//! - [`#[secret_bearer(...)]`](macro@secret_bearer) on the handler. It adds one parameter of
//!   type [`Authenticated`] that wraps the handler's own, so the check runs before any other
//!   extractor and before the body; the handler's name, attributes, visibility, generics,
//!   where-clause, parameter patterns and return type stay as written.
//! - The [`Authenticated`] extractor, with a [`SecretBearer`] registered with the server
//!   (actix-web's `App::app_data`, axum's `.layer(Extension(bearer))`). As a plain guard
//!   it leaves the other parameters free to read the body while it checks; wrap them in its `T`
//!   to authenticate first.
//! - A whole app or scope: on actix-web, [`SecretBearer`] as middleware (`App::wrap`,
//!   `Scope::wrap`); on axum (and tonic, hyper), the [`tower`] layer,
//!   `.layer(SecretBearerLayer::new(bearer))`.
//!
//! # Testing your own handlers
//!
//! The attribute changes a handler's parameters, so test it through the server's own test
//! path, as for any handler: on axum, `tower::ServiceExt::oneshot` on the router; on actix-web,
//! its test service:
//! with the header, without it, and with the secret missing. A process reads each variable
//! once, so a handler whose variable was missing stays misconfigured: test that case in a test
//! binary of its own (a file under `tests/`), as the second handler here stands for.
//!
//! ```
//! use actix_web::{App, HttpResponse, get, test};
//! use secret_bearer::secret_bearer;
//!
//! #[get("/widgets")]
//! #[secret_bearer(env = "WIDGETS_KEY", prefix = "Bearer ")]
//! async fn widgets() -> HttpResponse {
//!     HttpResponse::Ok().body("[]")
//! }
//!
//! #[get("/gadgets")]
//! #[secret_bearer(env = "GADGETS_KEY_NEVER_SET", prefix = "Bearer ")]
//! async fn gadgets() -> HttpResponse {
//!     HttpResponse::Ok().body("[]")
//! }
//!
//! # actix_web::rt::System::new().block_on(async {
//! // SAFETY: set before any other thread runs, and before any request reads it.
//! unsafe { std::env::set_var("WIDGETS_KEY", "K3Y") };
//! let app = test::init_service(App::new().service(widgets).service(gadgets)).await;
//! let status = async |uri, authorization: Option<&str>| {
//!     let mut request = test::TestRequest::get().uri(uri);
//!     if let Some(value) = authorization {
//!         request = request.insert_header(("Authorization", value));
//!     }
//!     test::call_service(&app, request.to_request()).await.status().as_u16()
//! };
//! assert_eq!(status("/widgets", Some("Bearer K3Y")).await, 200);
//! assert_eq!(status("/widgets", Some("Bearer wrong")).await, 401);
//! assert_eq!(status("/widgets", None).await, 401);
//! // The secret is missing: every request fails closed, with or without a header.
//! assert_eq!(status("/gadgets", Some("Bearer K3Y")).await, 500);
//! assert_eq!(status("/gadgets", None).await, 500);
//! # });
//! ```
//!
//! # Secret managers
//!
//! [`FileManager`] reads secrets mounted as files; with the `vault` feature, `VaultManager`
//! reads Vault or OpenBao KV version 2; with the `aws` feature, `AwsSecretsManager` reads AWS
//! Secrets Manager. Any store is a few lines of [`SecretManager`]. With `rotating`, the
//! alternate secret is the primary's previous version in the store
//! ([`SecretBearerBuilder::rotating`]), so a rotation done in the store needs no configuration.
//!
//! # Revocation
//!
//! What a [`SecretStore`] promises, under its [`CachePolicy`] (defaults: `refresh_after`
//! 4 minutes, `ttl` 5 minutes, `stale_if_error` 1 hour, `fetch_timeout` 10 seconds):
//!
//! - A request that starts more than `ttl` after the store changed is checked against the new
//!   value (plus one fetch, at most `fetch_timeout`), with or without traffic in between.
//!   Steady traffic never waits for the store: a value `refresh_after` old is refreshed in the
//!   background while it serves.
//! - While the store is unreachable (an error other than `NotFound` or `Invalid`, a fetch
//!   longer than `fetch_timeout`, a manager that panics), the last good value serves for at
//!   most `ttl + stale_if_error` after it was fetched, with a warning per failed fetch; then
//!   the source fails closed. The store is asked again every `retry_after`.
//! - `Denied` counts as unreachable: it says the store refused the *server* (its Vault token
//!   or AWS credentials expired or lost their policy, a file it may not read), not that a key
//!   was revoked. Answering it with an outage of every key would turn a credential that lapsed
//!   at night into a 500 for every caller; instead keys keep working for up to
//!   `ttl + stale_if_error` while someone restores the access (a [`VaultManager`] that logs
//!   in obtains a new token first). So revoke a key by changing the secret, never by revoking
//!   the server's access to it. A [`FileManager`] path that leads out of its directory is
//!   `Invalid` instead: a configuration that cannot work, which fails closed at once.
//! - The store's answer is authoritative: a secret it no longer has (`NotFound`, an empty
//!   value, a JSON key gone), or a value that cannot be used, fails closed at the fetch that
//!   finds it, as it would at start-up.
//! - To revoke one caller, remove it from the set; to revoke everything, delete the secret. To
//!   end a rotation, unset or delete the alternate: an alternate that is unset, empty or only
//!   whitespace, not found in its store, or whose JSON key is gone, is no alternate (one `info`
//!   event names it), and only the primary is accepted. A primary that is absent fails closed,
//!   and so does an alternate that is present but unusable.
//!
//! `tests/revocation/model.rs` holds the store to these sentences: random sequences of store edits,
//! outages, hangs, panics, idle days and bursts of requests, on Tokio's paused clock, checked
//! against a model that knows only what the store held, and when.
//!
//! # Clients
//!
//! The same attribute on a client function or method (free, in an `impl` block, or a trait's
//! method with a default body; sync or `async`) attaches `Authorization: <prefix><primary
//! secret>` to the request it is given, before the body runs. The request is the one parameter
//! whose type is `reqwest::RequestBuilder`, `awc::ClientRequest`, `http::request::Builder` or
//! `&mut http::HeaderMap` (an owned `HeaderMap` is an axum extractor), each behind the cargo feature of its crate. A secret
//! that cannot be read is the function's error, through `From<secret_bearer::Error>`.
//! The attribute sends nothing again; `client::awc::send` sends an awc request once more after a
//! 401 when the secret read again differs (see [`client`], which gives each kind of client its
//! one way).
//!
//! A whole client is authorized by a middleware instead, every request it sends:
//! `client::SecretBearerClientMiddleware` (feature `reqwest-middleware`) for
//! reqwest, which sends a refused request once more when the secret read again differs, and
//! `client::SecretBearerClientLayer` (feature `tower`) for hyper, tonic and any tower
//! client, which never resends (a tower request's body is spent) but reads the secret again for
//! the next call. Choose it when every request of the client goes to the
//! protected API (clearskies' `ApiBackend`); the attribute when only some do, on the one
//! function or trait method that sends them:
//!
//! ```
//! # #[cfg(feature = "reqwest")] {
//! use secret_bearer::secret_bearer;
//!
//! /// The widgets API; an implementation gives the base URL. Its key is read through the
//! /// installed `SecretStore`.
//! pub trait WidgetsApi {
//!     fn url(&self, path: &str) -> String;
//!
//!     #[secret_bearer(secret = "prod/widgets#api_key", prefix = "Bearer ")]
//!     async fn send(
//!         &self,
//!         request: reqwest::RequestBuilder,
//!     ) -> Result<reqwest::Response, Box<dyn std::error::Error + Send + Sync>> {
//!         Ok(request.send().await?)
//!     }
//! }
//! # }
//! ```
//!
//! # OpenAPI
//!
// The link resolves only where the module exists (docs.rs builds with every feature).
#![cfg_attr(
    feature = "openapi",
    doc = "With the `openapi` feature, [`openapi::document_handlers`] adds each annotated handler's"
)]
#![cfg_attr(
    not(feature = "openapi"),
    doc = "With the `openapi` feature, `openapi::document_handlers` adds each annotated handler's"
)]
//! security scheme, requirement and 401 response to a utoipa document;
//! `SecretBearer::document_paths` and `SecretBearer::document_operation` do the same for the
//! middleware and the extractor.
//!
//! # Servers
//!
//! The attribute protects actix-web and axum handlers alike (see its docs, "Which server").
//! Beside it, each server has the check's other entry points:
//!
//! | server | a whole app or scope | a plain guard, the caller | where a plain guard's bearer is found |
//! | --- | --- | --- | --- |
//! | actix-web (`actix`) | `App::wrap(bearer)` | `Authenticated`, `Caller` | the app data |
//! | axum (`axum`) | `Router::layer(SecretBearerLayer::new(bearer))` | `Authenticated` (first), `Caller` | the request's extensions |
//! | tonic, hyper, any tower service (`tower`) | `SecretBearerLayer` (a gRPC call's refusal, over HTTP/2, is `grpc-status` 16, 7 or 13; any other request's is the 401, 403 or 500) | `Caller` in the request's extensions | |
//!
//! Every server reads secrets in a manager through the one installed [`SecretStore`]
//! ([`SecretStore::install`]); an app given a store of its own (in its app data, or the
//! request's extensions) reads through that one instead.
//!
//! Every entry point runs the same check and answers a refusal the same way: the status, the
//! `WWW-Authenticate` challenge and clearskies' body ([`AuthError::status_code`],
//! [`AuthError::challenge`], [`AuthError::body`]). None shows the credential, and the tower
//! layer, the axum extractor and actix-web's middleware mark the incoming `Authorization`
//! sensitive before what comes after them sees it (actix-web's extractor cannot: see "What is
//! never shown" in the `actix` module).
//!
//! # How this differs from clearskies
//!
//! - Two primary sources are a compile error, not a silent preference; so are unknown keys.
//! - A secret that cannot be read answers 500 (clearskies raises); environment variables are
//!   read once, and secrets in a manager are cached (clearskies asks on every request).
//! - Comparisons are constant-time; clearskies compares with `==`.
//! - A 401 carries a `WWW-Authenticate` challenge; clearskies sends none.
//! - Two `Authorization` headers are refused rather than one of them picked.
//!
//! [clearskies]: https://pypi.org/project/clear-skies/
// Items of a feature this build leaves out link to their docs on docs.rs, which builds them.
#![cfg_attr(feature = "actix", doc = "[`actix`]: crate::actix")]
#![cfg_attr(
    not(feature = "actix"),
    doc = "[`actix`]: https://docs.rs/secret_bearer/latest/secret_bearer/actix/index.html"
)]
#![cfg_attr(
    feature = "actix",
    doc = "[`RejectionHandler`]: crate::actix::RejectionHandler"
)]
#![cfg_attr(
    not(feature = "actix"),
    doc = "[`RejectionHandler`]: https://docs.rs/secret_bearer/latest/secret_bearer/actix/struct.RejectionHandler.html"
)]
#![cfg_attr(feature = "tower", doc = "[`tower`]: crate::tower")]
#![cfg_attr(
    not(feature = "tower"),
    doc = "[`tower`]: https://docs.rs/secret_bearer/latest/secret_bearer/tower/index.html"
)]
#![cfg_attr(feature = "axum", doc = "[`axum`]: crate::axum")]
#![cfg_attr(
    not(feature = "axum"),
    doc = "[`axum`]: https://docs.rs/secret_bearer/latest/secret_bearer/axum/index.html"
)]
#![cfg_attr(feature = "vault", doc = "[`VaultManager`]: crate::VaultManager")]
#![cfg_attr(
    not(feature = "vault"),
    doc = "[`VaultManager`]: https://docs.rs/secret_bearer/latest/secret_bearer/struct.VaultManager.html"
)]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The secrets: where they come from, what they are, and the cache in front of managers.
mod digest;
mod error;
mod json;
mod key_set;
mod keygen;
mod keys;
mod manager;
mod managers;
mod secret;
mod source;
mod store;
mod timestamp;

// The check, and what a refusal is.
mod bearer;
mod caller;
mod check;
mod clock;
mod guard;
mod inline;
mod rejection;

// What uses the check: one adapter per server, the clients, the documentation.
#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
pub mod client;
#[cfg(feature = "openapi")]
#[cfg_attr(docsrs, doc(cfg(feature = "openapi")))]
pub mod openapi;
mod startup;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;
// Trait impls only: axum's extractors for `Authenticated` and `Caller`, a response for
// `AuthError`.
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// The names of what `#[secret_bearer]` expands to that rustc prints in a user's errors, so
/// that it prints them by their names alone. rustc shortens a path to its last name only when
/// it can reach the item outside any `#[doc(hidden)]` module and the name is unique; the rest
/// of `__private` stays hidden, so that its names take no short name from the user's own
/// types. Hidden from the docs all the same (`cfg(doc)` is set only when rustdoc builds this
/// crate's pages): not part of the public API.
#[cfg_attr(doc, doc(hidden))]
pub mod __names {
    pub use crate::__private::probe::{Extractor, HeadExtractor};
    pub use crate::__private::{BearerProvider, Inline, KeySet, OneKey, ReadWithoutWaiting};
    pub use crate::client::authorization::Authorize;
}

pub use bearer::{SecretBearer, SecretBearerBuilder};
pub use caller::{Caller, LastUse};
pub use digest::MAX_SECRET_LEN;
pub use error::{Error, ErrorKind};
pub use guard::{Authenticated, NamedBearer};
pub use keygen::generate_key;
pub use manager::{ManagerError, ManagerErrorKind, SecretManager};
#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
pub use managers::AwsSecretsManager;
pub use managers::FileManager;
#[cfg(feature = "vault")]
#[cfg_attr(docsrs, doc(cfg(feature = "vault")))]
pub use managers::VaultManager;
pub use rejection::{AuthError, AuthErrorKind};
pub use source::SecretSource;
pub use store::{CachePolicy, SecretStore};

/// Requires a valid `Authorization` header before an actix-web or axum handler runs, or
/// attaches one to a client's request.
///
/// | key | clearskies alias | meaning |
/// | --- | --- | --- |
/// | `env` | `environment_key` | environment variable holding the primary secret |
/// | `alt_env` | `alternate_environment_key` | environment variable holding an alternate secret |
/// | `secret` | `secret_key` | path of the primary secret in the installed store's [`SecretManager`]; `"path#json.key"` picks a key of a JSON secret |
/// | `alt_secret` | `alternate_secret_key` | path of an alternate secret in the same manager |
/// | `keys_env` / `keys_secret` | | a key set, one key per caller, in place of the primary and alternate secrets (crate docs, "Named keys") |
/// | `prefix` | `header_prefix` | text before the secret, matched ignoring ASCII case; no space implied, so one ending in a letter or digit (`"Bearer"`) is refused as a slip for `"Bearer "` |
/// | `no_space` | | a flag, written alone: the key follows a prefix ending in a letter or digit directly (`prefix = "sk", no_space` accepts `skKEY`) |
/// | `doc` | `documentation_security_name` | security scheme name in OpenAPI documents (default `ApiKey`, `""` for none) |
/// | `rotating` | | a flag, written alone: the alternate is the primary `secret`'s previous version in its store ([`SecretBearerBuilder::rotating`]) |
/// | `strong_keys` | | a flag, written alone: a plain key of under 112 bits of estimated strength fails closed instead of being logged (crate docs, "Key strength") |
///
/// Each key at most once; exactly one primary (`env`, `secret`, or a key set); at most one
/// alternate (`alt_env`, `alt_secret` or `rotating`), none beside a key set; sources mix.
/// [`SecretBearer::builder`] follows the same rules, one method per key. A handler reading a secret
/// manager reads through the installed [`SecretStore`] ([`SecretStore::install`]); without one
/// it answers 500, and [`resolve_all!`] refuses to start.
///
/// # Named bearers
///
/// A service whose handlers share one configuration writes it once, on a unit struct, and
/// names it wherever a configuration goes ([`NamedBearer`]):
///
/// ```
/// # #[cfg(feature = "actix")] {
/// use actix_web::{HttpResponse, get, web};
/// use secret_bearer::secret_bearer;
///
/// /// The widgets API's key.
/// #[secret_bearer(env = "WIDGETS_KEY", alt_env = "WIDGETS_KEY_OLD", prefix = "Bearer ")]
/// pub struct WidgetsKey;
///
/// #[get("/widgets/{id}")]
/// #[secret_bearer(WidgetsKey)]
/// async fn show(id: web::Path<u32>) -> HttpResponse {
///     HttpResponse::Ok().body(id.to_string())
/// }
/// # }
/// ```
///
/// The struct keeps its attributes and visibility, and takes every key and rule the attribute
/// has on a function; it must be a unit struct (no fields, generics or body). A name is written
/// alone (`#[secret_bearer(WidgetsKey)]`, or a path to it): a key beside it is an error at that
/// key, and a type that is not a named bearer an error at the name. Every handler, client
/// function, middleware, layer and OpenAPI document naming it shares one [`SecretBearer`]: one
/// cache entry per source, one report of older keys, one set of metrics, one security scheme.
/// Handlers naming one bearer with the same parameter types share one parameter type, so the
/// server's extraction code is compiled once, not once per handler (`BENCHMARKS.md`).
///
/// Handlers written with the same keys (in any order, aliases read as their keys) share one
/// bearer and one parameter type too, as if they named one bearer of those keys; keys that
/// differ in anything, `doc` included, make another. A named bearer says the configuration
/// once, and is the one a client function, the middleware or the layer can name as well.
///
/// The handler must be a free `async fn` (what the expansion adds beside it, its
/// configuration's listing and its parameters' check, cannot live in an `impl` block), without
/// `#[cfg]` on its parameters. On actix-web, the attribute
/// composes with `#[get]`, `#[post]`, `#[route]` in either order, and with
/// `web::resource(..).to(handler)`; on axum, route the handler as any other (`get(handler)`).
///
/// **Which server.** The attribute does not need to know: the handler it writes takes one
/// [`Authenticated`] parameter, which is an extractor of every server the crate is built for
/// (an actix-web `FromRequest` with the `actix` feature; an axum `FromRequestParts` or
/// `FromRequest` with `axum`), so the router that serves the handler picks. A crate that
/// enables both features can annotate handlers of both. That every parameter is an extractor is
/// checked at the parameter, against each server built: on axum, with the state of the
/// handler's `State<S>` parameter, or `()` when it has none (so an extractor that needs a
/// particular state, in a handler without a `State<S>` parameter, is refused: add one).
/// Attributes written below it see the rewritten parameter list, which implements `Debug` when
/// the parameters do (so `#[tracing::instrument]` works there); put attributes that must see the
/// original parameters above it. Mistakes are compile errors at the offending token.
///
/// # On a client
///
/// On a function or method that has one parameter of a request type (`reqwest::RequestBuilder`,
/// `awc::ClientRequest`, `http::request::Builder`, or `&mut http::HeaderMap`,
/// recognised by the type's name as written, so a type alias is not followed; the `reqwest`,
/// `awc` and `http` features support them), the attribute authorizes that request before the body runs: the
/// body sees it, under the same name, carrying `Authorization: <prefix><primary secret>`, which
/// replaces any value it had and is marked sensitive. The alternate secret is never sent; `doc`
/// does not apply. The function returns a `Result` whose error type implements
/// `From<secret_bearer::Error>`: a secret that cannot be read is that error, and nothing is
/// sent. An environment variable is read for every call; a secret in a manager is read through
/// the installed [`SecretStore`], and needs an `async fn`.
///
/// ```
/// # #[cfg(feature = "http")] {
/// use secret_bearer::secret_bearer;
///
/// #[secret_bearer(env = "MY_SECRET", prefix = "Bearer ")]
/// fn request(builder: http::request::Builder) -> Result<http::Request<()>, Box<dyn std::error::Error>> {
///     Ok(builder.uri("https://api.example.com/widgets").body(())?)
/// }
/// # }
/// ```
///
/// Put it on the one method that sends; to send once more after a 401 when the secret read
/// again differs, send through the [`client`] module's `send` or middleware instead. A method
/// with no request, two requests, a secret in a manager on a function that is not `async`, a
/// key set, or a trait method without a body is a compile error; naming a bearer that is a key
/// set, or whose secret is in a manager where the function cannot wait for it, is an error at
/// the name.
///
/// # The handler's expansion
///
/// The expansion lists the handler's configuration beside it (nothing for a named bearer) and
/// replaces the handler's parameters with one [`Authenticated`] parameter wrapping them, whose
/// provider is a hidden type of its keys (or the named bearer), and which it unpacks into the
/// original patterns before the body runs. Write the handler as usual:
///
/// ```
/// use actix_web::{HttpResponse, post, web};
/// use secret_bearer::secret_bearer;
///
/// #[derive(serde::Deserialize)]
/// struct Widget { name: String }
///
/// #[post("/widgets/{group}")]
/// #[secret_bearer(env = "MY_AUTH_SECRET", prefix = "Bearer ")]
/// async fn create(group: web::Path<String>, widget: web::Json<Widget>) -> HttpResponse {
///     HttpResponse::Created().body(format!("{}/{}", group, widget.name))
/// }
/// ```
pub use secret_bearer_macros::secret_bearer;

/// Reads the secrets of every `#[secret_bearer]` handler and named bearer defined in the calling
/// crate now, through the installed [`SecretStore`] for those that live in a secret manager
/// (which warms its cache), and returns how many bearers it checked (handlers written with the
/// same keys share one, as handlers naming a bearer do, and it counts once), or every problem
/// found, in one [`ErrorKind::Unresolved`].
///
/// It checks the handlers and named bearers defined in the crate it is called from, not every
/// annotated handler linked into the binary (a named bearer defined in another crate is that
/// crate's to check): a library's handlers that the application never mounts cannot stop it from
/// starting. (actix-web tells a handler's extractor nothing when the handler is mounted, so
/// which handlers an `App` serves cannot be known before it serves them.) A [`SecretBearer`]
/// built in code, for the middleware or the extractor, is checked with
/// [`SecretBearer::resolve`] or [`SecretBearer::resolve_with`].
///
/// A handler whose secret lives in a manager, in a process where no store is installed, is
/// one of the problems it reports ([`ErrorKind::NoSecretStore`]): install the store first, and a
/// forgotten one stops the service at start-up, on every server alike.
///
/// ```no_run
/// # async fn start() -> std::io::Result<()> {
/// use secret_bearer::{FileManager, SecretStore};
///
/// SecretStore::new(FileManager::new("/var/run/secrets"))
///     .install()
///     .map_err(std::io::Error::other)?;
/// secret_bearer::resolve_all!().await.map_err(std::io::Error::other)?;
/// // ... then serve: every handler, middleware, layer and client reads through that store.
/// # Ok(()) }
/// ```
#[macro_export]
macro_rules! resolve_all {
    () => {
        $crate::__private::resolve_handlers(::core::module_path!())
    };
}

/// What `#[secret_bearer]` adds beside a handler written with its keys: its configuration,
/// listed under the hash that names its provider, `Inline<$hash>` (shared by every handler
/// written with the same keys). A macro of the runtime's, so that the attribute writes one line.
#[doc(hidden)]
#[macro_export]
macro_rules! __inline_handler {
    ($hash:literal, $spec:expr) => {
        $crate::__private::inventory::submit! {
            $crate::__private::InlineHandler {
                module: ::core::module_path!(),
                hash: $hash,
                spec: $spec,
                named: ::core::option::Option::None,
            }
        }
    };
    ($hash:literal, $spec:expr, $named:ty) => {
        $crate::__private::inventory::submit! {
            $crate::__private::InlineHandler {
                module: ::core::module_path!(),
                hash: $hash,
                spec: $spec,
                named: ::core::option::Option::Some(
                    <$named as $crate::__private::NamedBearer>::bearer,
                ),
            }
        }
    };
}

/// What makes `$name` a [`NamedBearer`] (built from `$bearer`, a `LazyBearer`, on first use),
/// listed with the module that defines it for [`resolve_all!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __named_bearer {
    ($name:ident, $bearer:expr) => {
        impl $crate::__private::NamedBearer for $name {
            fn bearer() -> ::core::result::Result<
                &'static $crate::__private::SecretBearer,
                $crate::__private::Error,
            > {
                static BEARER: $crate::__private::LazyBearer = $bearer;
                BEARER.get()
            }
        }

        $crate::__private::inventory::submit! {
            $crate::__private::RegisteredHandler {
                module: ::core::module_path!(),
                bearer: <$name as $crate::__private::NamedBearer>::bearer,
            }
        }
    };
}

/// Records an annotated handler for [`openapi::document_handlers`]; nothing without `openapi`.
#[doc(hidden)]
#[macro_export]
#[cfg(feature = "openapi")]
macro_rules! __document_handler {
    ($operation_id:expr, $bearer:ty) => {
        $crate::__private::inventory::submit! {
            $crate::openapi::DocumentedHandler {
                operation_id: $operation_id,
                bearer: <$bearer as $crate::__private::NamedBearer>::bearer,
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
#[cfg(not(feature = "openapi"))]
macro_rules! __document_handler {
    ($($ignored:tt)*) => {};
}
