//! Every entry point's verdict (actix-web's and axum's, the tower layer's) equals a plain
//! reference model of the check, for arbitrary
//! header sets, secrets (plain and hashed) and prefixes: exactly one `Authorization` header,
//! whose first bytes are the prefix in any ASCII case, and whose rest is non-empty, at most
//! `MAX_SECRET_LEN` bytes, and `==` the primary or the alternate key.

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::http::header::AUTHORIZATION;
use actix_web::test::{TestRequest, call_service, init_service};
use actix_web::{App, HttpResponse, web};
use proptest::prelude::*;
use secret_bearer::tower::SecretBearerLayer;
use secret_bearer::{
    Authenticated, ManagerError, ManagerErrorKind, SecretBearer, SecretManager, SecretStore,
    secret_bearer,
};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

/// The model: what the check must answer, computed the plainest way.
fn model(prefix: &str, keys: &[&str], headers: &[String]) -> bool {
    let [header] = headers else { return false };
    let Some(head) = header.get(..prefix.len()) else {
        return false;
    };
    let rest = &header[prefix.len()..];
    head.eq_ignore_ascii_case(prefix)
        && !rest.is_empty()
        && rest.len() <= secret_bearer::MAX_SECRET_LEN
        && keys.contains(&rest)
}

/// How a key is stored: itself, or `sha256:` and its digest.
fn stored(key: &str, hashed: bool) -> String {
    if !hashed {
        return key.to_owned();
    }
    let digest: String = Sha256::digest(key.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("sha256:{digest}")
}

/// A manager that holds the two stored values.
struct Pair(String, Option<String>);

impl SecretManager for Pair {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        match (path, &self.1) {
            ("/primary", _) => Ok(self.0.clone()),
            ("/alternate", Some(alternate)) => Ok(alternate.clone()),
            _ => Err(ManagerError::new(
                ManagerErrorKind::NotFound,
                path.to_owned(),
            )),
        }
    }
}

/// A key a header can carry and the check accepts: no edge whitespace, no control character.
fn key() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.~+/=-]{1,12}( [a-z]{1,3})?"
}

/// Header values made of the prefix (in any case, or cut short) and a key (or near misses).
fn headers(prefix: String, keys: Vec<String>) -> impl Strategy<Value = Vec<String>> {
    let cut = prefix.len().saturating_sub(1);
    let head = prop_oneof![
        Just(prefix.clone()),
        Just(prefix.to_uppercase()),
        Just(prefix.to_lowercase()),
        Just(prefix[..cut].to_owned()),
        Just(String::new()),
    ];
    let body = prop_oneof![
        proptest::sample::select(keys.clone()),
        proptest::sample::select(keys.clone()).prop_map(|key| format!("{key}x")),
        proptest::sample::select(keys).prop_map(|key| key[..key.len() - 1].to_owned()),
        key(),
        Just(String::new()),
    ];
    proptest::collection::vec((head, body).prop_map(|(head, body)| head + &body), 0..3)
        // What an HTTP request can carry: HTTP strips a value's edge whitespace.
        .prop_filter("sendable", |values| values.iter().all(|v| v.trim() == v))
}

fn case() -> impl Strategy<Value = (String, Vec<(String, bool)>, Vec<String>)> {
    let prefix = prop_oneof![
        Just(""),
        Just("Bearer "),
        Just("secret-token "),
        Just("Key=")
    ];
    let keys = proptest::collection::vec((key(), any::<bool>()), 1..=2);
    (prefix, keys).prop_flat_map(|(prefix, keys)| {
        let plain = keys.iter().map(|(key, _)| key.clone()).collect();
        (
            Just(prefix.to_owned()),
            Just(keys),
            headers(prefix.to_owned(), plain),
        )
    })
}

static VARIABLES: AtomicUsize = AtomicUsize::new(0);

/// A bearer whose secrets are fresh environment variables holding the stored keys.
fn env_bearer(prefix: &str, keys: &[(String, bool)]) -> SecretBearer {
    let mut builder = SecretBearer::builder().prefix(prefix.to_owned());
    for (index, (key, hashed)) in keys.iter().enumerate() {
        let name = format!("SB_MODEL_{}", VARIABLES.fetch_add(1, Ordering::Relaxed));
        // SAFETY: the variables are unique, and set before anything reads them.
        unsafe { std::env::set_var(&name, stored(key, *hashed)) };
        builder = match index {
            0 => builder.env(name),
            _ => builder.alt_env(name),
        };
    }
    builder.build().unwrap()
}

