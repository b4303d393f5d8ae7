//! Keys with a lifecycle: a key or caller past its `expires` is refused at the first request
//! after that instant, whatever the store's cache holds (the clock, not the store, decides); a
//! key near its expiry that is still used is logged once a day. Time moves on Tokio's paused
//! clock, which the expiry clock follows (the crate docs, "Named keys"). When each caller and
//! key was last accepted is kept across the store's refreshes, by name and `id`, never by place.

mod support;

use std::time::{Duration, SystemTime};

use secret_bearer::{AuthErrorKind, CachePolicy, LastUse, SecretBearer, SecretStore};
use support::CapturedLogs;
use support::scripted::Scripted;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// `at` as RFC 3339, in UTC with milliseconds.
fn rfc3339(at: SystemTime) -> String {
    let at = chrono::DateTime::<chrono::Utc>::from(at);
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A key set in a scripted store whose cache keeps a value for an hour.
fn store_holding(set: &str) -> (SecretStore, SecretBearer) {
    let manager = Scripted::new(&[("/keys", set)]);
    let policy = CachePolicy::default().ttl(Duration::from_secs(3600));
    let store = SecretStore::with_policy(manager, policy);
    let bearer = SecretBearer::builder()
        .keys_secret("/keys")
        .build()
        .unwrap();
    (store, bearer)
}

async fn verdict(
    bearer: &SecretBearer,
    store: &SecretStore,
    key: &str,
) -> Result<String, AuthErrorKind> {
    let checked = bearer.authenticate(Some(store), [key.as_bytes()]).await;
    checked
        .map(|caller| caller.name().to_owned())
        .map_err(|refusal| refusal.kind().clone())
}

#[tokio::test(start_paused = true)]
async fn a_key_is_refused_at_its_expiry_while_the_cache_still_holds_it() {
    let expires = rfc3339(SystemTime::now() + Duration::from_millis(30_500));
    let caller_expires = rfc3339(SystemTime::now() + Duration::from_millis(60_500));
    let set = format!(
        r#"{{"partner": {{"keys": ["PARTNER-NEW", {{"key": "PARTNER-OLD", "id": "q4",
                                                  "expires": "{expires}"}}],
                         "expires": "{caller_expires}"}},
            "other": "OTHER-KEY"}}"#
    );
    let (store, bearer) = store_holding(&set);
    let logs = CapturedLogs::start();
    assert_eq!(
        verdict(&bearer, &store, "PARTNER-OLD").await.as_deref(),
        Ok("partner")
    );
    tokio::time::advance(Duration::from_secs(30)).await;
    assert_eq!(
        verdict(&bearer, &store, "PARTNER-OLD").await.as_deref(),
        Ok("partner")
    );
    // Half a second past its `expires`, within the cache's hour: refused, and said so.
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(
        verdict(&bearer, &store, "PARTNER-OLD").await,
        Err(AuthErrorKind::Expired)
    );
    assert!(
        logs.text().contains("the key has expired"),
        "{}",
        logs.text()
    );
    assert_eq!(
        verdict(&bearer, &store, "PARTNER-NEW").await.as_deref(),
        Ok("partner")
    );
    // The caller's own `expires` ends every key of it.
    tokio::time::advance(Duration::from_secs(30)).await;
    assert_eq!(
        verdict(&bearer, &store, "PARTNER-NEW").await,
        Err(AuthErrorKind::Expired)
    );
    assert_eq!(
        verdict(&bearer, &store, "OTHER-KEY").await.as_deref(),
        Ok("other")
    );
    assert_eq!(
        verdict(&bearer, &store, "NO-SUCH-KEY").await,
        Err(AuthErrorKind::WrongCredential)
    );
}

