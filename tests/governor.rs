//! Limits that know who called: tower-governor keyed on the [`Caller`] that `SecretBearerLayer`
//! puts in the request, the layer placed outside the limiter (the `tower` module docs, "Limits
//! per caller"). Each caller has a bucket of its own, a refusal spends none, and the key a
//! limiter is given is a name the check verified, never the raw token.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header::AUTHORIZATION};
use axum::routing::get;
use secret_bearer::Caller;
use secret_bearer::tower::SecretBearerLayer;
use tower::ServiceExt;
use tower_governor::GovernorError;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;

/// The docs' extractor: the name of the caller the check accepted.
#[derive(Clone)]
struct CallerName;

impl KeyExtractor for CallerName {
    type Key = String;

    fn extract<T>(&self, request: &Request<T>) -> Result<String, GovernorError> {
        let caller = request.extensions().get::<Caller>();
        caller
            .map(|caller| caller.name().to_owned())
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

/// The shared key set behind the layer, each caller allowed a burst of 2, then one a minute.
fn router() -> Router {
    support::init_env();
    let limit = GovernorConfigBuilder::default()
        .key_extractor(CallerName)
        .per_second(60)
        .burst_size(2)
        .finish()
        .unwrap();
    let bearer = secret_bearer::SecretBearer::builder()
        .keys_env("SB_TEST_KEYS")
        .prefix("Bearer ")
        .build()
        .unwrap();
    Router::new()
        .route(
            "/",
            get(|caller: Caller| async move { caller.name().to_owned() }),
        )
        // The last layer added runs first: the check, then the limit on its verdict.
        .layer(GovernorLayer::new(limit))
        .layer(SecretBearerLayer::new(bearer))
}

async fn status(router: &Router, authorization: &str) -> StatusCode {
    let request = Request::builder()
        .uri("/")
        .header(AUTHORIZATION, authorization)
        .body(Body::empty())
        .unwrap();
    router.clone().oneshot(request).await.unwrap().status()
}

#[tokio::test]
async fn each_verified_caller_has_a_bucket_of_its_own() {
    let router = router();
    // Refusals come before the limiter: they spend no caller's bucket.
    for _ in 0..5 {
        assert_eq!(
            status(&router, "Bearer NOT-A-KEY").await,
            StatusCode::UNAUTHORIZED
        );
    }
    for _ in 0..2 {
        assert_eq!(status(&router, "Bearer ALICEKEY").await, StatusCode::OK);
    }
    assert_eq!(
        status(&router, "Bearer ALICEKEY").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Bob's two keys are one caller, one bucket; Erin's is untouched by Alice's.
    assert_eq!(status(&router, "Bearer BOBKEY").await, StatusCode::OK);
    assert_eq!(status(&router, "Bearer BOBOLD").await, StatusCode::OK);
    assert_eq!(
        status(&router, "Bearer BOBKEY").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(status(&router, "Bearer ERINKEY").await, StatusCode::OK);
    // A wrong key is still refused as such, not limited.
    assert_eq!(
        status(&router, "Bearer ALICEKEX").await,
        StatusCode::UNAUTHORIZED
    );
}
