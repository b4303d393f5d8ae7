//! [`SecretBearerService`]: the check, then the inner service, or the refusal.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::{Request, Response};
use http_body_util::{Either, Full};
use pin_project_lite::pin_project;
use tower_service::Service;

use super::response::{
    answers_as_grpc, authorization, grpc_response, http_response, mark_sensitive,
};
use crate::bearer::SecretBearer;
use crate::caller::Caller;
use crate::rejection::AuthError;
use crate::store::SecretStore;

/// The body of a response from a [`SecretBearerService`]: the inner service's, or a refusal's.
pub type RefusalBody<B> = Either<B, Full<Bytes>>;

/// The service [`SecretBearerLayer`](super::SecretBearerLayer) wraps around another.
#[derive(Clone, Debug)]
pub struct SecretBearerService<S> {
    inner: S,
    bearer: SecretBearer,
}

impl<S> SecretBearerService<S> {
    pub(super) fn new(inner: S, bearer: SecretBearer) -> Self {
        Self { inner, bearer }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SecretBearerService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Send + 'static,
{
    type Response = Response<RefusalBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // Before anything else, so that nothing the request reaches can print the credential.
        mark_sensitive(request.headers_mut());
        if !self.bearer.needs_store() {
            // Environment variables: the check never waits, so it runs here, with no box.
            let verdict = self.bearer.check(authorization(request.headers()));
            return self.answer(verdict, request);
        }
        // The clone takes the place of the service made ready, which the request is given.
        let clone = self.inner.clone();
        let mut service = Self {
            inner: std::mem::replace(&mut self.inner, clone),
            bearer: self.bearer.clone(),
        };
        // An app's own store, in the request's extensions, wins over the installed one.
        let store = request.extensions().get::<SecretStore>().cloned();
        ResponseFuture::waiting(Box::pin(async move {
            let verdict = service
                .bearer
                .authenticate(store.as_ref(), authorization(request.headers()))
                .await;
            service.answer(verdict, request).await
        }))
    }
}

impl<S> SecretBearerService<S> {
    /// The inner service's call for an accepted request, its [`Caller`] in its extensions; the
    /// refusal for a refused one, which goes no further.
    fn answer<ReqBody, ResBody>(
        &mut self,
        verdict: Result<Caller, AuthError>,
        mut request: Request<ReqBody>,
    ) -> ResponseFuture<S::Future, ResBody, S::Error>
    where
        S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    {
        match verdict {
            Ok(caller) => {
                request.extensions_mut().insert(caller);
                ResponseFuture::calling(self.inner.call(request))
            }
            Err(error) => ResponseFuture::refused(refusal(&request, &error)),
        }
    }
}

/// The response to a refused request: gRPC's for a gRPC call, clearskies' otherwise.
fn refusal<ReqBody>(request: &Request<ReqBody>, error: &AuthError) -> Response<Full<Bytes>> {
    let body = |text: &'static str| Full::new(Bytes::from_static(text.as_bytes()));
    if answers_as_grpc(request) {
        grpc_response(error, body)
    } else {
        http_response(error, body)
    }
}

pin_project! {
    /// The future of [`SecretBearerService`]'s call.
    pub struct ResponseFuture<F, B, E> {
        #[pin]
        state: State<F, B, E>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B, E> {
        /// Accepted: the inner service's call.
        Calling { #[pin] call: F },
        /// Refused: the response, until it is taken.
        Refused { response: Option<Response<Full<Bytes>>> },
        /// A check that may wait (for a secret manager), then the inner call, in one box that
        /// owns the request.
        Waiting { check: BoxFuture<'static, Result<Response<RefusalBody<B>>, E>> },
    }
}

impl<F, B, E> ResponseFuture<F, B, E> {
    fn calling(call: F) -> Self {
        Self {
            state: State::Calling { call },
        }
    }

    fn refused(response: Response<Full<Bytes>>) -> Self {
        Self {
            state: State::Refused {
                response: Some(response),
            },
        }
    }

    fn waiting(check: BoxFuture<'static, Result<Response<RefusalBody<B>>, E>>) -> Self {
        Self {
            state: State::Waiting { check },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B, E>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<RefusalBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Calling { call } => {
                call.poll(cx).map_ok(|response| response.map(Either::Left))
            }
            StateProj::Refused { response } => {
                let response = response.take().expect("polled again after its answer");
                Poll::Ready(Ok(response.map(Either::Right)))
            }
            StateProj::Waiting { check } => check.as_mut().poll(cx),
        }
    }
}
