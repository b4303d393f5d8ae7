//! A key removed from the store stops working within the bound the docs state, whatever the
//! store does: one deterministic test per way it was found not to (issue "Revocation with a
//! bound you can state"), on Tokio's paused clock.

use std::time::Duration;

use crate::support::CapturedLogs;
use crate::support::scripted::{Reach, Scripted};
use futures_util::future::join_all;
use secret_bearer::{CachePolicy, SecretBearer, SecretStore};
use tokio::time::sleep;

const SECOND: Duration = Duration::from_secs(1);

/// The defaults, in seconds: refresh ahead at 240, time-to-live 300, stale for 3600 more,
/// fetches cut off at 10, retried after 10.
fn policy() -> CachePolicy {
    CachePolicy::default()
}

/// 200, 401 or 500: what `bearer` answers `credential`, its secrets read through `store`.
async fn status(bearer: &SecretBearer, store: &SecretStore, credential: &str) -> u16 {
    match bearer
        .authenticate(Some(store), [credential.as_bytes()])
        .await
    {
        Ok(_) => 200,
        Err(refusal) => refusal.status_code(),
    }
}

fn single(path: &'static str) -> SecretBearer {
    SecretBearer::builder().secret(path).build().unwrap()
}

/// Lets the refreshes started in the background run.
async fn settle() {
    sleep(Duration::from_millis(1)).await;
}

#[actix_web::test]
async fn a_panicking_manager_counts_as_unreachable_and_refreshing_goes_on() {
    tokio::time::pause();
    let manager = Scripted::new(&[("/key", "OLD-KEY")]);
    let store = SecretStore::with_policy(manager.clone(), policy());
    let bearer = single("/key");
    assert_eq!(status(&bearer, &store, "OLD-KEY").await, 200);
    manager.reach(Reach::Panic);
    manager.set("/key", "NEW-KEY");

    // Refreshed ahead at 240 s: the refresh panics, the value keeps serving.
    sleep(SECOND * 240).await;
    assert_eq!(status(&bearer, &store, "OLD-KEY").await, 200);
    settle().await;
    assert_eq!(manager.fetches().len(), 2);
    // Past the time-to-live the request waits for a fetch, which panics: the store is
    // unreachable, so the last good value serves (stale-if-error).
    sleep(SECOND * 60).await;
    assert_eq!(status(&bearer, &store, "OLD-KEY").await, 200);
    assert_eq!(manager.fetches().len(), 3);

    // The manager recovers: at the next try the new key is in, the old one out, with no
    // mismatching credential needed to set refreshing going again.
    manager.reach(Reach::Up);
    sleep(SECOND * 10).await;
    assert_eq!(status(&bearer, &store, "OLD-KEY").await, 401);
    assert_eq!(status(&bearer, &store, "NEW-KEY").await, 200);
    assert_eq!(manager.fetches().len(), 4);
}

#[actix_web::test]
async fn after_two_days_idle_a_burst_is_checked_against_the_store_as_it_is() {
    tokio::time::pause();
    let manager = Scripted::new(&[("/key", "MONDAY-KEY")]);
    manager.latency(SECOND);
    let store = SecretStore::with_policy(manager.clone(), policy());
    let bearer = single("/key");
    assert_eq!(status(&bearer, &store, "MONDAY-KEY").await, 200);
    manager.set("/key", "TUESDAY-KEY");
    sleep(SECOND * 2 * 24 * 3600).await;
    let burst = (0..60).map(|n| {
        let (bearer, store) = (&bearer, &store);
        let credential = ["MONDAY-KEY", "TUESDAY-KEY", "WRONG"][n % 3];
        async move { (credential, status(bearer, store, credential).await) }
    });
    for (credential, status) in join_all(burst).await {
        let expected = if credential == "TUESDAY-KEY" {
            200
        } else {
            401
        };
        assert_eq!(status, expected, "{credential}");
    }
    assert_eq!(manager.fetches().len(), 2, "one fetch for the whole burst");
}

