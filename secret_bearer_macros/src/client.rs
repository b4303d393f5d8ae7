//! Writing a client function: its request authorized through the runtime crate before the
//! body runs, the secret read by a bearer built once for the function.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ReturnType, parse_quote};

use crate::function::Function;

use crate::args::Key;
use crate::builder::lazy_bearer;
use crate::item::Target;
use crate::validate::Bearer;

/// The rules only a client function has: it sends one key, so it takes no key set; a primary
/// secret in a manager is fetched, so the function must be async; `doc` documents handlers,
/// and a client has nothing to document; `strong_keys` judges the keys a handler accepts, and
/// the key a client sends is judged by the server it calls. (A named bearer's keys are not known here: the
/// expansion checks what it can send through its marker traits, `client_can_send`.)
pub(crate) fn check(target: &Target, bearer: Bearer) -> syn::Result<Bearer> {
    let Target::Client { function, .. } = target else {
        return Ok(bearer);
    };
    let config = match &bearer {
        Bearer::Keys(config) => config,
        Bearer::Named {
            scopes: Some(scopes),
            ..
        } => return Err(scopes_on_a_client(scopes)),
        Bearer::Named { .. } => return Ok(bearer),
    };
    if config.primary.key.is_key_set() {
        return Err(syn::Error::new(
            config.primary.written.span(),
            format_args!(
                "`{}` is a key set, the keys a handler accepts, one per caller; a client \
                 function sends one key: give it with `env = \"...\"` or `secret = \"...\"`",
                config.primary.written
            ),
        ));
    }
    if function.sig.asyncness.is_none() && config.primary.is_managed() {
        return Err(syn::Error::new(
            config.primary.written.span(),
            "a secret in a secret manager is fetched asynchronously: make this client function \
             an `async fn`, or read the secret from an environment variable with `env`",
        ));
    }
    if let Some(strong) = config.settings.iter().find(|s| s.key == Key::StrongKeys) {
        return Err(syn::Error::new(
            strong.span(),
            "`strong_keys` refuses weak keys among those a handler accepts; a client function \
             sends its key, which the server it calls judges: remove it",
        ));
    }
    if let Some(scopes) = config.settings.iter().find(|s| s.key == Key::Scopes) {
        return Err(scopes_on_a_client(scopes));
    }
    if let Some(doc) = &config.doc {
        return Err(syn::Error::new(
            doc.span(),
            "`doc` names a handler's security scheme in OpenAPI documents; a client function \
             has none to document: remove it",
        ));
    }
    Ok(bearer)
}

fn scopes_on_a_client(scopes: &crate::args::Setting) -> syn::Error {
    syn::Error::new(
        scopes.span(),
        "`scopes` are what a handler requires of its callers; a client function sends its key, \
         whose scopes the server it calls grants: remove it",
    )
}