#[tokio::test(start_paused = true)]
async fn a_key_in_use_within_a_week_of_its_expiry_is_logged_once_a_day() {
    let soon = rfc3339(SystemTime::now() + 3 * DAY + Duration::from_secs(1800));
    let later = rfc3339(SystemTime::now() + 30 * DAY);
    let set = format!(
        r#"{{"partner": [{{"key": "PARTNER-NEW", "expires": "{later}"}},
                         {{"key": "PARTNER-OLD", "id": "2026-q4", "expires": "{soon}"}}],
            "plain": {{"keys": "PLAIN-KEY", "expires": "{soon}"}}}}"#
    );
    let (store, bearer) = store_holding(&set);
    let logs = CapturedLogs::start();
    let warnings = || {
        let text = logs.text();
        let lines = text
            .lines()
            .filter(|line| line.contains("WARN") && line.contains("expires within"));
        lines.map(str::to_owned).collect::<Vec<_>>()
    };
    for _ in 0..3 {
        verdict(&bearer, &store, "PARTNER-OLD").await.unwrap();
        verdict(&bearer, &store, "PARTNER-NEW").await.unwrap();
    }
    verdict(&bearer, &store, "PLAIN-KEY").await.unwrap();
    let first = warnings();
    assert_eq!(first.len(), 2, "{first:#?}");
    assert!(
        first[0].contains(r#"caller="partner""#)
            && first[0].contains(r#"key_id="2026-q4""#)
            && first[0].contains("expires_in_hours=72"),
        "{first:#?}"
    );
    assert!(
        first[1].contains(r#"caller="plain""#) && !first[1].contains("key_id"),
        "{first:#?}"
    );
    // A day later, once more each; the key far from its expiry never.
    tokio::time::advance(DAY - Duration::from_secs(1)).await;
    verdict(&bearer, &store, "PARTNER-OLD").await.unwrap();
    assert_eq!(warnings().len(), 2);
    tokio::time::advance(Duration::from_secs(1)).await;
    verdict(&bearer, &store, "PARTNER-OLD").await.unwrap();
    verdict(&bearer, &store, "PARTNER-NEW").await.unwrap();
    let second = warnings();
    assert_eq!(second.len(), 3, "{second:#?}");
    assert!(second[2].contains("expires_in_hours=48"), "{second:#?}");
}

#[std::prelude::v1::test]
fn an_expiry_without_an_offset_fails_the_set_closed_naming_the_caller() {
    let set = r#"{"partner": {"keys": "PARTNER-KEY", "expires": "2027-01-15T00:00:00"}}"#;
    // SAFETY: this test's own variable, set before its bearer reads it.
    unsafe { std::env::set_var("SB_LIFECYCLE_NO_OFFSET", set) };
    let bearer = SecretBearer::builder()
        .keys_env("SB_LIFECYCLE_NO_OFFSET")
        .build()
        .unwrap();
    let shown = bearer.resolve().unwrap_err().to_string();
    assert!(
        shown.contains("caller \"partner\"")
            && shown.contains("an `expires` in it is not an RFC 3339"),
        "{shown}"
    );
    assert!(!shown.contains("PARTNER-KEY"), "{shown}");
}

type Row = (String, Option<String>, Option<SystemTime>);

/// The rows of `last_used`.
async fn last_used(bearer: &SecretBearer, store: &SecretStore) -> Vec<Row> {
    let rows = bearer.last_used(Some(store)).await.unwrap();
    rows.into_iter()
        .map(
            |LastUse {
                 caller, key_id, at, ..
             }| (caller, key_id, at),
        )
        .collect()
}

fn row(caller: &str, key_id: Option<&str>, at: Option<SystemTime>) -> Row {
    (caller.to_owned(), key_id.map(str::to_owned), at)
}

#[tokio::test(start_paused = true)]
async fn last_use_is_kept_per_caller_and_key_id_across_refreshes_and_rotations() {
    let manager = Scripted::new(&[(
        "/keys",
        r#"{"partner": ["P-NEW", {"key": "P-OLD", "id": "q4"}, {"key": "P-OLDER", "id": "q3"}],
            "other": "OTHER-KEY"}"#,
    )]);
    let policy = CachePolicy::default().ttl(Duration::from_secs(60));
    let store = SecretStore::with_policy(manager.clone(), policy);
    let bearer = SecretBearer::builder()
        .keys_secret("/keys")
        .build()
        .unwrap();
    let logs = CapturedLogs::start();
    // Nothing accepted yet: every row says never.
    let rows = last_used(&bearer, &store).await;
    assert!(rows.iter().all(|row| row.2.is_none()), "{rows:?}");
    assert_eq!(
        verdict(&bearer, &store, "P-OLD").await.as_deref(),
        Ok("partner")
    );
    // The report of older keys says when each older key with an id was last accepted.
    let report = logs.text();
    assert!(report.contains(r#"older_keys="partner": 1"#), "{report}");
    assert!(
        report.contains(r#"older_keys_last_used="partner": "q4" 20"#),
        "{report}"
    );
    assert!(report.contains(r#""q3" never"#), "{report}");
    tokio::time::advance(Duration::from_secs(90)).await;
    assert_eq!(
        verdict(&bearer, &store, "P-NEW").await.as_deref(),
        Ok("partner")
    );
    let first = last_used(&bearer, &store).await;
    let q4 = first[2].2.unwrap();
    let after = |seconds| Some(q4 + Duration::from_secs(seconds));
    assert_eq!(
        first,
        [
            row("other", None, None),
            row("partner", None, after(90)),
            row("partner", Some("q4"), Some(q4)),
            row("partner", Some("q3"), None),
        ]
    );
    // A rotation in the store: a new key first, `q4` moves down a place, `q3` is retired, and
    // the cache's minute has passed, so the next check reads the new set. The records follow
    // the names, not the places.
    manager.set(
        "/keys",
        r#"{"other": "OTHER-KEY",
            "partner": [{"key": "P-NEWEST", "id": "q1"}, "P-NEW", {"key": "P-OLD", "id": "q4"}]}"#,
    );
    tokio::time::advance(Duration::from_secs(120)).await;
    assert_eq!(
        verdict(&bearer, &store, "OTHER-KEY").await.as_deref(),
        Ok("other")
    );
    let rows = last_used(&bearer, &store).await;
    assert_eq!(
        rows,
        [
            row("other", None, after(210)),
            row("partner", None, after(90)),
            row("partner", Some("q1"), None),
            row("partner", Some("q4"), Some(q4)),
        ]
    );
}
