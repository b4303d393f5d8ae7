//! What a refused request is answered with on actix-web, and the hook that replaces it.

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::rejection::AuthError;

/// actix-web's answer to a refusal: [`AuthError::status_code`] as its type, and as the
/// response sent when no [`RejectionHandler`] is registered, the clearskies JSON body with, for
/// a 401, the `WWW-Authenticate` challenge.
impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(AuthError::status_code(self))
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(ResponseError::status_code(self));
        response.content_type("application/json");
        if let Some(challenge) = self.challenge() {
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        response.body(self.body())
    }
}

/// Replaces the response to refused requests, for every handler, extractor and middleware of
/// this crate that can see it in the app data.
///
/// Register it once with `App::app_data`, as itself or as `web::Data` (or on a `Scope` or
/// `Resource`, which then take precedence). The hook receives the request and the
/// [`AuthError`]; it decides the status too, so keep a 401 a 401 (`ResponseError::status_code`
/// gives it as actix-web's type, and `error_response` the response it replaces), and keep the
/// `WWW-Authenticate` header ([`AuthError::challenge`]) if clients rely on it.
///
/// The hook also answers misconfigurations ([`AuthErrorKind::Misconfigured`](crate::AuthErrorKind::Misconfigured)):
/// their message names the secret's source (a variable's name, never its value), which is for
/// your logs, not for your clients.
///
/// ```
/// use actix_web::{App, HttpResponse, ResponseError};
/// use secret_bearer::actix::RejectionHandler;
///
/// let app = App::new().app_data(RejectionHandler::new(|_req, error| {
///     let status = ResponseError::status_code(error);
///     HttpResponse::build(status).json(serde_json::json!({ "message": "who are you?" }))
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

    /// The hook's response to a refused request.
    pub(crate) fn respond(&self, req: &HttpRequest, error: &AuthError) -> HttpResponse {
        (self.respond)(req, error)
    }
}

impl std::fmt::Debug for RejectionHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RejectionHandler").finish_non_exhaustive()
    }
}
