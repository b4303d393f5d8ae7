//! Whole clients: `SecretBearerClientMiddleware` on a reqwest-middleware `ClientWithMiddleware`,
//! against the recording server on loopback.

use actix_web::http::header::AUTHORIZATION;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use secret_bearer::client::SecretBearerClientMiddleware;
use secret_bearer::{Error, ErrorKind, SecretBearer};

use super::{Recorder, SECRET, init_env};

pub(super) fn client(middleware: SecretBearerClientMiddleware) -> ClientWithMiddleware {
    ClientBuilder::new(reqwest::Client::new())
        .with(middleware)
        .build()
}

/// The primary from the environment (`SB_CLIENT_SECRET`), an alternate beside it.
fn from_the_environment() -> SecretBearerClientMiddleware {
    init_env();
    let bearer = SecretBearer::builder()
        .env("SB_CLIENT_SECRET")
        .alt_env("SB_CLIENT_ALTERNATE")
        .prefix("Bearer ")
        .build()
        .unwrap();
    SecretBearerClientMiddleware::new(bearer)
}

#[actix_web::test]
async fn every_request_carries_the_primary_replacing_any_value_and_never_the_alternate() {
    // SAFETY: as in `init_env`; no other test reads this variable.
    unsafe { std::env::set_var("SB_CLIENT_ALTERNATE", "the-alternate") };
    let recorder = Recorder::default();
    let (base, server) = recorder.start();
    let client = client(from_the_environment());
    client.get(&base).send().await.unwrap();
    client
        .post(&base)
        .header(AUTHORIZATION.as_str(), "stale")
        .header(AUTHORIZATION.as_str(), "staler")
        .body("a body")
        .send()
        .await
        .unwrap();
    let sent = format!("Bearer {SECRET}");
    assert_eq!(recorder.seen(), [[sent.as_str()], [sent.as_str()]]);
    server.stop(true).await;
}

#[actix_web::test]
async fn a_secret_that_cannot_be_read_is_the_requests_error_and_nothing_is_sent() {
    let recorder = Recorder::default();
    let (base, server) = recorder.start();
    let bearer = SecretBearer::builder()
        .env("SB_CLIENT_UNSET")
        .build()
        .unwrap();
    let error = client(SecretBearerClientMiddleware::new(bearer))
        .get(&base)
        .send()
        .await
        .unwrap_err();
    let reqwest_middleware::Error::Middleware(error) = error else {
        panic!("{error:?}")
    };
    let error = error.downcast::<Error>().unwrap();
    assert!(
        matches!(error.kind(), ErrorKind::MissingSecret { .. }),
        "{error:?}"
    );
    assert!(recorder.seen().is_empty());
    server.stop(true).await;
}

/// Records whether the `Authorization` the request reached it with is marked sensitive.
struct Spy(std::sync::Arc<std::sync::Mutex<Vec<bool>>>);

impl reqwest_middleware::Middleware for Spy {
    fn handle<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        request: reqwest::Request,
        extensions: &'life1 mut http::Extensions,
        next: reqwest_middleware::Next<'life2>,
    ) -> std::pin::Pin<
        Box<
            dyn Future<Output = reqwest_middleware::Result<reqwest::Response>>
                + Send
                + 'async_trait,
        >,
    >
    where
        Self: 'async_trait,
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
    {
        let values = request.headers().get_all(AUTHORIZATION.as_str());
        let sensitive = values.iter().map(|value| value.is_sensitive());
        self.0.lock().unwrap().extend(sensitive);
        Box::pin(next.run(request, extensions))
    }
}

#[actix_web::test]
async fn the_header_is_marked_sensitive_for_what_comes_after() {
    let recorder = Recorder::default();
    let (base, server) = recorder.start();
    let seen = std::sync::Arc::default();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(from_the_environment())
        .with(Spy(std::sync::Arc::clone(&seen)))
        .build();
    client.get(&base).send().await.unwrap();
    assert_eq!(*seen.lock().unwrap(), [true], "one value, sensitive");
    server.stop(true).await;
}
