//! Where the Vault token comes from: given (a static token), or a login (Kubernetes, AppRole)
//! made on first use and made again once two thirds of its lease have passed, one at a time.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Client, StatusCode, Url};
use secrecy::zeroize::{Zeroize, Zeroizing};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::client;
use crate::json;
use crate::manager::{ManagerError, ManagerErrorKind};

/// Where a projected service-account token is mounted in a Kubernetes pod.
pub(super) const KUBERNETES_TOKEN_FILE: &str =
    "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// How the token is obtained.
#[derive(Clone)]
pub(super) enum Login {
    /// Given, and used until it is refused.
    Token(SecretString),
    /// `POST /v1/auth/<mount>/login` with the pod's service-account token, read afresh at each
    /// login (Kubernetes rotates projected tokens).
    Kubernetes {
        mount: String,
        role: String,
        token_file: PathBuf,
    },
    /// `POST /v1/auth/<mount>/login` with a role ID and a secret ID.
    AppRole {
        mount: String,
        role_id: SecretString,
        secret_id: SecretString,
    },
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(_) => f.write_str("Token([REDACTED])"),
            Self::Kubernetes {
                mount,
                role,
                token_file,
            } => f
                .debug_struct("Kubernetes")
                .field("mount", mount)
                .field("role", role)
                .field("token_file", token_file)
                .finish(),
            Self::AppRole { mount, .. } => f
                .debug_struct("AppRole")
                .field("mount", mount)
                .field("role_id", &"[REDACTED]")
                .field("secret_id", &"[REDACTED]")
                .finish(),
        }
    }
}

/// A token and which login gave it (`None`: the static token, never logged in for).
#[derive(Clone)]
pub(super) struct Token {
    pub(super) value: SecretString,
    pub(super) login: Option<u64>,
}

/// The token a login gave, and when to log in again.
struct Held {
    value: SecretString,
    login: u64,
    /// `None`: a token without a lease (`lease_duration` 0), kept until it is refused.
    renew_at: Option<Instant>,
}

/// The logged-in token, shared by a manager and its clones.
#[derive(Default)]
pub(super) struct Session(Mutex<State>);

#[derive(Default)]
struct State {
    held: Option<Held>,
    /// Logins made so far: each token's number, so that a refusal forgets only its own.
    logins: u64,
}

impl Session {
    /// The token held, unless two thirds of its lease have passed; otherwise a new one from
    /// `login` (its token and lease). The lock is held across the login: however many reads
    /// wait, one login runs.
    pub(super) async fn token<F, Fut>(&self, login: F) -> Result<Token, ManagerError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(SecretString, Duration), ManagerError>>,
    {
        let mut state = self.0.lock().await;
        if let Some(held) = state.held.as_ref().filter(|held| {
            held.renew_at
                .is_none_or(|renew_at| Instant::now() < renew_at)
        }) {
            return Ok(Token {
                value: held.value.clone(),
                login: Some(held.login),
            });
        }
        let (value, lease) = login().await?;
        let number = state.logins;
        state.logins += 1;
        let renew_at = (!lease.is_zero()).then(|| Instant::now() + lease * 2 / 3);
        state.held = Some(Held {
            value: value.clone(),
            login: number,
            renew_at,
        });
        Ok(Token {
            value,
            login: Some(number),
        })
    }

    /// Forgets the token of login `number` (Vault refused it: revoked, or expired early), so
    /// that the next read logs in again; a newer token is kept.
    pub(super) async fn forget(&self, number: u64) {
        let mut state = self.0.lock().await;
        if state.held.as_ref().is_some_and(|held| held.login == number) {
            state.held = None;
        }
    }
}

