//! What a refused request is answered with, and the hook that replaces it.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::rejection::{AuthError, AuthErrorKind};

/// The body of a 401: exactly what clearskies sends.
pub const UNAUTHENTICATED_BODY: &str = r#"{"status":"client_error","error":"Not Authenticated","data":[],"pagination":{},"input_errors":{}}"#;

/// The body of a 500 when authentication is misconfigured: the clearskies envelope, naming
/// neither the secret nor where it comes from (the log event does).
pub const MISCONFIGURED_BODY: &str = r#"{"status":"failure","error":"Internal Server Error","data":[],"pagination":{},"input_errors":{}}"#;

/// The scheme a challenge names when the prefix is not one.
const FALLBACK_SCHEME: &str = "ApiKey";

/// The two `WWW-Authenticate` values one configuration sends, built once.
#[derive(Clone, Debug)]
pub(crate) struct Challenges {
    no_credential: HeaderValue,
    bad_credential: HeaderValue,
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
        let value = |text: &str| {
            HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static(FALLBACK_SCHEME))
        };
        Self {
            no_credential: value(scheme),
            bad_credential: value(&bad),
        }
    }

    pub(crate) fn for_kind(&self, kind: &AuthErrorKind) -> HeaderValue {
        match kind {
            AuthErrorKind::MissingCredential | AuthErrorKind::WrongPrefix => &self.no_credential,
            _ => &self.bad_credential,
        }
        .clone()
    }
}

impl AuthError {
    /// The response sent when no [`RejectionHandler`] is registered: the clearskies JSON body,
    /// and for a 401 the `WWW-Authenticate` challenge.
    pub fn default_response(&self) -> HttpResponse {
        let body = match self.kind() {
            AuthErrorKind::Misconfigured(_) => MISCONFIGURED_BODY,
            _ => UNAUTHENTICATED_BODY,
        };
        let mut response = HttpResponse::build(self.status());
        response.content_type("application/json");
        if let Some(challenge) = self.challenge() {
            response.insert_header((header::WWW_AUTHENTICATE, challenge.clone()));
        }
        response.body(body)
    }
}

impl ResponseError for AuthError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.default_response()
    }
}

/// Replaces the response to refused requests, for every handler, extractor and middleware of
/// this crate that can see it in the app data.
///
/// Register it once with `App::app_data`, as itself or as `web::Data` (or on a `Scope` or
/// `Resource`, which then take precedence). The hook receives the request and the
/// [`AuthError`]; it decides the status too, so keep a 401 a 401, and keep the
/// `WWW-Authenticate` header ([`AuthError::challenge`]) if clients rely on it.
///
/// The hook also answers misconfigurations ([`AuthErrorKind::Misconfigured`]):
/// their message names the secret's source (a variable's name, never its value), which is for
/// your logs, not for your clients.
///
/// ```
/// use actix_web::{App, HttpResponse};
/// use secret_bearer::RejectionHandler;
///
/// let app = App::new().app_data(RejectionHandler::new(|_req, error| {
///     HttpResponse::build(error.status()).json(serde_json::json!({ "message": "who are you?" }))
/// }));
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct RejectionHandler {
    respond: Arc<Respond>,
}

type Respond = dyn Fn(&HttpRequest, &AuthError) -> HttpResponse + Send + Sync;

impl RejectionHandler {
    /// A hook that builds the response to every refused request.
    pub fn new(
        respond: impl Fn(&HttpRequest, &AuthError) -> HttpResponse + Send + Sync + 'static,
    ) -> Self {
        Self {
            respond: Arc::new(respond),
        }
    }

    /// The registered hook's response, or the default one.
    pub(crate) fn respond(req: &HttpRequest, error: &AuthError) -> HttpResponse {
        match crate::actix::app_data::<Self>(req) {
            Some(handler) => (handler.respond)(req, error),
            None => error.default_response(),
        }
    }
}

impl std::fmt::Debug for RejectionHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RejectionHandler").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(prefix: &str, kind: AuthErrorKind) -> HeaderValue {
        Challenges::for_prefix(prefix).for_kind(&kind)
    }

    #[test]
    fn challenges_follow_the_prefix() {
        assert_eq!(
            challenge("Bearer ", AuthErrorKind::MissingCredential),
            "Bearer"
        );
        assert_eq!(
            challenge("bearer ", AuthErrorKind::WrongCredential),
            r#"bearer error="invalid_token""#
        );
        assert_eq!(
            challenge("secret-token ", AuthErrorKind::WrongCredential),
            "secret-token"
        );
        assert_eq!(challenge("", AuthErrorKind::MissingCredential), "ApiKey");
        assert_eq!(challenge("key=", AuthErrorKind::WrongCredential), "ApiKey");
    }
}
