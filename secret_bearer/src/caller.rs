//! [`Caller`]: whose key an accepted request presented; and what the check records of every
//! answer, so that an operator can see which keys are in use.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::key_set::Scopes;
use crate::rejection::AuthError;
#[cfg(feature = "metrics")]
use crate::rejection::AuthErrorKind;

/// Whose key an accepted request presented: the caller's name in the key set (see
/// [`SecretBearerBuilder::keys_env`](crate::SecretBearerBuilder::keys_env)), or `primary` or
/// `alternate` for a bearer of one secret and its alternate.
///
/// An extractor, in any handler a check protects (the attribute, the middleware, or an
/// [`Authenticated`] parameter before or after it: beside a guard whose check waits for a store
/// it waits too, and a refusal is the guard's):
///
/// ```
/// use actix_web::{HttpResponse, get};
/// use secret_bearer::{Caller, secret_bearer};
///
/// #[get("/whoami")]
/// #[secret_bearer(keys_env = "API_KEYS")]
/// async fn whoami(caller: Caller) -> HttpResponse {
///     HttpResponse::Ok().body(caller.name().to_owned())
/// }
/// ```
///
/// In a handler no check protects, asking for it is answered with a 500 and an error event
/// that says why.
///
/// [`Authenticated`]: crate::Authenticated
#[derive(Clone, PartialEq, Eq)]
pub struct Caller {
    who: Arc<Named>,
    newest: bool,
}

/// A caller as a key table holds it: its name and the scopes the set grants it.
#[derive(PartialEq, Eq)]
pub(crate) struct Named {
    pub(crate) name: Arc<str>,
    pub(crate) scopes: Scopes,
}

impl Named {
    pub(crate) fn new(name: Arc<str>, scopes: Scopes) -> Arc<Self> {
        Arc::new(Self { name, scopes })
    }
}

impl Caller {
    pub(crate) fn new(who: Arc<Named>, newest: bool) -> Self {
        Self { who, newest }
    }

    /// The caller's name.
    pub fn name(&self) -> &str {
        &self.who.name
    }

    /// The scopes the key set grants the caller (its `scopes`, in the order written): none for
    /// a caller written without them, and for `primary` and `alternate`. A handler that
    /// requires scopes (`scopes = [...]` in the attribute) runs only for a caller that has
    /// them all; see the crate docs, "Scopes".
    pub fn scopes(&self) -> impl ExactSizeIterator<Item = &str> {
        self.who.scopes.iter().map(|scope| &**scope)
    }

    /// Whether the caller has every scope of `required`.
    pub(crate) fn has_scopes(&self, required: &[Box<str>]) -> bool {
        required.iter().all(|scope| self.who.scopes.contains(scope))
    }

    /// Whether the request presented the caller's newest key: `false` for a key listed after
    /// the first in the caller's list, and for a bearer's `alternate` secret. Such a key is
    /// still accepted; the check logs that it is in use (see the crate docs, "Named keys").
    pub fn is_newest_key(&self) -> bool {
        self.newest
    }
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller")
            .field("name", &self.who.name)
            .field("scopes", &self.who.scopes)
            .field("newest", &self.newest)
            .finish()
    }
}

/// When a caller, or one of its keys that has an `id`, was last accepted, in this process: a
/// row of [`SecretBearer::last_used`](crate::SecretBearer::last_used).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LastUse {
    /// The caller's name: in the key set, or `primary` or `alternate` for a bearer of one
    /// secret and its alternate.
    pub caller: String,
    /// The key's `id`, in a key's row; `None` in the caller's own row, which any of its keys
    /// updates. A key without an `id` has no row of its own.
    pub key_id: Option<String>,
    /// When it was last accepted, to the second; `None` if not since the process started.
    pub at: Option<SystemTime>,
}

/// How often, at most, one bearer logs that older keys are still in use.
const OLDER_KEYS_EVERY: Duration = Duration::from_secs(60);

/// How long before its expiry a key in use is warned about, and how often, at most, per key.
pub(crate) const EXPIRING_WITHIN: Duration = Duration::from_secs(7 * 24 * 3600);
const EXPIRING_EVERY: Duration = Duration::from_secs(24 * 3600);

/// What one bearer records of its answers: how often each caller's older keys were accepted
/// since the bearer last said so. (When each caller and key was last accepted is kept with the
/// key table, `keys::Used`.)
#[derive(Default)]
pub(crate) struct Usage {
    older_keys: Mutex<OlderKeys>,
    /// When each key near its expiry was last warned about.
    expiring: Mutex<HashMap<ExpiringKey, Instant>>,
}

/// A key near its expiry, as the warning names it: its caller, its `id`, and its expiry.
type ExpiringKey = (Arc<str>, Option<Arc<str>>, SystemTime);

#[derive(Default)]
struct OlderKeys {
    logged_at: Option<Instant>,
    counts: BTreeMap<Arc<str>, u64>,
}

impl Usage {
    /// Records a check's answer: a `debug` event for an accepted request, the
    /// `secret_bearer_requests_total` counter with the `metrics` feature, and, at most once a
    /// minute, an `info` event counting the older keys accepted since the last.
    pub(crate) fn record(&self, verdict: &Result<Caller, AuthError>) {
        #[cfg(feature = "metrics")]
        {
            // The name shared, not copied: no allocation per request.
            let (outcome, caller) = match verdict {
                Ok(caller) => ("accepted", Arc::clone(&caller.who.name).into()),
                Err(refusal) => (
                    outcome(refusal.kind()),
                    metrics::SharedString::const_str(""),
                ),
            };
            metrics::counter!("secret_bearer_requests_total", "outcome" => outcome, "caller" => caller)
                .increment(1);
        }
        let Ok(caller) = verdict else { return };
        let key = if caller.newest { "newest" } else { "older" };
        // Names are written quoted and escaped (`?`): a name cannot pass for another field.
        tracing::debug!(caller = ?caller.who.name, key, "secret_bearer: request authenticated");
    }