impl Login {
    /// Logs in, with a request to `base` (the address, or its host replaced by the TLS server
    /// name), errors naming `address`: the token Vault gave, and its lease.
    pub(super) async fn log_in(
        &self,
        client: &Client,
        base: &Url,
        address: &Url,
        namespace: Option<&str>,
    ) -> Result<(SecretString, Duration), ManagerError> {
        let (mount, method, body) = match self {
            // Nothing to log in with: the token is what it is, without a lease.
            Self::Token(token) => return Ok((token.clone(), Duration::ZERO)),
            Self::Kubernetes {
                mount,
                role,
                token_file,
            } => {
                // `Other`: the file may be mid-rotation; what the store cached keeps serving.
                let jwt = Zeroizing::new(std::fs::read_to_string(token_file).map_err(|error| {
                    ManagerError::new(
                        ManagerErrorKind::Other,
                        format!(
                            "cannot read the service-account token `{}` for Vault's Kubernetes \
                             login",
                            token_file.display()
                        ),
                    )
                    .with_source(error)
                })?);
                let body = json_object(&[("role", role), ("jwt", jwt.trim())]);
                (mount, "Kubernetes", body)
            }
            Self::AppRole {
                mount,
                role_id,
                secret_id,
            } => {
                let body = json_object(&[
                    ("role_id", role_id.expose_secret()),
                    ("secret_id", secret_id.expose_secret()),
                ]);
                (mount, "AppRole", body)
            }
        };
        let mut url = base.clone();
        url.path_segments_mut()
            .map_err(|()| ManagerError::new(ManagerErrorKind::Invalid, "bad Vault address"))?
            .pop_if_empty()
            .push("v1")
            .push("auth")
            .extend(mount.split('/'))
            .push("login");
        // The body holds the JWT or the secret ID: wiped once reqwest has let go of it.
        let text = Bytes::from(body);
        let mut request = client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(text.clone());
        if let Some(namespace) = namespace {
            request = request.header("x-vault-namespace", namespace);
        }
        let sent = client::send(request, address).await;
        if let Ok(mut text) = text.try_into_mut() {
            text.zeroize();
        }
        let response = sent?;
        let status = response.status();
        if status != StatusCode::OK {
            let kind = if client::is_unavailable(status) {
                ManagerErrorKind::Unavailable
            } else {
                ManagerErrorKind::Denied
            };
            return Err(ManagerError::new(
                kind,
                format!(
                    "Vault answered {status} to the {method} login at mount `{mount}` (check the \
                     role and its bindings)"
                ),
            ));
        }
        let answer = response.bytes().await.map_err(|error| {
            ManagerError::new(
                ManagerErrorKind::Unavailable,
                format!("Vault's answer to the {method} login was cut short"),
            )
            .with_source(error.without_url())
        })?;
        let parsed = json::parse(&answer);
        if let Ok(mut answer) = answer.try_into_mut() {
            answer.zeroize();
        }
        parsed
            .ok()
            .and_then(|answer| token_of(&answer))
            .ok_or_else(|| {
                ManagerError::new(
                    ManagerErrorKind::Other,
                    format!("Vault's answer to the {method} login holds no token"),
                )
            })
    }
}

/// A JSON object of string fields, written into a buffer that never grows (a grown buffer
/// would be freed holding what was written): a `serde_json::Value` would copy each string.
fn json_object(fields: &[(&str, &str)]) -> Vec<u8> {
    // An escaped character takes at most 6 bytes (`\u001f`).
    let capacity = fields
        .iter()
        .map(|(name, value)| 6 * (name.len() + value.len()) + 6)
        .sum::<usize>()
        + 2;
    let mut text = Vec::with_capacity(capacity);
    text.push(b'{');
    for (index, (name, value)) in fields.iter().enumerate() {
        if index > 0 {
            text.push(b',');
        }
        // Writing into a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut text, name);
        text.push(b':');
        let _ = serde_json::to_writer(&mut text, value);
    }
    text.push(b'}');
    text
}