#[actix_web::test]
async fn deleting_or_emptying_the_secret_revokes_it_at_the_next_fetch() {
    tokio::time::pause();
    let key_set = SecretBearer::builder()
        .keys_secret("/keys")
        .build()
        .unwrap();
    let keys = r#"{"alice": "ALICE-KEY"}"#;
    for (bearer, path, credential, stored) in [
        (single("/key"), "/key", "THE-KEY", "THE-KEY"),
        (key_set.clone(), "/keys", "ALICE-KEY", keys),
    ] {
        for (change, edit) in [
            ("deleted", None),
            ("emptied", Some("")),
            ("blanked", Some(" \n")),
            ("no callers", Some("{}")),
        ] {
            if change == "no callers" && path == "/key" {
                continue; // `{}` is a valid single key.
            }
            let manager = Scripted::new(&[(path, stored)]);
            let store = SecretStore::with_policy(manager.clone(), policy());
            assert_eq!(status(&bearer, &store, credential).await, 200, "{change}");
            match edit {
                None => manager.delete(path),
                Some(value) => manager.set(path, value),
            }
            let logs = CapturedLogs::start();
            // The refresh ahead fetches the edit; from then on the source fails closed.
            sleep(SECOND * 240).await;
            assert_eq!(status(&bearer, &store, credential).await, 200, "{change}");
            settle().await;
            assert_eq!(
                status(&bearer, &store, credential).await,
                500,
                "{path} {change}"
            );
            let logged = logs.text();
            assert!(logged.contains("fail closed"), "{logged}");
            assert!(!logged.contains(credential), "{logged}");
            // Fixed in the store: seen after `retry_after`, not a time-to-live later.
            manager.set(path, stored);
            sleep(SECOND * 10).await;
            assert_eq!(
                status(&bearer, &store, credential).await,
                200,
                "{path} {change}"
            );
        }
    }
}

