//! The attribute's steps: read the item and the keys, check them, and write the handler, the
//! client function or the named bearer; any error gives the item back unchanged beside one
//! `compile_error!`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::item::Target;
use crate::{args, client, expand, item, named, validate};

pub(crate) fn secret_bearer(args: TokenStream, item: TokenStream) -> TokenStream {
    let checked = item::target(item.clone()).and_then(|target| {
        let bearer = args::parse(args)
            .and_then(validate::validate)
            .and_then(|bearer| client::check(&target, bearer))
            .and_then(|bearer| named::check(&target, bearer));
        bearer
            .map(|bearer| (target, bearer))
            .map_err(|error| (error, item))
    });
    match checked {
        Ok((Target::Handler(function), bearer)) => expand::protect(function, &bearer),
        Ok((Target::Client { function, request }, bearer)) => {
            client::authorize(function, request, &bearer)
        }
        Ok((Target::Named(item), bearer)) => named::define(item, &bearer),
        Err((error, item)) => {
            let error = error.to_compile_error();
            quote!(#item #error)
        }
    }
}