    /// With `metrics`, a caller's record of use changed (at most once a second):
    /// `secret_bearer_caller_last_used_timestamp_seconds{caller}`, the wall-clock time, in
    /// seconds since the Unix epoch, of its last accepted request.
    #[cfg(feature = "metrics")]
    pub(crate) fn caller_used(caller: &Arc<str>, at: Option<SystemTime>) {
        let Some(seconds) = at.and_then(|at| at.duration_since(std::time::UNIX_EPOCH).ok()) else {
            return;
        };
        let caller = metrics::SharedString::from(Arc::clone(caller));
        metrics::gauge!("secret_bearer_caller_last_used_timestamp_seconds", "caller" => caller)
            .set(seconds.as_secs_f64());
    }

    /// A key that expires within [`EXPIRING_WITHIN`] was accepted: a `warn` event, at most
    /// once a day per key, naming its caller, its `id` if it has one, and the time left.
    pub(crate) fn expiring_key_used(
        &self,
        caller: &Arc<str>,
        id: Option<&Arc<str>>,
        expires: SystemTime,
        left: Duration,
    ) {
        let now = Instant::now();
        let mut expiring = self.expiring.lock().unwrap_or_else(PoisonError::into_inner);
        let warned = expiring.entry((Arc::clone(caller), id.cloned(), expires));
        if let std::collections::hash_map::Entry::Occupied(at) = &warned
            && now.saturating_duration_since(*at.get()) < EXPIRING_EVERY
        {
            return;
        }
        warned.insert_entry(now);
        // A key warned about more than a day ago would be warned about again anyway: forgetting
        // it keeps the map to the keys warned about in the last day, whatever the sets held.
        expiring.retain(|_, at| now.saturating_duration_since(*at) < EXPIRING_EVERY);
        drop(expiring);
        tracing::warn!(
            caller = ?caller,
            key_id = id.map(|id| &**id),
            expires_in_hours = left.as_secs() / 3600,
            "secret_bearer: a key that expires within 7 days is still in use; give its caller a \
             new key before it does"
        );
    }

    /// One of `caller`'s older keys was accepted: counted, and at most once a minute an `info`
    /// event reports the counts since the last, and for each caller counted, when each of its
    /// older keys that has an `id` was last accepted (`older_keys_of`, asked only then).
    pub(crate) fn older_key_used(&self, caller: &Arc<str>, older_keys_of: impl Fn(&str) -> String) {
        let mut older = self
            .older_keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *older.counts.entry(Arc::clone(caller)).or_default() += 1;
        let now = Instant::now();
        if older
            .logged_at
            .is_some_and(|at| now.saturating_duration_since(at) < OLDER_KEYS_EVERY)
        {
            return;
        }
        older.logged_at = Some(now);
        let counts = std::mem::take(&mut older.counts);
        drop(older);
        let last_used: Vec<String> = counts
            .keys()
            .filter_map(|name| {
                let keys = older_keys_of(name);
                (!keys.is_empty()).then(|| format!("{name:?}: {keys}"))
            })
            .collect();
        tracing::info!(
            older_keys = %Counts(&counts),
            older_keys_last_used = %last_used.join("; "),
            "secret_bearer: older keys are still in use (requests per caller since the last \
             report); retire a key once its caller stops using it"
        );
    }
}

/// The label a refusal's reason counts under.
#[cfg(feature = "metrics")]
fn outcome(kind: &AuthErrorKind) -> &'static str {
    match kind {
        AuthErrorKind::MissingCredential => "missing",
        AuthErrorKind::WrongCredential => "refused",
        AuthErrorKind::Expired => "expired",
        AuthErrorKind::InsufficientScope => "forbidden",
        AuthErrorKind::Misconfigured { .. } => "misconfigured",
        AuthErrorKind::MultipleCredentials
        | AuthErrorKind::WrongPrefix
        | AuthErrorKind::EmptyCredential
        | AuthErrorKind::CredentialTooLong => "malformed",
    }
}

/// `"alternate": 3, "reports": 12`.
struct Counts<'a>(&'a BTreeMap<Arc<str>, u64>);

impl fmt::Display for Counts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, (name, count)) in self.0.iter().enumerate() {
            let separator = if index == 0 { "" } else { ", " };
            write!(f, "{separator}{name:?}: {count}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn keys_warned_about_are_forgotten_after_a_day() {
        let usage = Usage::default();
        let expires = SystemTime::now() + EXPIRING_WITHIN;
        let warn = |caller: &str| {
            let caller = Arc::from(caller);
            usage.expiring_key_used(&caller, None, expires, EXPIRING_WITHIN);
        };
        let held = || usage.expiring.lock().unwrap().len();
        for caller in ["a", "b", "c"] {
            warn(caller);
        }
        warn("a");
        assert_eq!(held(), 3);
        tokio::time::advance(EXPIRING_EVERY).await;
        // `a` is warned about again; `b` and `c`, gone from the set, are forgotten.
        warn("a");
        assert_eq!(held(), 1);
    }
}
