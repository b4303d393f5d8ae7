//! [`AuthError`]: why a request was refused, as data every server adapter answers with: a
//! status, a challenge and a body, in no framework's types.

use std::fmt;
use std::sync::Arc;

use crate::error::Error;

/// The body of a 401: exactly what clearskies sends.
pub(crate) const UNAUTHENTICATED_BODY: &str = r#"{"status":"client_error","error":"Not Authenticated","data":[],"pagination":{},"input_errors":{}}"#;

/// The body of a 403, a caller without a required scope: exactly what clearskies sends when
/// authorization fails.
pub(crate) const FORBIDDEN_BODY: &str = r#"{"status":"client_error","error":"Not Authorized","data":[],"pagination":{},"input_errors":{}}"#;

/// The body of a 500 when authentication is misconfigured: the clearskies envelope, naming
/// neither the secret nor where it comes from (the log event does).
pub(crate) const MISCONFIGURED_BODY: &str = r#"{"status":"failure","error":"Internal Server Error","data":[],"pagination":{},"input_errors":{}}"#;

/// Why a request was refused: a 401 for a credential that is missing or wrong, a 403 for a
/// caller without a scope the handler requires, a 500 when the service cannot authenticate
/// anyone (fail closed).
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
    challenge: Option<Arc<str>>,
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
    /// The credential is a key of the key set whose `expires` (its own or its caller's) has
    /// passed.
    Expired,
    /// The caller is authenticated, but its `scopes` in the key set lack one the handler
    /// requires: a 403.
    InsufficientScope,
    /// The secrets cannot be read, or no [`SecretBearer`](crate::SecretBearer) is bound: nobody
    /// can be authenticated, so every request is refused with a 500.
    #[non_exhaustive]
    Misconfigured {
        /// Why: it names the source, never a value.
        error: Error,
    },
}

impl AuthError {
    pub(crate) fn unauthenticated(kind: AuthErrorKind, challenges: &Challenges) -> Self {
        tracing::debug!(reason = %kind, "secret_bearer: request not authenticated");
        Self(Box::new(Refusal {
            challenge: Some(challenges.for_kind(&kind)),
            kind,
        }))
    }

    /// An authenticated caller without a required scope, answered with `challenge`.
    pub(crate) fn forbidden(challenge: &Arc<str>) -> Self {
        let kind = AuthErrorKind::InsufficientScope;
        tracing::debug!(reason = %kind, "secret_bearer: request not authorized");
        Self(Box::new(Refusal {
            challenge: Some(Arc::clone(challenge)),
            kind,
        }))
    }

    /// The one event a misconfigured request logs: it names the source, never a value.
    pub(crate) fn fail_closed(error: Error) -> Self {
        tracing::error!(%error, "secret_bearer: refusing the request (500), authentication is misconfigured");
        Self(Box::new(Refusal {
            kind: AuthErrorKind::Misconfigured { error },
            challenge: None,
        }))
    }

    /// Why the request was refused.
    pub fn kind(&self) -> &AuthErrorKind {
        &self.0.kind
    }

    /// The HTTP status: 401 Unauthorized, 403 Forbidden for
    /// [`AuthErrorKind::InsufficientScope`], or 500 Internal Server Error for
    /// [`AuthErrorKind::Misconfigured`]. (With the `actix` feature, `AuthError::status` gives
    /// it as actix-web's type.)
    pub fn status_code(&self) -> u16 {
        match self.0.kind {
            AuthErrorKind::Misconfigured { .. } => 500,
            AuthErrorKind::InsufficientScope => 403,
            _ => 401,
        }
    }

    /// The `WWW-Authenticate` challenge a 401 or 403 carries (RFC 9110 §11.6.1, RFC 6750 §3):
    /// an HTTP token, and for a `Bearer` prefix at most an `error` parameter
    /// (`invalid_token`, or `insufficient_scope` with the `scope` the handler requires), so
    /// always a valid header value.
    pub fn challenge(&self) -> Option<&str> {
        self.0.challenge.as_deref()
    }