async fn ok() -> HttpResponse {
    HttpResponse::Ok().finish()
}

async fn guarded(_: Authenticated) -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Whether `router` answers a GET of `uri` with `headers` with a 200 (else a 401).
async fn axum_accepts(router: axum::Router, uri: &str, headers: &[String]) -> bool {
    let mut request = axum::http::Request::get(uri);
    for header in headers {
        request = request.header(AUTHORIZATION.as_str(), header.as_str());
    }
    let request = request.body(axum::body::Body::empty()).unwrap();
    let status = router.oneshot(request).await.unwrap().status();
    assert!(status == 200 || status == 401, "{status}");
    status == 200
}

/// Every entry point's answer to `headers`: `check`, `authenticate` through a store, the
/// actix-web extractor and middleware, the tower layer (on an axum router) with the
/// environment and with the store, and axum's plain guard.
async fn verdicts(prefix: &str, keys: &[(String, bool)], headers: &[String]) -> [bool; 7] {
    let values = || headers.iter().map(|header| header.as_bytes());
    let bearer = env_bearer(prefix, keys);
    let checked = bearer.check(values()).is_ok();

    let stored_keys: Vec<String> = keys
        .iter()
        .map(|(key, hashed)| stored(key, *hashed))
        .collect();
    let store = SecretStore::new(Pair(stored_keys[0].clone(), stored_keys.get(1).cloned()));
    let mut managed = SecretBearer::builder()
        .secret("/primary")
        .prefix(prefix.to_owned());
    if keys.len() > 1 {
        managed = managed.alt_secret("/alternate");
    }
    let managed = managed.build().unwrap();
    let authenticated = managed.authenticate(Some(&store), values()).await.is_ok();

    let route = || axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    let layered = route().layer(SecretBearerLayer::new(bearer.clone()));
    // The store reaches the layer in the request's extensions, put there by a layer outside it.
    let layered_store = route()
        .layer(SecretBearerLayer::new(managed))
        .layer(axum::Extension(store));
    let guarded_axum = axum::Router::new()
        .route("/", axum::routing::get(|_: Authenticated| async { "ok" }))
        .layer(axum::Extension(bearer.clone()));
    let axum = [
        axum_accepts(layered, "/", headers).await,
        axum_accepts(layered_store, "/", headers).await,
        axum_accepts(guarded_axum, "/", headers).await,
    ];

    let app = init_service(
        App::new()
            .app_data(bearer.clone())
            .route("/extractor", web::get().to(guarded))
            .service(
                web::scope("/middleware")
                    .wrap(bearer)
                    .route("/", web::get().to(ok)),
            ),
    )
    .await;
    let mut served = [false; 2];
    for (uri, served) in ["/extractor", "/middleware/"].iter().zip(&mut served) {
        let mut request = TestRequest::get().uri(uri);
        for header in headers {
            request = request.append_header((AUTHORIZATION, header.as_str()));
        }
        let status = call_service(&app, request.to_request()).await.status();
        assert!(status == 200 || status == 401, "{status}");
        *served = status == 200;
    }
    [
        checked,
        authenticated,
        served[0],
        served[1],
        axum[0],
        axum[1],
        axum[2],
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_entry_point_answers_as_the_model((prefix, keys, headers) in case()) {
        let plain: Vec<&str> = keys.iter().map(|(key, _)| key.as_str()).collect();
        let expected = model(&prefix, &plain, &headers);
        let verdicts = actix_web::rt::System::new().block_on(verdicts(&prefix, &keys, &headers));
        prop_assert_eq!(verdicts, [expected; 7], "{:?} {:?} {:?}", prefix, keys, headers);
    }
}

/// The attribute's handler: its secrets are fixed (a process reads a variable once), so its
/// cases vary the headers only.
#[actix_web::get("/attribute")]
#[secret_bearer(
    env = "SB_MODEL_ATTRIBUTE",
    alt_env = "SB_MODEL_ATTRIBUTE_OLD",
    prefix = "Bearer "
)]
async fn attribute() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// The same, on axum.
#[secret_bearer(
    env = "SB_MODEL_ATTRIBUTE",
    alt_env = "SB_MODEL_ATTRIBUTE_OLD",
    prefix = "Bearer "
)]
async fn axum_attribute() -> &'static str {
    "ok"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_attribute_answers_as_the_model(
        headers in headers("Bearer ".to_owned(), vec!["NEW-KEY".to_owned(), "OLD-KEY".to_owned()])
    ) {
        // SAFETY: the same values every case, set before the handler reads them.
        unsafe {
            std::env::set_var("SB_MODEL_ATTRIBUTE", "NEW-KEY");
            std::env::set_var("SB_MODEL_ATTRIBUTE_OLD", stored("OLD-KEY", true));
        }
        let expected = model("Bearer ", &["NEW-KEY", "OLD-KEY"], &headers);
        let accepted = actix_web::rt::System::new().block_on(async {
            let app = init_service(App::new().service(attribute)).await;
            let mut request = TestRequest::get().uri("/attribute");
            for header in &headers {
                request = request.append_header((AUTHORIZATION, header.as_str()));
            }
            let actix = call_service(&app, request.to_request()).await.status() == 200;
            let router = axum::Router::new().route("/", axum::routing::get(axum_attribute));
            [actix, axum_accepts(router, "/", &headers).await]
        });
        prop_assert_eq!(accepted, [expected; 2], "{:?}", headers);
    }
}

