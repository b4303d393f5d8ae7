//! What the attribute may be put on: an `async fn` that a server can call as a handler, a
//! client function or method with one request to authorize, or a unit struct that names a
//! bearer.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Attribute, Fields, FnArg, Item, ItemStruct, TraitItemFn, Type};

use crate::function::Function;

/// A refused item: the error, and the tokens to emit in its place (the item as written, less
/// any repeated `#[secret_bearer]`, so the mistake is reported once).
pub(crate) type Refused = (syn::Error, TokenStream);

/// What the attribute protects.
pub(crate) enum Target {
    /// An actix-web handler: incoming requests are checked.
    Handler(Function),
    /// A client function or method: the input at `request` is authorized before the body runs.
    Client { function: Function, request: usize },
    /// A unit struct: the named bearer its keys define.
    Named(ItemStruct),
}

/// The types a client's request parameter may have, by their last path segment (with or
/// without `&mut`): `reqwest::RequestBuilder`, `awc::ClientRequest`, `http::request::Builder`.
/// The runtime's `Authorize` trait decides which really are supported.
const REQUEST_TYPES: [&str; 3] = ["RequestBuilder", "ClientRequest", "Builder"];

/// A request type only behind `&mut`: an owned `HeaderMap` is an axum handler's extractor.
const BORROWED_REQUEST_TYPE: &str = "HeaderMap";

/// The names of the request types, for messages, and how they are recognised.
pub(crate) const REQUEST_TYPES_WRITTEN: &str = "`reqwest::RequestBuilder`, \
    `awc::ClientRequest`, `http::request::Builder` or `&mut http::HeaderMap` (recognised by \
    the type's name as written: a type alias is not followed)";

pub(crate) fn target(item: TokenStream) -> Result<Target, Refused> {
    let Ok(function) = syn::parse2::<Function>(item.clone()) else {
        // Not a function: the whole item is read, to say what it is.
        let error = match syn::parse2::<Item>(item.clone()) {
            Ok(Item::Struct(item)) => match named_shape_error(&item) {
                None => return Ok(Target::Named(item)),
                Some(error) => error,
            },
            Ok(Item::Verbatim(_)) | Err(_) => unreadable(&item),
            Ok(other) => not_a_function(&other),
        };
        return Err((error, item));
    };
    if let Some(again) = function.attrs.iter().find(|attr| is_secret_bearer(attr)) {
        let error = syn::Error::new_spanned(
            again,
            "`#[secret_bearer]` is applied twice to this function; merge the keys into one attribute",
        );
        let mut function = function;
        function.attrs.retain(|attr| !is_secret_bearer(attr));
        return Err((error, function.into_token_stream()));
    }
    let requests: Vec<usize> = function
        .sig
        .inputs
        .iter()
        .enumerate()
        .filter(|(_, input)| is_request(input))
        .map(|(index, _)| index)
        .collect();
    let error = match (requests.as_slice(), function.sig.receiver()) {
        ([request], _) => match client_shape_error(&function) {
            None => {
                let request = *request;
                return Ok(Target::Client { function, request });
            }
            error => error,
        },
        ([first, second, ..], _) => Some(syn::Error::new_spanned(
            &function.sig.inputs[*second],
            format_args!(
                "`#[secret_bearer]` authorizes one request, and this is a second one (after \
                 `{}`); split the function, or pass the other request's type by another name",
                function.sig.inputs[*first].to_token_stream()
            ),
        )),
        ([], Some(receiver)) => Some(syn::Error::new_spanned(
            receiver,
            format_args!(
                "`#[secret_bearer]` on a method authorizes the request it is given, and this \
                 method has no request: add a parameter of type {REQUEST_TYPES_WRITTEN}"
            ),
        )),
        ([], None) => handler_shape_error(&function),
    };
    match error {
        // The item as written, not as re-printed from its parse, which would flatten the
        // invisible groups another macro's tokens may carry.
        Some(error) => Err((error, item)),
        None => Ok(Target::Handler(function)),
    }
}

/// Whether an input is a request a client authorizes: a supported type, owned or `&mut`.
fn is_request(input: &FnArg) -> bool {
    let FnArg::Typed(input) = input else {
        return false;
    };
    let mut ty = &*input.ty;
    let mut borrowed = false;
    loop {
        ty = match ty {
            Type::Reference(reference) if reference.mutability.is_some() => {
                borrowed = true;
                &reference.elem
            }
            Type::Paren(paren) => &paren.elem,
            Type::Group(group) => &group.elem,
            Type::Path(path) => {
                return path.qself.is_none()
                    && path.path.segments.last().is_some_and(|segment| {
                        segment.arguments.is_none()
                            && (REQUEST_TYPES.iter().any(|name| segment.ident == name)
                                || (borrowed && segment.ident == BORROWED_REQUEST_TYPE))
                    });
            }
            _ => return false,
        }
    }
}

fn client_shape_error(function: &Function) -> Option<syn::Error> {
    let sig = &function.sig;
    sig.constness.as_ref().map(|constness| {
        syn::Error::new(
            constness.span,
            "`#[secret_bearer]` reads a secret, which a `const fn` cannot do",
        )
    })
}

