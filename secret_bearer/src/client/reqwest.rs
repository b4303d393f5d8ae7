//! `reqwest` (feature `reqwest`): authorizing a `RequestBuilder`, what `#[secret_bearer]` on a
//! client function that takes one does. reqwest's redirects carry the header to the same
//! origin and drop it on a redirect to another scheme, host or port (an `https` page that
//! redirects to `http` included).

use ::reqwest::RequestBuilder;
use ::reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};

use super::authorization::sensitive_value;
use super::authorization::{Attach, Authorization, Authorize};

impl Attach for RequestBuilder {
    fn authorize(self, authorization: &Authorization) -> Self {
        // `headers` replaces each name it sets; `header` would add a second value.
        let mut headers = HeaderMap::new();
        if let Some(value) = sensitive_value!(HeaderValue, authorization) {
            headers.insert(AUTHORIZATION, value);
        }
        self.headers(headers)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
impl Authorize for RequestBuilder {}