/// A key set: up to 40 callers, each with one to three keys (newest first), plain or hashed,
/// no key listed twice.
fn key_set() -> impl Strategy<Value = Vec<(String, Vec<(String, bool)>)>> {
    let keys = proptest::collection::vec((key(), any::<bool>()), 1..=3);
    proptest::collection::btree_map("[a-z]([a-z0-9 _-]{0,7}[a-z0-9_-])?", keys, 1..40)
        .prop_map(|set| set.into_iter().collect::<Vec<_>>())
        .prop_filter("no key listed twice", |set| {
            let mut seen = std::collections::HashSet::new();
            set.iter()
                .flat_map(|(_, keys)| keys)
                .all(|(key, _)| seen.insert(key.clone()))
        })
}

/// Credentials to present: every key held, near misses of them, and arbitrary keys.
fn presented(set: &[(String, Vec<(String, bool)>)]) -> Vec<String> {
    let held = set
        .iter()
        .flat_map(|(_, keys)| keys.iter().map(|(key, _)| key.clone()));
    held.flat_map(|key| {
        let cut = key[..key.len() - 1].to_owned();
        [format!("{key}x"), cut, key.to_uppercase(), key]
    })
    .chain(["x".to_owned(), "not-a-key-of-anyone".to_owned()])
    .filter(|credential| !credential.is_empty())
    .collect()
}

/// What the model answers: the key's caller, and whether it is that caller's newest key.
fn owner(set: &[(String, Vec<(String, bool)>)], credential: &str) -> Option<(String, bool)> {
    set.iter().find_map(|(name, keys)| {
        let index = keys.iter().position(|(key, _)| key == credential)?;
        Some((name.clone(), index == 0))
    })
}

/// A manager that holds one document.
struct Document(String);

impl SecretManager for Document {
    async fn get(&self, _: &str) -> Result<String, ManagerError> {
        Ok(self.0.clone())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn a_key_set_accepts_exactly_the_keys_it_holds(set in key_set()) {
        let document: serde_json::Map<String, serde_json::Value> = set
            .iter()
            .map(|(name, keys)| {
                let keys: Vec<String> =
                    keys.iter().map(|(key, hashed)| stored(key, *hashed)).collect();
                (name.clone(), keys.into())
            })
            .collect();
        let document = serde_json::to_string(&document).unwrap();
        let name = format!("SB_MODEL_{}", VARIABLES.fetch_add(1, Ordering::Relaxed));
        // SAFETY: the variable is unique, and set before anything reads it.
        unsafe { std::env::set_var(&name, &document) };
        let from_env = SecretBearer::builder().keys_env(name).build().unwrap();
        let store = SecretStore::new(Document(document));
        let from_store = SecretBearer::builder().keys_secret("/keys").build().unwrap();
        for credential in presented(&set) {
            let expected = owner(&set, &credential);
            let answer = |caller: Result<secret_bearer::Caller, _>| {
                caller.ok().map(|caller| (caller.name().to_owned(), caller.is_newest_key()))
            };
            let checked = answer(from_env.check([credential.as_bytes()]));
            let authenticated = answer(
                actix_web::rt::System::new()
                    .block_on(from_store.authenticate(Some(&store), [credential.as_bytes()])),
            );
            prop_assert_eq!(&checked, &expected, "{:?}", credential);
            prop_assert_eq!(&authenticated, &expected, "{:?}", credential);
        }
    }
}
