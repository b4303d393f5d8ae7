//! Every shape of client function the attribute supports compiles without a warning, and
//! keeps its attributes, visibility, generics and where-clauses.
#![deny(warnings)]

use secret_bearer::secret_bearer;

type Failure = Box<dyn std::error::Error>;

/// A trait's default method, async, with a secret in a manager.
#[allow(async_fn_in_trait)]
pub trait Api {
    /// Sends, reading the secret through the installed store.
    #[secret_bearer(secret = "/api/key#token", prefix = "Bearer ")]
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, Failure> {
        Ok(request.send().await?)
    }

    /// Builds, synchronously.
    #[secret_bearer(env = "MY_SECRET")]
    fn build(&self, request: http::request::Builder) -> Result<http::Request<()>, Failure> {
        Ok(request.body(())?)
    }
}

pub struct Remote;

impl Api for Remote {
    // A trait's method implemented with the attribute.
    #[secret_bearer(env = "MY_SECRET")]
    fn build(&self, request: http::request::Builder) -> Result<http::Request<()>, Failure> {
        Ok(request.body(())?)
    }
}

impl Remote {
    /// An inherent method, generic, with a where-clause and the request not first.
    #[must_use = "the request is not sent"]
    #[secret_bearer(alternate_environment_key = "OLD", environment_key = "MY_SECRET")]
    pub(crate) fn sign<'h, T>(&self, tag: T, headers: &'h mut http::HeaderMap) -> Result<&'h mut http::HeaderMap, secret_bearer::Error>
    where
        T: Into<String>,
    {
        let _tag: String = tag.into();
        Ok(headers)
    }
}

/// A free function with a borrowed header map and a pattern (an owned `HeaderMap` is an axum
/// handler's extractor, not a client's request).
#[secret_bearer(env = "MY_SECRET")]
pub async fn headers(map: &mut http::HeaderMap) -> Result<usize, secret_bearer::Error> {
    map.remove("x-unused");
    Ok(map.len())
}

/// awc, one line.
#[secret_bearer(env = "MY_SECRET")]
pub async fn send_awc(request: awc::ClientRequest) -> Result<u16, Failure> { Ok(request.send().await?.status().as_u16()) }

fn main() {
    let mut map = http::HeaderMap::new();
    let _ = Remote.sign("tag", &mut map);
    let _ = Remote.build(http::Request::builder());
    // Through `&self`, the default method's future is `Send`: a multi-threaded runtime can
    // spawn it.
    fn is_send<T: Send>(future: T) -> T {
        future
    }
    let _ = is_send(Remote.send(reqwest::Client::new().get("http://localhost")));
    let _ = headers(&mut map);
    let _ = send_awc(awc::Client::default().get("http://localhost"));
}
