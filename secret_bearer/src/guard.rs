//! [`Authenticated`]: the guard every server adapter extracts, and where it finds its bearer.
//! Only the type lives here; each adapter implements its framework's extractor for it.

use std::fmt;
use std::marker::PhantomData;

use crate::bearer::SecretBearer;
use crate::error::{Error, ErrorKind};

/// Where an [`Authenticated`] guard finds the [`SecretBearer`] that checks a request: a
/// [`NamedBearer`] (`#[secret_bearer]` on a unit struct defines one, and the attribute with keys
/// on a handler names a hidden one, shared by every handler written with the same keys), or [`FromAppData`], the default. Not public (both are reached
/// through `__private`): those two are every way there is.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a named bearer",
    label = "not where an `Authenticated` guard can find its bearer",
    note = "name a bearer defined with `#[secret_bearer(..)]` on a unit struct, or leave the \
            parameter out for the bearer registered with the server"
)]
pub trait BearerProvider: 'static {
    /// The bearer for this request, or why there is none (answered with a 500). `registered`
    /// finds the one registered with the server (actix-web's app data, axum's request
    /// extensions), for a provider that asks for it.
    fn bearer<'a>(
        registered: impl FnOnce() -> Option<&'a SecretBearer>,
    ) -> Result<&'a SecretBearer, Error>;
}

/// `Authenticated`'s default provider: the [`SecretBearer`] registered with the server, in
/// actix-web's app data (as itself or as `web::Data`), or in axum's request extensions
/// (`.layer(Extension(bearer))`). Users never name it: they leave the parameter out.
#[derive(Debug)]
pub enum FromAppData {}

impl BearerProvider for FromAppData {
    fn bearer<'a>(
        registered: impl FnOnce() -> Option<&'a SecretBearer>,
    ) -> Result<&'a SecretBearer, Error> {
        registered().ok_or(Error::from(ErrorKind::NotRegistered))
    }
}

/// A bearer defined once, by `#[secret_bearer(..)]` with its keys on a unit struct, and named
/// wherever a configuration goes: `#[secret_bearer(WidgetsKey)]` on handlers and client
/// functions, `Authenticated<T, WidgetsKey>` by hand, and [`NamedBearer::bearer`] for the
/// middleware, the tower layer and OpenAPI documents.
///
/// Everything that names it shares one [`SecretBearer`], built on first use: one cache entry
/// per source, one report of older keys in use, one set of metrics. Handlers that name it and
/// have the same parameter types share one parameter type, so the server's extraction code is
/// compiled once for all of them rather than once per handler.
///
/// ```
/// # #[cfg(feature = "actix")] {
/// use actix_web::{App, HttpResponse, get, web};
/// use secret_bearer::{NamedBearer, secret_bearer};
///
/// /// The widgets API's key.
/// #[secret_bearer(env = "WIDGETS_KEY", alt_env = "WIDGETS_KEY_OLD", prefix = "Bearer ")]
/// pub struct WidgetsKey;
///
/// #[get("/widgets")]
/// #[secret_bearer(WidgetsKey)]
/// async fn list() -> HttpResponse { HttpResponse::Ok().json(["a", "b"]) }
///
/// #[get("/widgets/{id}")]
/// #[secret_bearer(WidgetsKey)]
/// async fn show(id: web::Path<u32>) -> String { id.to_string() }
///
/// let app = App::new()
///     .service(list)
///     .service(show)
///     // The middleware checks with the same bearer.
///     .service(web::scope("/admin").wrap(WidgetsKey::bearer()?.clone()));
/// # let _ = app;
/// # }
/// # Ok::<(), secret_bearer::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a named bearer",
    label = "not defined with `#[secret_bearer(..)]` on a unit struct",
    note = "a named bearer is defined once with its keys, as in \
            `#[secret_bearer(env = \"WIDGETS_KEY\")] pub struct WidgetsKey;`, and named as \
            `#[secret_bearer(WidgetsKey)]`"
)]
pub trait NamedBearer: 'static {
    /// The bearer, built the first time it is asked for and the same every time after. The
    /// attribute checked its keys at compile time by the rules the builder applies, so an
    /// error is not expected; if one happens anyway, every request it checks fails closed.
    fn bearer() -> Result<&'static SecretBearer, Error>;
}

impl<T: NamedBearer> BearerProvider for T {
    fn bearer<'a>(_: impl FnOnce() -> Option<&'a SecretBearer>) -> Result<&'a SecretBearer, Error> {
        <T as NamedBearer>::bearer()
    }
}

/// An extractor that authenticates the request, and only then extracts `T`.
///
/// Until the request is authenticated, `T`'s extractor does not run: an unauthenticated request
/// never has its body read, and its 401 wins over every error `T` would have raised. This is the
/// parameter `#[secret_bearer]` gives a handler, with `T` the tuple of the handler's own
/// parameters. It is an extractor of each server the crate is built for (features `actix`,
/// `axum`); see the `actix` and `axum` modules for how each runs it beside other
/// parameters. By hand, `Authenticated<T, WidgetsKey>` checks with a [`NamedBearer`], and
/// `Authenticated<T>` with the bearer registered with the server: in actix-web's app data (as
/// itself or as `web::Data`), or in axum's request extensions (`.layer(Extension(bearer))`). On
/// actix-web:
///
/// ```
/// # #[cfg(feature = "actix")] {
/// use actix_web::{App, HttpResponse, web};
/// use secret_bearer::{Authenticated, SecretBearer};
///
/// async fn create(auth: Authenticated<web::Json<serde_json::Value>>) -> HttpResponse {
///     let body = auth.into_inner();
///     HttpResponse::Created().json(body.into_inner())
/// }
///
/// let bearer = SecretBearer::builder().env("MY_AUTH_SECRET").build()?;
/// let app = App::new().app_data(bearer).route("/", web::post().to(create));
/// # let _ = app;
/// # }
/// # Ok::<(), secret_bearer::Error>(())
/// ```
pub struct Authenticated<T = (), P = FromAppData> {
    inner: T,
    provider: PhantomData<fn() -> P>,
}

impl<T, P> Authenticated<T, P> {
    /// What `T` extracted, once the request is authenticated.
    #[cfg(any(feature = "actix", feature = "axum"))]
    pub(crate) fn new(inner: T) -> Self {
        Self {
            inner,
            provider: PhantomData,
        }
    }

    /// What `T` extracted.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

// By hand: a derive would ask `P: Debug`, and `#[secret_bearer]`'s hidden providers are not,
// which would stop `#[tracing::instrument]` and friends from formatting the parameter.
impl<T: fmt::Debug, P> fmt::Debug for Authenticated<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Authenticated").field(&self.inner).finish()
    }
}
