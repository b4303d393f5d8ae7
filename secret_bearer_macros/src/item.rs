//! What the attribute may be put on: an `async fn` that actix-web can call as a handler.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Attribute, Item, ItemFn};

/// A refused item: the error, and the tokens to emit in its place (the item as written, less
/// any repeated `#[secret_bearer]`, so the mistake is reported once).
pub(crate) type Refused = (syn::Error, TokenStream);

pub(crate) fn handler(item: TokenStream) -> Result<ItemFn, Refused> {
    let function = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(function)) => function,
        Ok(other) => return Err((not_a_function(&other), item)),
        Err(_) => return Err((not_a_function_here(Span::call_site(), "this"), item)),
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
    match handler_shape_error(&function) {
        Some(error) => Err((error, function.into_token_stream())),
        None => Ok(function),
    }
}

fn handler_shape_error(function: &ItemFn) -> Option<syn::Error> {
    let sig = &function.sig;
    if let Some(receiver) = sig.receiver() {
        return Some(syn::Error::new_spanned(
            receiver,
            "`#[secret_bearer]` on a method authenticates outgoing client requests, which this \
             version of secret_bearer does not support yet; on an actix-web handler, use a free \
             `async fn`",
        ));
    }
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
            "`#[secret_bearer]` needs an `async fn`: actix-web handlers are async",
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

fn not_a_function(item: &Item) -> syn::Error {
    let (span, noun) = match item {
        Item::Struct(item) => (item.struct_token.span, "a struct"),
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
        format_args!("`#[secret_bearer]` goes on an `async fn` actix-web handler, not on {noun}"),
    )
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn refusal(item: TokenStream) -> (String, String) {
        let (error, emitted) = handler(item).unwrap_err();
        (error.to_string(), emitted.to_string())
    }

    #[test]
    fn async_functions_are_accepted() {
        let function = handler(quote!(
            #[get("/")]
            pub async fn hello() -> String {
                todo!()
            }
        ));
        assert_eq!(function.unwrap().sig.ident, "hello");
    }

    #[test]
    fn other_items_are_refused_and_kept() {
        let (error, emitted) = refusal(quote!(
            struct Widget;
        ));
        assert!(error.ends_with("not on a struct"), "{error}");
        assert_eq!(
            emitted,
            quote!(
                struct Widget;
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
        assert!(
            refusal(quote!(
                async fn send(&self) {}
            ))
            .0
            .contains("client requests")
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