/// `{"auth": {"client_token": "...", "lease_duration": <seconds>}}`.
fn token_of(answer: &Value) -> Option<(SecretString, Duration)> {
    let auth = answer.get("auth")?;
    let token = auth.get("client_token")?.as_str()?;
    let lease = auth.get("lease_duration")?.as_u64()?;
    Some((SecretString::from(token), Duration::from_secs(lease)))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    type LoginFuture<'a> = std::pin::Pin<
        Box<dyn Future<Output = Result<(SecretString, Duration), ManagerError>> + 'a>,
    >;

    /// A login that counts its calls and gives `token-<n>` with `lease`, after `latency`.
    fn scripted<'a>(
        logins: &'a AtomicU32,
        lease: Duration,
        latency: Duration,
    ) -> impl FnOnce() -> LoginFuture<'a> + 'a {
        move || {
            Box::pin(async move {
                let number = logins.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(latency).await;
                Ok((SecretString::from(format!("token-{number}")), lease))
            })
        }
    }

    async fn token(session: &Session, logins: &AtomicU32, lease: Duration) -> String {
        let token = session
            .token(scripted(logins, lease, Duration::ZERO))
            .await
            .unwrap();
        token.value.expose_secret().to_owned()
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_is_kept_for_two_thirds_of_its_lease_then_obtained_again() {
        let (session, logins) = (Session::default(), AtomicU32::new(0));
        let lease = Duration::from_secs(90);
        assert_eq!(token(&session, &logins, lease).await, "token-0");
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(token(&session, &logins, lease).await, "token-0");
        assert_eq!(logins.load(Ordering::SeqCst), 1);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(token(&session, &logins, lease).await, "token-1");
        assert_eq!(token(&session, &logins, lease).await, "token-1");
        assert_eq!(logins.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_without_a_lease_is_kept() {
        let (session, logins) = (Session::default(), AtomicU32::new(0));
        token(&session, &logins, Duration::ZERO).await;
        tokio::time::advance(Duration::from_secs(365 * 24 * 3600)).await;
        assert_eq!(token(&session, &logins, Duration::ZERO).await, "token-0");
    }

    #[tokio::test(start_paused = true)]
    async fn reads_waiting_together_share_one_login() {
        let (session, logins) = (Session::default(), AtomicU32::new(0));
        let latency = Duration::from_secs(1);
        let reads =
            (0..10).map(|_| session.token(scripted(&logins, Duration::from_secs(60), latency)));
        let tokens = futures_util::future::join_all(reads).await;
        assert_eq!(logins.load(Ordering::SeqCst), 1);
        for token in tokens {
            assert_eq!(token.unwrap().value.expose_secret(), "token-0");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_token_is_forgotten_once_and_a_newer_one_kept() {
        let (session, logins) = (Session::default(), AtomicU32::new(0));
        let lease = Duration::from_secs(3600);
        token(&session, &logins, lease).await;
        session.forget(0).await;
        assert_eq!(token(&session, &logins, lease).await, "token-1");
        // A second read refused with the first token (in flight before the new login)
        // forgets nothing: its new login is the one already made.
        session.forget(0).await;
        assert_eq!(token(&session, &logins, lease).await, "token-1");
        assert_eq!(logins.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_login_is_not_kept() {
        let session = Session::default();
        let failed = session
            .token(|| async { Err(ManagerError::new(ManagerErrorKind::Unavailable, "down")) })
            .await;
        assert!(failed.is_err());
        let logins = AtomicU32::new(0);
        assert_eq!(
            token(&session, &logins, Duration::from_secs(60)).await,
            "token-0"
        );
    }

    #[test]
    fn login_secrets_never_show() {
        let approle = Login::AppRole {
            mount: "approle".to_owned(),
            role_id: SecretString::from("ROLE-ID"),
            secret_id: SecretString::from("SECRET-ID"),
        };
        let shown = format!("{approle:?}");
        assert!(
            !shown.contains("ROLE-ID") && !shown.contains("SECRET-ID"),
            "{shown}"
        );
        let token = format!("{:?}", Login::Token(SecretString::from("s.TOKEN")));
        assert!(
            !token.contains("TOKEN)") && !token.contains("s.T"),
            "{token}"
        );
    }

    #[test]
    fn a_login_body_is_json_written_without_growing_its_buffer() {
        let jwt = "\u{1}\"\\é".repeat(50);
        let text = json_object(&[("role", "r"), ("jwt", &jwt)]);
        let parsed: Value = serde_json::from_slice(&text).unwrap();
        assert_eq!(parsed, serde_json::json!({"role": "r", "jwt": jwt}));
        let reserved = 6 * ("role".len() + 1 + "jwt".len() + jwt.len()) + 2 * 6 + 2;
        assert_eq!(text.capacity(), reserved);
    }

    #[test]
    fn a_login_answer_gives_its_token_and_lease() {
        let answer = serde_json::json!({
            "auth": {"client_token": "s.NEW", "lease_duration": 30, "renewable": true}
        });
        let (token, lease) = token_of(&answer).unwrap();
        assert_eq!(
            (token.expose_secret(), lease),
            ("s.NEW", Duration::from_secs(30))
        );
        assert!(token_of(&serde_json::json!({"auth": null})).is_none());
    }
}