pub(crate) fn authorize(mut function: Function, request: usize, bearer: &Bearer) -> TokenStream {
    let sync = function.sig.asyncness.is_none();
    // The bearer: a static built from the keys, or the named bearer, which must be able to
    // send from this function (`__private::OneKey`, `ReadWithoutWaiting`: one error at the
    // name).
    let (bearer_item, get_bearer) = match bearer {
        Bearer::Keys(config) => {
            let lazy = lazy_bearer(config);
            let name = syn::Ident::new("__SECRET_BEARER", Span::mixed_site());
            (
                quote!(static #name: ::secret_bearer::__private::LazyBearer = #lazy;),
                quote!(#name.get()),
            )
        }
        Bearer::Named { path, .. } => {
            let mut can_send =
                quote_spanned!(path.span()=> ::secret_bearer::__private::sends::<#path>(););
            if sync {
                can_send.extend(quote_spanned!(path.span()=>
                    ::secret_bearer::__private::sends_without_waiting::<#path>();
                ));
            }
            (
                can_send,
                quote!(<#path as ::secret_bearer::__private::NamedBearer>::bearer()),
            )
        }
    };
    let Some(FnArg::Typed(input)) = function.sig.inputs.iter_mut().nth(request) else {
        // `item::target` found a typed input at this index.
        return function.into_token_stream();
    };
    // A mixed-site name: the body cannot see, or collide with, the parameter the request
    // arrives in; it sees the request authorized, under the pattern it was written with.
    let parameter = syn::Ident::new(
        "__secret_bearer_request",
        Span::mixed_site().located_at(input.ty.span()),
    );
    let pattern = std::mem::replace(&mut *input.pat, parse_quote!(#parameter));
    // Errors point at what they are about: a request type no enabled feature supports at
    // the type; an error type that cannot take `secret_bearer::Error` at the return type.
    let call = if sync {
        quote_spanned!(input.ty.span()=> ::secret_bearer::__private::authorize_now(#get_bearer, #parameter))
    } else {
        quote_spanned!(input.ty.span()=> ::secret_bearer::__private::authorize(#get_bearer, #parameter).await)
    };
    let question_mark = match &function.sig.output {
        ReturnType::Type(_, ty) => quote_spanned!(ty.span()=> ?),
        ReturnType::Default => quote_spanned!(function.sig.ident.span()=> ?),
    };
    function.prepend(quote! {
        #bearer_item
        let #pattern = #call #question_mark;
    });
    function.into_token_stream()
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::attribute::secret_bearer;

    #[test]
    fn the_request_is_authorized_first_under_its_own_pattern() {
        let expanded = secret_bearer(
            quote!(env = "A", prefix = "Bearer "),
            quote! {
                #[inline]
                pub(crate) async fn send<T: Into<String>>(&self, tag: T, mut request: reqwest::RequestBuilder) -> Result<(), E>
                where T: Send { request.send().await?; Ok(()) }
            },
        );
        let function: syn::ImplItemFn = syn::parse2(expanded).unwrap();
        let text = quote!(#function).to_string();
        assert!(text.starts_with("# [inline] pub (crate) async fn send < T : Into < String > > (& self , tag : T , __secret_bearer_request : reqwest :: RequestBuilder)"), "{text}");
        assert!(text.contains("where T : Send"), "{text}");
        assert!(
            text.contains(
                "static __SECRET_BEARER : :: secret_bearer :: __private :: LazyBearer = \
                 :: secret_bearer :: __private :: LazyBearer :: new (:: secret_bearer :: \
                 __private :: Spec (& [(:: secret_bearer :: __private :: Key :: Env , \"A\") , \
                 (:: secret_bearer :: __private :: Key :: Prefix , \"Bearer \")])) ;"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "let mut request = :: secret_bearer :: __private :: authorize (__SECRET_BEARER . \
                 get () , __secret_bearer_request) . await ? ; \
                 request . send () . await ? ; Ok (()) }"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_client_sends_one_key_and_does_not_judge_it() {
        let key_set = |written: &str| {
            format!(
                "`{written}` is a key set, the keys a handler accepts, one per caller; a client \
                 function sends one key: give it with `env = \\\"...\\\"` or `secret = \
                 \\\"...\\\"`"
            )
        };
        for (args, expected) in [
            (quote!(keys_env = "K"), key_set("keys_env")),
            (quote!(keys_secret = "/k"), key_set("keys_secret")),
            (
                quote!(env = "K", strong_keys),
                "`strong_keys` refuses weak keys among those a handler accepts".to_owned(),
            ),
        ] {
            let expanded = secret_bearer(
                args,
                quote!(
                    fn sign(headers: &mut http::HeaderMap) -> Result<(), E> {
                        Ok(())
                    }
                ),
            )
            .to_string();
            assert_eq!(expanded.matches("compile_error").count(), 1, "{expanded}");
            assert!(expanded.contains(&expected), "{expanded}");
        }
    }

    #[test]
    fn a_function_that_is_not_async_authorizes_now() {
        let expanded = secret_bearer(
            quote!(env = "A"),
            quote!(
                fn sign(headers: &mut http::HeaderMap) -> Result<(), E> {
                    Ok(())
                }
            ),
        )
        .to_string();
        assert!(
            expanded.contains("let headers = :: secret_bearer :: __private :: authorize_now (__SECRET_BEARER . get () , __secret_bearer_request) ?"),
            "{expanded}"
        );
    }

    #[test]
    fn a_named_bearer_is_sent_if_it_can_be_from_here() {
        let expand = |item| secret_bearer(quote!(keys::WidgetsKey), item).to_string();
        let named = ":: secret_bearer :: __private :: NamedBearer > :: bearer ()";
        // An `async fn` can send a key from a manager: it needs one key.
        let waits = expand(quote!(
            async fn send(request: RequestBuilder) -> Result<(), E> {
                Ok(())
            }
        ));
        assert!(
            waits.contains(
                "{ :: secret_bearer :: __private :: sends :: < keys :: WidgetsKey > () ; let \
                 request = :: secret_bearer :: __private :: authorize (< keys :: WidgetsKey as"
            ),
            "{waits}"
        );
        assert!(waits.contains(named), "{waits}");
        assert!(!waits.contains("LazyBearer"), "{waits}");
        // Not `async`: a key read without waiting, besides.
        let now = expand(quote!(
            fn sign(headers: &mut http::HeaderMap) -> Result<(), E> {
                Ok(())
            }
        ));
        assert!(
            now.contains(
                ":: secret_bearer :: __private :: sends :: < keys :: WidgetsKey > () ; :: \
                 secret_bearer :: __private :: sends_without_waiting :: < keys :: WidgetsKey > () ;"
            ),
            "{now}"
        );
        assert!(now.contains(named), "{now}");
    }
}
