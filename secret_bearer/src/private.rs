//! What `#[secret_bearer]` expands to refers to these paths, and only these: they are not part
//! of the public API and may change in any release.

use std::sync::OnceLock;

pub use crate::__document_handler as document_handler;
pub use crate::__inline_handler as inline_handler;
pub use crate::__named_bearer as named_bearer;
pub use crate::bearer::SecretBearer;
pub use crate::check::probe_accepts;
use crate::client::authorization::Authorize;
pub use crate::error::Error;
pub use crate::guard::{Authenticated, BearerProvider, FromAppData, NamedBearer};
pub use crate::inline::{Inline, InlineHandler};
pub use crate::startup::{RegisteredHandler, resolve_handlers};
pub use inventory;
pub use secret_bearer_rules::Key;

/// An attribute's settings as written (a handler's, in a canonical order), each a key and its
/// value (empty for a flag): what a handler's or client function's bearer is built from. Data
/// rather than a builder chain per function, so that each annotated function adds a static, not
/// code.
pub struct Spec(pub &'static [(Key, &'static str)]);

impl Spec {
    pub(crate) fn build(&self) -> Result<SecretBearer, Error> {
        build(self.0)
    }
}

/// The bearer of `settings`, each a key and its value.
pub(crate) fn build(settings: &[(Key, &'static str)]) -> Result<SecretBearer, Error> {
    let builder = settings
        .iter()
        .fold(SecretBearer::builder(), |builder, &(key, value)| {
            builder.set(key, value)
        });
    builder.build()
}

/// The bearer of one named bearer or annotated client function, built on first use.
pub struct LazyBearer {
    spec: Spec,
    bearer: OnceLock<Result<SecretBearer, Error>>,
}

impl LazyBearer {
    /// The bearer `spec` describes, to build when first asked for.
    pub const fn new(spec: Spec) -> Self {
        Self {
            spec,
            bearer: OnceLock::new(),
        }
    }

    /// The attribute was validated at compile time by the same rules the builder applies, so
    /// an error here is not expected; if it happens anyway it fails closed, as any other would.
    pub fn get(&'static self) -> Result<&'static SecretBearer, Error> {
        let bearer = self.bearer.get_or_init(|| self.spec.build());
        bearer.as_ref().map_err(Error::clone)
    }
}

/// What an annotated `async` client function runs first: its request authorized with the
/// primary secret of `bearer` (its [`NamedBearer::bearer`]), read through the installed store
/// when it lives in a secret manager.
pub async fn authorize<R: Authorize>(
    bearer: Result<&'static SecretBearer, Error>,
    request: R,
) -> Result<R, Error> {
    let authorization = bearer?.authorization_with().await?;
    Ok(request.authorize(&authorization))
}

/// [`authorize`] for a function that is not `async`: its secret is an environment variable
/// (the attribute refuses a secret in a manager there).
pub fn authorize_now<R: Authorize>(
    bearer: Result<&'static SecretBearer, Error>,
    request: R,
) -> Result<R, Error> {
    Ok(request.authorize(&bearer?.authorization()?))
}

/// A named bearer whose primary is one key, not a key set: what a client function can send.
/// The attribute implements it on the named bearers it defines that qualify.
#[diagnostic::on_unimplemented(
    message = "`{Self}` holds a key set, and a client function sends one key",
    label = "a key set, the keys a handler accepts, one per caller",
    note = "name a bearer whose primary is `env = \"...\"` or `secret = \"...\"`"
)]
pub trait OneKey: NamedBearer {}

/// A named bearer whose primary is not one secret in a manager, so that a client function
/// that is not `async` can read it. (A key set has it too: [`OneKey`] refuses that, with its
/// own message, so that one mistake is one error.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` reads its key from a secret manager, which a client function that is not `async` cannot do",
    label = "its primary secret is in a secret manager",
    note = "a secret in a manager is fetched, which takes waiting: make the function an \
            `async fn`, or name a bearer whose primary is `env = \"...\"`"
)]
pub trait ReadWithoutWaiting: NamedBearer {}

