//! Sending again after a 401, one table for every client that does (the reqwest middleware,
//! `client::awc::send`): a request is sent again only when the secret
//! read again differs from the one refused, at most once, never after a 403, and never with a
//! body that streams.

use secret_bearer::client::SecretBearerClientMiddleware;
use secret_bearer::{SecretBearer, client};

use super::{Recorder, SECRET, cached_then_set, init_env};

/// What every request of these tests carries.
const BODY: &str = "a widget";

/// A client that sends a request again after a 401.
#[derive(Clone, Copy, Debug)]
pub(super) enum Resending {
    Middleware,
    Awc,
}

impl Resending {
    pub(super) const ALL: [Self; 2] = [Self::Middleware, Self::Awc];

    /// POSTs [`BODY`] (as a stream, with `streamed`) to `url` with `bearer`'s secret; the
    /// final answer's status.
    pub(super) async fn post(self, bearer: &SecretBearer, url: &str, streamed: bool) -> u16 {
        let body = || match streamed {
            true => {
                reqwest::Body::wrap_stream(futures_util::stream::iter([Ok::<_, std::io::Error>(
                    BODY,
                )]))
            }
            false => reqwest::Body::from(BODY),
        };
        let status = match self {
            Self::Middleware => {
                let middleware = SecretBearerClientMiddleware::new(bearer.clone());
                let client = super::middleware::client(middleware);
                client.post(url).body(body()).send().await.unwrap().status()
            }
            Self::Awc => {
                assert!(!streamed, "`awc::send` takes its body whole");
                let request = awc::Client::default().post(url);
                let response = client::awc::send(bearer, request, BODY).await;
                return response.unwrap().status().as_u16();
            }
        };
        status.as_u16()
    }
}

/// Where the client's secret is when the server refuses it.
#[derive(Clone, Copy, Debug)]
pub(super) enum Secret {
    /// An environment variable (`SB_CLIENT_SECRET`, no prefix), the same when read again.
    Environment,
    /// The installed store cached `OLD`, still `OLD` in the manager.
    StoreUnchanged,
    /// The installed store cached `OLD`, rotated to `NEW` in the manager.
    StoreRotated,
}

impl Secret {
    pub(super) async fn bearer(self) -> SecretBearer {
        match self {
            Self::Environment => {
                init_env();
                let bearer = SecretBearer::builder().env("SB_CLIENT_SECRET").build();
                bearer.unwrap()
            }
            Self::StoreUnchanged => cached_then_set("OLD").await,
            Self::StoreRotated => cached_then_set("NEW").await,
        }
    }
}

/// One case: the secret, what the server answers (statuses in turn, then 200 to `accept` and
/// 401 to anything else), the `Authorization` of each request it receives, and the status the
/// client answers.
type Case = (
    Secret,
    &'static [u16],
    Option<&'static str>,
    &'static [&'static str],
    u16,
);

const CASES: [Case; 5] = [
    // An unchanged secret could only be refused again: one request, and its 401.
    (Secret::Environment, &[401, 401], None, &[SECRET], 401),
    (
        Secret::StoreUnchanged,
        &[401, 401],
        None,
        &["Bearer OLD"],
        401,
    ),
    // A rotated secret is sent once more, and accepted.
    (
        Secret::StoreRotated,
        &[],
        Some("Bearer NEW"),
        &["Bearer OLD", "Bearer NEW"],
        200,
    ),
    // Once more at the most.
    (
        Secret::StoreRotated,
        &[401, 401, 401],
        None,
        &["Bearer OLD", "Bearer NEW"],
        401,
    ),
    // Never after a 403.
    (
        Secret::StoreRotated,
        &[403, 403],
        None,
        &["Bearer OLD"],
        403,
    ),
];

async fn check_cases(client: Resending) {
    for case @ (secret, answers, accept, seen, status) in CASES {
        let bearer = secret.bearer().await;
        let recorder = Recorder {
            accept,
            ..Recorder::answering(answers)
        };
        let (base, server) = recorder.start();
        let answered = client.post(&bearer, &base, false).await;
        server.stop(true).await;
        assert_eq!(
            (recorder.seen(), answered),
            (
                seen.iter().map(|value| vec![value.to_string()]).collect(),
                status
            ),
            "{client:?}, {case:?}"
        );
    }
}

#[actix_web::test]
async fn the_middleware_sends_again_only_with_a_changed_secret() {
    check_cases(Resending::Middleware).await;
}

#[actix_web::test]
async fn awc_send_sends_again_only_with_a_changed_secret() {
    check_cases(Resending::Awc).await;
}

#[actix_web::test]
async fn a_streaming_body_is_never_sent_again_even_with_a_rotated_secret() {
    for client in [Resending::Middleware] {
        let bearer = Secret::StoreRotated.bearer().await;
        let recorder = Recorder::answering(&[401]);
        let (base, server) = recorder.start();
        let answered = client.post(&bearer, &base, true).await;
        server.stop(true).await;
        assert_eq!(
            (recorder.seen(), answered),
            (vec![vec!["Bearer OLD".to_owned()]], 401),
            "{client:?}"
        );
    }
}
