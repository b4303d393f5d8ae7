//! A secret past its time-to-live is refreshed even though every check so far used the
//! worker's thread view, which is trusted without reading the clock.
//!
//! A binary of its own: any cache entry publishing anywhere in the process ends every thread's
//! view, so in a binary shared with other tests, their fetches could end the view in place of
//! the time-to-live this test is about.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::http::header::AUTHORIZATION;
use actix_web::rt::time::sleep;
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
/// time-to-live, and shows that a check after it has passed fetches the secret again, though
/// every check before used the worker's view.
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
    // The first check fetches and builds the view; the next ones use it.
    for _ in 0..3 {
        assert_eq!(test::call_service(&app, request()).await.status(), 200);
    }
    assert_eq!(manager.0.load(Ordering::SeqCst), 1);

    sleep(Duration::from_millis(400)).await;
    // Served at once from the stale secret, which starts a refresh in the background.
    assert_eq!(test::call_service(&app, request()).await.status(), 200);
    sleep(Duration::from_millis(50)).await;
    assert_eq!(manager.0.load(Ordering::SeqCst), 2);
}

/// One test, so that nothing else in the process publishes while it waits.
#[actix_web::test]
async fn a_secret_past_its_time_to_live_is_fetched_again() {
    let primary = SecretBearer::builder().secret("/key").build().unwrap();
    fetched_again_after_the_time_to_live(primary, Counting::default()).await;

    // The alternate's time-to-live ends the view too, though the primary is never due.
    // SAFETY: no other thread reads the environment now.
    unsafe { std::env::set_var("SB_EXPIRY_PRIMARY", "ANOTHER-KEY") };
    let alternate = SecretBearer::builder()
        .env("SB_EXPIRY_PRIMARY")
        .alt_secret("/key")
        .build()
        .unwrap();
    fetched_again_after_the_time_to_live(alternate, Counting::default()).await;
}