/// A named bearer whose primary is a key set, which grants its callers scopes: what a
/// handler's `scopes` beside it require. The attribute implements it on the named bearers it
/// defines that qualify.
#[diagnostic::on_unimplemented(
    message = "`{Self}` holds one key, which names no caller, so it grants no scopes",
    label = "scopes are granted to the callers of a key set",
    note = "give `{Self}` a key set (`keys_env = \"...\"` or `keys_secret = \"...\"`) with each \
            caller's `scopes` in it, or remove `scopes` here"
)]
pub trait KeySet: NamedBearer {}

/// What a handler requiring scopes beside the named bearer `N` checks at compile time: that
/// `N` has a key set to grant them.
pub const fn grants_scopes<N: KeySet>() {}

/// What a handler naming `N` checks at compile time: that `N` is a named bearer (one error at
/// the name, in [`NamedBearer`]'s words).
pub const fn is_named_bearer<N: NamedBearer>() {}

/// What a client function naming `N` checks at compile time: that `N` sends one key.
pub const fn sends<N: OneKey>() {}

/// What a client function that is not `async` naming `N` checks besides [`sends`]: that `N`
/// reads its key without waiting.
pub const fn sends_without_waiting<N: ReadWithoutWaiting>() {}

/// The attribute's check of each parameter of a handler (`use`d whole, so that every trait
/// whose method it calls is in scope).
pub mod probe {
    use std::marker::PhantomData;

    /// What the attribute checks of each parameter of a handler, at its type: that it is an
    /// extractor of a server the crate is built for (actix-web, or axum with state `S`), and,
    /// before the last parameter, one that leaves the body alone (axum runs only the last
    /// parameter's `FromRequest`). Written `(&&&Probe::<Type, S, Position>::new()).is_extractor()`:
    /// method resolution tries the framework's trait at each level of references in turn and
    /// takes the first whose bound holds, so a type that is an extractor of both servers is no
    /// ambiguity; a type that is neither falls through to the last, whose bound is
    /// [`Extractor`] (or [`HeadExtractor`] before the last parameter), and is one error at the
    /// parameter, in its words.
    pub struct Probe<T, S, P>(PhantomData<fn() -> (T, S)>, PhantomData<P>);

    /// The position of a parameter before the last.
    pub enum Head {}

    /// The position of the last parameter.
    pub enum Last {}

    impl<T, S, P> Probe<T, S, P> {
        /// The probe of one parameter's type.
        #[allow(clippy::new_without_default)]
        pub const fn new() -> Self {
            Self(PhantomData, PhantomData)
        }
    }

    /// An actix-web extractor (in any position: actix-web runs each parameter's extractor).
    #[cfg(feature = "actix")]
    pub trait ActixExtractor {
        /// Found: nothing to do.
        fn is_extractor(&self) {}
    }

    #[cfg(feature = "actix")]
    impl<T: actix_web::FromRequest, S, P> ActixExtractor for &&&Probe<T, S, P> {}

    /// An axum extractor that reads the request's head (in any position).
    #[cfg(feature = "axum")]
    pub trait AxumPartsExtractor {
        /// Found: nothing to do.
        fn is_extractor(&self) {}
    }

    #[cfg(feature = "axum")]
    impl<T: axum_core::extract::FromRequestParts<S>, S, P> AxumPartsExtractor for &&Probe<T, S, P> {}

    /// An axum extractor that reads the body: the last parameter only.
    #[cfg(feature = "axum")]
    pub trait AxumBodyExtractor {
        /// Found: nothing to do.
        fn is_extractor(&self) {}
    }

    #[cfg(feature = "axum")]
    impl<T: axum_core::extract::FromRequest<S>, S> AxumBodyExtractor for &Probe<T, S, Last> {}

