//! `http` (feature `http`): authorizing `http::request::Builder` and `http::HeaderMap`, for
//! clients built on the `http` crate's types (hyper, tower, and their kin).

use ::http::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use ::http::request;

use super::authorization::sensitive_value;
use super::authorization::{Attach, Authorization, Authorize};

#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Attach for &mut HeaderMap {
    fn authorize(self, authorization: &Authorization) -> Self {
        match sensitive_value!(HeaderValue, authorization) {
            Some(value) => self.insert(AUTHORIZATION, value),
            None => self.remove(AUTHORIZATION),
        };
        self
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Attach for HeaderMap {
    fn authorize(mut self, authorization: &Authorization) -> Self {
        let _ = (&mut self).authorize(authorization);
        self
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Attach for request::Builder {
    fn authorize(mut self, authorization: &Authorization) -> Self {
        // A builder that already failed has no headers; building it reports its error.
        if let Some(headers) = self.headers_mut() {
            let _ = headers.authorize(authorization);
        }
        self
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Authorize for &mut HeaderMap {}
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Authorize for HeaderMap {}
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Authorize for request::Builder {}
