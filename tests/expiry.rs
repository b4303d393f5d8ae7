//! A secret due for its refresh ahead keeps serving while it is refreshed in the background,
//! and the refresh replaces it; past its time-to-live, the request fetches it first: on the
//! cache's own clock, which the test advances.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{App, test, web};
use secret_bearer::{
    Authenticated, CachePolicy, ManagerError, SecretBearer, SecretManager, SecretStore,
};

/// Always the same secret, counting how often it is asked for.
#[derive(Clone, Default)]
struct Counting(Arc<AtomicUsize>);

impl SecretManager for Counting {
    async fn get(&self, _: &str) -> Result<String, ManagerError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok("THE-KEY".to_owned())
    }
}

async fn protected(_: Authenticated) -> &'static str {
    "ok"
}

/// Answers `THE-KEY` to `bearer`'s checks through a store of `manager` with a 200 ms
/// time-to-live (so refreshed ahead at 160 ms), and shows that a check at the refresh is served
/// at once and refreshes the secret, and that one past the time-to-live fetches it first.
async fn fetched_again_after_the_time_to_live(bearer: SecretBearer, manager: Counting) {
    let policy = CachePolicy::default().ttl(Duration::from_millis(200));
    let app = test::init_service(
        App::new()
            .app_data(SecretStore::with_policy(manager.clone(), policy))
            .app_data(bearer)
            .route("/", web::get().to(protected)),
    )
    .await;
    let request = || {
        test::TestRequest::get()
            .uri("/")
            .insert_header((AUTHORIZATION, "THE-KEY"))
            .to_request()
    };
    for _ in 0..3 {
        assert_eq!(test::call_service(&app, request()).await.status(), 200);
    }
    assert_eq!(manager.0.load(Ordering::SeqCst), 1);

    tokio::time::advance(Duration::from_millis(159)).await;
    assert_eq!(test::call_service(&app, request()).await.status(), 200);
    tokio::task::yield_now().await;
    assert_eq!(manager.0.load(Ordering::SeqCst), 1, "not yet due");

    tokio::time::advance(Duration::from_millis(1)).await;
    // Served at once from the cached secret, which starts a refresh in the background.
    assert_eq!(test::call_service(&app, request()).await.status(), 200);
    assert_eq!(manager.0.load(Ordering::SeqCst), 1, "not waited for");
    tokio::task::yield_now().await;
    assert_eq!(manager.0.load(Ordering::SeqCst), 2);
    assert_eq!(test::call_service(&app, request()).await.status(), 200);
    assert_eq!(manager.0.load(Ordering::SeqCst), 2, "fresh again");

    // No traffic for a time-to-live: the next request fetches before it is answered.
    tokio::time::advance(Duration::from_millis(200)).await;
    assert_eq!(test::call_service(&app, request()).await.status(), 200);
    assert_eq!(manager.0.load(Ordering::SeqCst), 3);
}

#[actix_web::test]
async fn a_secret_past_its_time_to_live_is_fetched_again() {
    tokio::time::pause();
    let primary = SecretBearer::builder().secret("/key").build().unwrap();
    fetched_again_after_the_time_to_live(primary, Counting::default()).await;

    // An alternate's time-to-live counts too, though the primary never falls due.
    let alternate = SecretBearer::builder()
        .env("PATH")
        .alt_secret("/key")
        .build()
        .unwrap();
    fetched_again_after_the_time_to_live(alternate, Counting::default()).await;
}