#[actix_web::test]
async fn a_revoked_caller_is_refused_by_the_first_request_past_the_time_to_live() {
    tokio::time::pause();
    let manager = Scripted::new(&[("/keys", r#"{"alice": "ALICE-KEY", "bob": "BOB-KEY"}"#)]);
    let policy = policy().refresh_after(SECOND * 300);
    let store = SecretStore::with_policy(manager.clone(), policy);
    let bearer = SecretBearer::builder()
        .keys_secret("/keys")
        .build()
        .unwrap();
    assert_eq!(status(&bearer, &store, "BOB-KEY").await, 200);
    manager.set("/keys", r#"{"alice": "ALICE-KEY"}"#);
    sleep(SECOND * 299).await;
    assert_eq!(
        status(&bearer, &store, "BOB-KEY").await,
        200,
        "within the time-to-live"
    );
    sleep(SECOND).await;
    assert_eq!(
        status(&bearer, &store, "BOB-KEY").await,
        401,
        "the first request past it"
    );
    assert_eq!(status(&bearer, &store, "ALICE-KEY").await, 200);
}

/// A rotation ends by unsetting, emptying or deleting the alternate: the primary alone is
/// accepted, with one `info` event that names the alternate's source.
#[actix_web::test]
async fn an_alternate_that_is_unset_empty_or_deleted_is_no_alternate() {
    tokio::time::pause();
    // SAFETY: set before anything reads them, and only here.
    unsafe {
        std::env::set_var("SB_REVOCATION_PRIMARY", "PRIMARY-KEY");
        std::env::set_var("SB_REVOCATION_EMPTY", "");
        std::env::set_var("SB_REVOCATION_BLANK", "  ");
    }
    let manager = Scripted::new(&[("/primary", "PRIMARY-KEY"), ("/empty", "")]);
    let store = SecretStore::with_policy(manager.clone(), policy());
    for (bearer, named) in [
        (
            SecretBearer::builder()
                .env("SB_REVOCATION_PRIMARY")
                .alt_env("SB_REVOCATION_UNSET"),
            "environment variable `SB_REVOCATION_UNSET`",
        ),
        (
            SecretBearer::builder()
                .env("SB_REVOCATION_PRIMARY")
                .alt_env("SB_REVOCATION_EMPTY"),
            "environment variable `SB_REVOCATION_EMPTY`",
        ),
        (
            SecretBearer::builder()
                .env("SB_REVOCATION_PRIMARY")
                .alt_env("SB_REVOCATION_BLANK"),
            "environment variable `SB_REVOCATION_BLANK`",
        ),
        (
            SecretBearer::builder()
                .secret("/primary")
                .alt_secret("/deleted"),
            "secret `/deleted`",
        ),
        (
            SecretBearer::builder()
                .secret("/primary")
                .alt_secret("/empty"),
            "secret `/empty`",
        ),
    ] {
        let bearer = bearer.build().unwrap();
        let logs = CapturedLogs::start();
        bearer.resolve_with(Some(&store)).await.unwrap();
        assert_eq!(status(&bearer, &store, "PRIMARY-KEY").await, 200, "{named}");
        assert_eq!(status(&bearer, &store, "").await, 401, "{named}");
        assert_eq!(status(&bearer, &store, "OTHER").await, 401, "{named}");
        let logged = logs.text();
        assert_eq!(logged.matches("INFO").count(), 1, "{logged}");
        assert!(logged.contains("only the primary is accepted"), "{logged}");
        assert!(logged.contains(named), "{logged}");
    }

    // Mid-rotation, the old key works until the alternate is deleted; then it is refused by
    // the first request past the time-to-live.
    manager.set("/old", "OLD-KEY");
    let rotating = SecretBearer::builder()
        .secret("/primary")
        .alt_secret("/old")
        .build()
        .unwrap();
    assert_eq!(status(&rotating, &store, "OLD-KEY").await, 200);
    let logs = CapturedLogs::start();
    manager.delete("/old");
    sleep(SECOND * 300).await;
    assert_eq!(status(&rotating, &store, "OLD-KEY").await, 401);
    assert_eq!(status(&rotating, &store, "PRIMARY-KEY").await, 200);
    // Said once, when it goes, not at every refresh after.
    for _ in 0..3 {
        sleep(SECOND * 240).await;
        assert_eq!(status(&rotating, &store, "PRIMARY-KEY").await, 200);
        settle().await;
    }
    assert!(manager.fetches().len() >= 8, "{}", manager.fetches().len());
    let logged = logs.text();
    assert_eq!(
        logged.matches("alternate secret is gone").count(),
        1,
        "{logged}"
    );
}

#[actix_web::test]
async fn an_unreachable_store_serves_the_last_key_for_ttl_plus_stale_if_error_then_fails_closed() {
    stale_for_ttl_plus_stale_if_error_then_closed(Reach::Down).await;
}

/// `Denied` is the server's own access refused (its token expired or its policy changed), not
/// a word on the keys: it counts as unreachable, so the last good key serves within the same
/// bound, and an outage of the server's credentials is not an outage of the API. Revoking a key
/// is done in the key's value (the docs' "Revocation").
#[actix_web::test]
async fn a_store_that_denies_the_server_serves_the_last_key_for_the_same_bound() {
    stale_for_ttl_plus_stale_if_error_then_closed(Reach::Denied).await;
}

async fn stale_for_ttl_plus_stale_if_error_then_closed(reach: Reach) {
    tokio::time::pause();
    let manager = Scripted::new(&[("/key", "THE-KEY")]);
    let store = SecretStore::with_policy(manager.clone(), policy());
    let bearer = single("/key");
    assert_eq!(status(&bearer, &store, "THE-KEY").await, 200);
    manager.reach(reach);
    let logs = CapturedLogs::start();
    sleep(SECOND * 300).await;
    assert_eq!(
        status(&bearer, &store, "THE-KEY").await,
        200,
        "stale, the store down"
    );
    let stale = logs.text();
    assert_eq!(
        stale.matches("the last good value stays in use").count(),
        1,
        "{stale}"
    );
    assert!(!stale.contains("longer than `stale_if_error`"), "{stale}");

    let logs = CapturedLogs::start();
    sleep(SECOND * 3599).await;
    assert_eq!(
        status(&bearer, &store, "THE-KEY").await,
        200,
        "ttl + stale_if_error - 1 s"
    );
    sleep(SECOND).await;
    assert_eq!(
        status(&bearer, &store, "THE-KEY").await,
        500,
        "ttl + stale_if_error"
    );
    // The next fetch that cannot reach the store says why nothing serves any more.
    sleep(SECOND * 10).await;
    assert_eq!(status(&bearer, &store, "THE-KEY").await, 500);
    let expired = logs.text();
    let refused = "misconfigured error=the secret manager could not read secret `/key`";
    assert!(expired.contains(refused), "{expired}");
    assert!(
        expired.contains("unreachable for longer than `stale_if_error`"),
        "{expired}"
    );
    assert!(
        expired.contains("longer than `stale_if_error`"),
        "{expired}"
    );
    assert!(!expired.contains("THE-KEY"), "{expired}");
}

/// A runtime built without timers cannot bound a fetch: the error says so, rather than
/// blaming the manager for Tokio's panic.
#[test]
fn a_runtime_without_timers_is_named_as_the_fault() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let manager = Scripted::new(&[("/key", "THE-KEY")]);
    let store = SecretStore::with_policy(manager.clone(), policy());
    let bearer = single("/key");
    let logs = CapturedLogs::start();
    assert_eq!(runtime.block_on(status(&bearer, &store, "THE-KEY")), 500);
    let logged = logs.text();
    assert!(
        logged.contains("the Tokio runtime has no timers"),
        "{logged}"
    );
    assert!(logged.contains("enable_time()"), "{logged}");
    assert!(!logged.contains("panicked"), "{logged}");
    assert!(manager.fetches().is_empty(), "the manager was never asked");
}