    /// The last resort for the last parameter: no server's extractor trait holds, so the bound
    /// below fails, with [`Extractor`]'s message.
    pub trait NotAnExtractor<T> {
        /// Fails to compile: `T` is not an extractor.
        fn is_extractor(&self)
        where
            T: Extractor,
        {
        }
    }

    impl<T, S> NotAnExtractor<T> for Probe<T, S, Last> {}

    /// The last resort before the last parameter: with axum, [`HeadExtractor`]'s message (only
    /// the last parameter may read the body); without, [`Extractor`]'s, as for the last.
    pub trait NotAHeadExtractor<T> {
        /// Fails to compile: `T` is not an extractor that leaves the body alone.
        #[cfg(feature = "axum")]
        fn is_extractor(&self)
        where
            T: HeadExtractor,
        {
        }

        /// Fails to compile: `T` is not an extractor.
        #[cfg(not(feature = "axum"))]
        fn is_extractor(&self)
        where
            T: Extractor,
        {
        }
    }

    impl<T, S> NotAHeadExtractor<T> for Probe<T, S, Head> {}

    /// Implemented by no type: a parameter before the last whose type reaches it is not an
    /// extractor of any server this crate is built for, or is an axum extractor of the body.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot come before the handler's last parameter",
        label = "not an extractor, or one that reads the request body",
        note = "on axum, only the last parameter may read the body (`Json`, `Form`, `String`, \
                `Bytes`, ...): move it last; every other parameter must be an extractor of the \
                request's head (`FromRequestParts`)",
        note = "on actix-web, every parameter must be an extractor (`FromRequest`), in any order"
    )]
    pub trait HeadExtractor {}

    /// Implemented by no type: a parameter whose type reaches it is not an extractor of any
    /// server this crate is built for. The message names the servers the build has, and in a
    /// build with none, the feature to enable.
    #[cfg_attr(
        all(feature = "actix", feature = "axum"),
        diagnostic::on_unimplemented(
            message = "`{Self}` is not an extractor, so `#[secret_bearer]` cannot run it after the check",
            label = "not an extractor of actix-web (`FromRequest`) or axum (`FromRequestParts`, `FromRequest`)"
        )
    )]
    #[cfg_attr(
        all(feature = "actix", not(feature = "axum")),
        diagnostic::on_unimplemented(
            message = "`{Self}` is not an extractor, so `#[secret_bearer]` cannot run it after the check",
            label = "not an actix-web extractor (`FromRequest`)",
            note = "for an axum handler, enable `secret_bearer`'s `axum` feature"
        )
    )]
    #[cfg_attr(
        all(not(feature = "actix"), feature = "axum"),
        diagnostic::on_unimplemented(
            message = "`{Self}` is not an extractor, so `#[secret_bearer]` cannot run it after the check",
            label = "not an axum extractor (`FromRequestParts`, `FromRequest`)",
            note = "for an actix-web handler, enable `secret_bearer`'s `actix` feature"
        )
    )]
    #[cfg_attr(
        not(any(feature = "actix", feature = "axum")),
        diagnostic::on_unimplemented(
            message = "`#[secret_bearer]` protects a handler of a server this build of `secret_bearer` has no feature for",
            label = "an extractor of which server?",
            note = "enable `secret_bearer`'s `actix` feature for actix-web handlers, or `axum` for axum handlers"
        )
    )]
    #[diagnostic::on_unimplemented(
        note = "every parameter of a protected handler must be an extractor of its server; \
                on axum, the attribute checks against the state of the handler's `State<S>` \
                parameter, or `()` without one",
        note = "a client function is recognised by a parameter of type \
                `reqwest::RequestBuilder`, `awc::ClientRequest`, `http::request::Builder` or \
                `&mut http::HeaderMap`, by the type's name as written: a type alias is not followed"
    )]
    pub trait Extractor {}
}
