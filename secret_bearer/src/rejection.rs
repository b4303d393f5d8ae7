//! [`AuthError`]: why a request was refused, as a value handlers and hooks can inspect.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderValue;

use crate::Error;
use crate::response::Challenges;

/// Why a request was refused: a 401 for a credential that is missing or wrong, a 500 when the
/// service cannot authenticate anyone (fail closed).
///
/// It never holds the credential the request presented, nor a secret.
#[derive(Clone, Debug)]
pub struct AuthError(
    // Boxed, so that the `Result` of every check is a pointer wide: refusals are rare, and a
    // large error would be copied on every request's path.
    Box<Refusal>,
);

#[derive(Clone, Debug)]
struct Refusal {
    kind: AuthErrorKind,
    challenge: Option<HeaderValue>,
}

/// The reasons for an [`AuthError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// No `Authorization` header.
    MissingCredential,
    /// More than one `Authorization` header: ambiguous, so refused.
    MultipleCredentials,
    /// The header does not start with the configured prefix.
    WrongPrefix,
    /// Nothing follows the prefix.
    EmptyCredential,
    /// The credential is longer than [`MAX_SECRET_LEN`](crate::MAX_SECRET_LEN); it was not compared.
    CredentialTooLong,
    /// The credential matches neither secret.
    WrongCredential,
    /// The secrets cannot be read, or no [`SecretBearer`](crate::SecretBearer) is bound: nobody
    /// can be authenticated, so every request is refused with a 500.
    Misconfigured(Error),
}

impl AuthError {
    pub(crate) fn unauthenticated(kind: AuthErrorKind, challenges: &Challenges) -> Self {
        tracing::debug!(reason = %kind, "secret_bearer: request not authenticated");
        Self(Box::new(Refusal {
            challenge: Some(challenges.for_kind(&kind)),
            kind,
        }))
    }

    /// The one event a misconfigured request logs: it names the source, never a value.
    pub(crate) fn fail_closed(error: Error) -> Self {
        tracing::error!(%error, "secret_bearer: refusing the request (500), authentication is misconfigured");
        Self(Box::new(Refusal {
            kind: AuthErrorKind::Misconfigured(error),
            challenge: None,
        }))
    }

    /// Why the request was refused.
    pub fn kind(&self) -> &AuthErrorKind {
        &self.0.kind
    }

    /// 401 Unauthorized, or 500 Internal Server Error for [`AuthErrorKind::Misconfigured`].
    pub fn status(&self) -> StatusCode {
        match self.0.kind {
            AuthErrorKind::Misconfigured(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The `WWW-Authenticate` challenge a 401 carries (RFC 9110 §11.6.1, RFC 6750 §3).
    pub fn challenge(&self) -> Option<&HeaderValue> {
        self.0.challenge.as_ref()
    }
}

impl fmt::Display for AuthErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MissingCredential => "no Authorization header",
            Self::MultipleCredentials => "more than one Authorization header",
            Self::WrongPrefix => "the Authorization header lacks the expected prefix",
            Self::EmptyCredential => "the Authorization header holds no credential",
            Self::CredentialTooLong => "the credential is longer than the limit",
            Self::WrongCredential => "the credential matches no secret",
            Self::Misconfigured(error) => {
                return write!(f, "authentication is misconfigured: {error}");
            }
        })
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.kind {
            AuthErrorKind::Misconfigured(_) => self.0.kind.fmt(f),
            kind => write!(f, "not authenticated: {kind}"),
        }
    }
}

impl std::error::Error for AuthError {}