    /// The response's JSON body, clearskies' envelope: for a 401,
    /// `{"status":"client_error","error":"Not Authenticated","data":[],"pagination":{},"input_errors":{}}`;
    /// for a 403, the same with `"error":"Not Authorized"`; for a 500, the same with
    /// `"status":"failure","error":"Internal Server Error"`, naming neither the secret nor its
    /// source (the log event does).
    pub fn body(&self) -> &'static str {
        match self.0.kind {
            AuthErrorKind::Misconfigured { .. } => MISCONFIGURED_BODY,
            AuthErrorKind::InsufficientScope => FORBIDDEN_BODY,
            _ => UNAUTHENTICATED_BODY,
        }
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
            Self::Expired => "the key has expired",
            Self::InsufficientScope => "the caller lacks a scope the handler requires",
            Self::Misconfigured { error } => {
                return write!(f, "authentication is misconfigured: {error}");
            }
        })
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.kind {
            AuthErrorKind::Misconfigured { .. } => self.0.kind.fmt(f),
            AuthErrorKind::InsufficientScope => write!(f, "not authorized: {}", self.0.kind),
            kind => write!(f, "not authenticated: {kind}"),
        }
    }
}

impl std::error::Error for AuthError {}

/// The scheme a challenge names when the prefix is not one.
const FALLBACK_SCHEME: &str = "ApiKey";

/// The two `WWW-Authenticate` values one configuration sends, built once.
#[derive(Clone, Debug)]
pub(crate) struct Challenges {
    no_credential: Arc<str>,
    bad_credential: Arc<str>,
}

impl Challenges {
    /// The scheme is the prefix without its spaces (`"Bearer "` gives `Bearer`), or `ApiKey`
    /// when the prefix is empty or not an HTTP token. For `Bearer`, a presented but refused
    /// credential adds `error="invalid_token"` (RFC 6750 §3.1); a missing one adds nothing.
    pub(crate) fn for_prefix(prefix: &str) -> Self {
        let scheme = prefix.trim();
        let is_token = !scheme.is_empty()
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        let scheme = if is_token { scheme } else { FALLBACK_SCHEME };
        let bad = if scheme.eq_ignore_ascii_case("bearer") {
            format!(r#"{scheme} error="invalid_token""#)
        } else {
            scheme.to_owned()
        };
        Self {
            no_credential: Arc::from(scheme),
            bad_credential: Arc::from(bad),
        }
    }

    /// The challenge of a 403 for want of `scopes`: for `Bearer`, RFC 6750 §3.1's
    /// `error="insufficient_scope"` with every scope the handler requires (naming only those
    /// the caller lacks would tell it which it has, and the requirement is public: OpenAPI
    /// documents list it); for another scheme, the scheme alone. A scope-token holds no `"` or
    /// `\`, so the quoted string needs no escaping.
    pub(crate) fn insufficient_scope(&self, scopes: &[Box<str>]) -> Arc<str> {
        let scheme = &self.no_credential;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Arc::clone(scheme);
        }
        let scopes = scopes.join(" ");
        Arc::from(format!(
            r#"{scheme} error="insufficient_scope", scope="{scopes}""#
        ))
    }

    pub(crate) fn for_kind(&self, kind: &AuthErrorKind) -> Arc<str> {
        match kind {
            AuthErrorKind::MissingCredential | AuthErrorKind::WrongPrefix => &self.no_credential,
            _ => &self.bad_credential,
        }
        .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(prefix: &str, kind: AuthErrorKind) -> Arc<str> {
        Challenges::for_prefix(prefix).for_kind(&kind)
    }

    #[test]
    fn challenges_follow_the_prefix() {
        assert_eq!(
            &*challenge("Bearer ", AuthErrorKind::MissingCredential),
            "Bearer"
        );
        assert_eq!(
            &*challenge("bearer ", AuthErrorKind::WrongCredential),
            r#"bearer error="invalid_token""#
        );
        assert_eq!(
            &*challenge("secret-token ", AuthErrorKind::WrongCredential),
            "secret-token"
        );
        assert_eq!(&*challenge("", AuthErrorKind::MissingCredential), "ApiKey");
        let scopes = [Box::from("invoices:write"), Box::from("admin")];
        assert_eq!(
            &*Challenges::for_prefix("Bearer ").insufficient_scope(&scopes),
            r#"Bearer error="insufficient_scope", scope="invoices:write admin""#
        );
        assert_eq!(
            &*Challenges::for_prefix("Token ").insufficient_scope(&scopes),
            "Token"
        );
        assert_eq!(
            &*challenge("key=", AuthErrorKind::WrongCredential),
            "ApiKey"
        );
    }
}
