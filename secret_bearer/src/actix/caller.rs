//! [`Caller`] as an extractor: what the check kept in the request's extensions.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::refusal;
use crate::caller::Caller;
use crate::error::Error;
use crate::rejection::AuthError;

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    /// The caller the check accepted. A handler no check protects has none: that is a mistake
    /// in the service, answered as a misconfiguration (a 500, and an error event), not a 401.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = req.extensions().get::<Caller>().cloned();
        ready(caller.ok_or_else(|| refusal(req, AuthError::fail_closed(Error::Unprotected))))
    }
}