fn handler_shape_error(function: &Function) -> Option<syn::Error> {
    let sig = &function.sig;
    if let Some(cfg) = conditional_parameter(sig) {
        return Some(syn::Error::new_spanned(
            cfg,
            "`#[secret_bearer]` cannot protect a handler whose parameters come and go with \
             `#[cfg]`: its extractors are gathered into one tuple; put the `#[cfg]` on two \
             versions of the whole handler instead",
        ));
    }
    let (span, message) = if let Some(constness) = &sig.constness {
        (
            constness.span,
            "an actix-web handler cannot be a `const fn`",
        )
    } else if let Some(unsafety) = &sig.unsafety {
        (
            unsafety.span,
            "an actix-web handler cannot be an `unsafe fn`",
        )
    } else if let Some(abi) = &sig.abi {
        (
            abi.span(),
            "an actix-web handler cannot have an `extern` ABI",
        )
    } else if sig.asyncness.is_none() {
        (
            sig.fn_token.span,
            "`#[secret_bearer]` needs an `async fn` on a handler (on a client function, it \
             authorizes a parameter of type `reqwest::RequestBuilder`, `awc::ClientRequest`, \
             `http::request::Builder` or `&mut http::HeaderMap`, recognised by the type's name \
             as written: a type alias is not followed)",
        )
    } else if let Some(variadic) = &sig.variadic {
        (variadic.span(), "an actix-web handler cannot be variadic")
    } else {
        return None;
    };
    Some(syn::Error::new(span, message))
}

/// A `#[cfg]`/`#[cfg_attr]` on a parameter: the rewrite moves each parameter's type into one
/// tuple, where the attribute could no longer remove it.
fn conditional_parameter(sig: &syn::Signature) -> Option<&Attribute> {
    sig.inputs
        .iter()
        .filter_map(|input| match input {
            syn::FnArg::Typed(input) => Some(&input.attrs),
            syn::FnArg::Receiver(_) => None,
        })
        .flatten()
        .find(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr"))
}

fn is_secret_bearer(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "secret_bearer")
}

/// A named bearer is a unit struct: a name, with nothing that could vary between its uses.
fn named_shape_error(item: &ItemStruct) -> Option<syn::Error> {
    let name = &item.ident;
    let generics = &item.generics;
    let (tokens, what): (&dyn ToTokens, &str) = if !generics.params.is_empty() {
        (generics, "generic parameters")
    } else if let Some(where_clause) = &generics.where_clause {
        (where_clause, "a where clause")
    } else {
        match &item.fields {
            Fields::Unit => return None,
            Fields::Named(fields) => (fields, "a body"),
            Fields::Unnamed(fields) => (fields, "fields"),
        }
    };
    Some(syn::Error::new_spanned(
        tokens,
        format_args!(
            "a named bearer is a unit struct, and this one has {what}: write `struct {name};` \
             (its keys are in the attribute, and every handler that names it shares them)"
        ),
    ))
}

fn not_a_function(item: &Item) -> syn::Error {
    let (span, noun) = match item {
        Item::Enum(item) => (item.enum_token.span, "an enum"),
        Item::Union(item) => (item.union_token.span, "a union"),
        Item::Trait(item) => (item.trait_token.span, "a trait"),
        Item::Impl(item) => (item.impl_token.span, "an `impl` block"),
        Item::Mod(item) => (item.mod_token.span, "a module"),
        Item::Const(item) => (item.const_token.span, "a constant"),
        Item::Static(item) => (item.static_token.span, "a static"),
        Item::Type(item) => (item.type_token.span, "a type alias"),
        Item::Use(item) => (item.use_token.span, "a `use`"),
        other => (other.span(), "this item"),
    };
    not_a_function_here(span, noun)
}

fn not_a_function_here(span: Span, noun: &str) -> syn::Error {
    syn::Error::new(
        span,
        format_args!(
            "`#[secret_bearer]` goes on an `async fn` handler, on a client function, or on a \
             unit struct that names a bearer, not on {noun}"
        ),
    )
}

/// What `Item` cannot read: a trait method without a body is the one case worth naming.
fn unreadable(item: &TokenStream) -> syn::Error {
    match syn::parse2::<TraitItemFn>(item.clone()) {
        Ok(TraitItemFn {
            default: None,
            semi_token: Some(semi),
            ..
        }) => syn::Error::new(
            semi.span,
            "`#[secret_bearer]` authorizes the request in the method's body, and this trait \
             method has none: give it a default body that sends the request",
        ),
        _ => not_a_function_here(Span::call_site(), "this"),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn refusal(item: TokenStream) -> (String, String) {
        let (error, emitted) = target(item).err().unwrap();
        (error.to_string(), emitted.to_string())
    }

    fn client_request(item: TokenStream) -> usize {
        match target(item) {
            Ok(Target::Client { request, .. }) => request,
            _ => panic!("not a client"),
        }
    }

    #[test]
    fn async_functions_are_accepted() {
        let Ok(Target::Handler(function)) = target(quote!(
            #[get("/")]
            pub async fn hello() -> String {
                todo!()
            }
        )) else {
            panic!("not a handler")
        };
        assert_eq!(function.sig.ident, "hello");
    }

    #[test]
    fn a_request_parameter_makes_a_client() {
        assert_eq!(
            client_request(quote!(
                async fn list(&self, url: &str, request: reqwest::RequestBuilder) {}
            )),
            2
        );
        assert_eq!(
            client_request(quote!(
                fn headers(headers: &mut http::HeaderMap) {}
            )),
            0
        );
        assert_eq!(
            client_request(quote!(
                fn build(request: http::request::Builder, request2: &http::HeaderMap) {}
            )),
            0,
            "a shared reference cannot be authorized"
        );
    }

    #[test]
    fn a_request_type_in_parentheses_or_an_invisible_group_is_a_request() {
        assert_eq!(
            client_request(quote!(
                fn build(request: (http::request::Builder)) {}
            )),
            0
        );
        // What a `macro_rules!` expansion hands on: the type in a group without delimiters.
        let grouped = proc_macro2::Group::new(
            proc_macro2::Delimiter::None,
            quote!(reqwest::RequestBuilder),
        );
        assert_eq!(
            client_request(quote!(
                fn send(request: #grouped) {}
            )),
            0
        );
    }

    #[test]
    fn an_owned_header_map_is_an_extractor_and_a_borrowed_one_a_request() {
        assert!(matches!(
            target(quote!(
                async fn show(headers: axum::http::HeaderMap) -> String {
                    todo!()
                }
            )),
            Ok(Target::Handler(_))
        ));
        assert_eq!(
            client_request(quote!(
                fn sign(tag: u8, headers: &mut http::HeaderMap) -> Result<(), E> {}
            )),
            1
        );
    }

    #[test]
    fn client_mistakes_are_refused() {
        let (error, _) = refusal(quote!(
            async fn send(&self) {}
        ));
        assert!(error.contains("has no request"), "{error}");
        let (error, _) = refusal(quote!(
            async fn send(a: ClientRequest, b: ClientRequest) {}
        ));
        assert!(
            error.contains("a second one (after `a : ClientRequest`)"),
            "{error}"
        );
        let (error, _) = refusal(quote!(
            fn send(&self, request: RequestBuilder);
        ));
        assert!(
            error.contains("has none: give it a default body"),
            "{error}"
        );
        let (error, _) = refusal(quote!(
            const fn send(request: RequestBuilder) {}
        ));
        assert!(error.contains("`const fn`"), "{error}");
    }

    #[test]
    fn a_unit_struct_names_a_bearer_and_any_other_struct_is_refused() {
        assert!(matches!(
            target(quote!(
                /// Docs.
                pub(crate) struct WidgetsKey;
            )),
            Ok(Target::Named(_))
        ));
        // Where each error points is pinned by the UI tests (`named_shapes`).
        for (item, what) in [
            (
                quote!(
                    struct K<T>;
                ),
                "generic parameters",
            ),
            (
                quote!(
                    struct K
                    where
                        u8: Copy;
                ),
                "a where clause",
            ),
            (
                quote!(
                    struct K {}
                ),
                "a body",
            ),
            (
                quote!(
                    struct K {
                        a: u8,
                    }
                ),
                "a body",
            ),
            (
                quote!(
                    struct K(u8);
                ),
                "fields",
            ),
        ] {
            let (error, emitted) = target(item.clone()).err().unwrap();
            assert!(
                error.to_string().starts_with(&format!(
                    "a named bearer is a unit struct, and this one has {what}: write `struct K;`"
                )),
                "{error}"
            );
            assert_eq!(
                emitted.to_string(),
                item.to_string(),
                "given back as written"
            );
        }
    }

    #[test]
    fn other_items_are_refused_and_kept() {
        let (error, emitted) = refusal(quote!(
            enum Widget {}
        ));
        assert!(error.ends_with("not on an enum"), "{error}");
        assert_eq!(
            emitted,
            quote!(
                enum Widget {}
            )
            .to_string()
        );
        assert!(
            refusal(quote!(impl Widget {}))
                .0
                .ends_with("not on an `impl` block")
        );
    }

    #[test]
    fn functions_actix_cannot_call_are_refused() {
        assert!(
            refusal(quote!(
                fn hello() {}
            ))
            .0
            .contains("needs an `async fn`")
        );
        assert!(
            refusal(quote!(
                async unsafe fn hello() {}
            ))
            .0
            .contains("`unsafe fn`")
        );
    }

    #[test]
    fn a_second_attribute_is_refused_and_dropped() {
        let (error, emitted) = refusal(quote!(
            #[secret_bearer::secret_bearer(env = "B")]
            async fn hello() {}
        ));
        assert!(error.contains("applied twice"), "{error}");
        assert!(!emitted.contains("secret_bearer"), "{emitted}");
    }
}
