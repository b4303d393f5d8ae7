//! The attribute's steps: read the item and the keys, check them, and write the handler or the
//! client function; any error gives the item back unchanged beside one `compile_error!`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::item::Target;
use crate::{args, client, expand, item, validate};

pub(crate) fn secret_bearer(args: TokenStream, item: TokenStream) -> TokenStream {
    let checked = item::target(item.clone()).and_then(|target| {
        let config = args::parse(args)
            .and_then(validate::validate)
            .and_then(|config| client::check(&target, config));
        config
            .map(|config| (target, config))
            .map_err(|error| (error, item))
    });
    match checked {
        Ok((Target::Handler(function), config)) => expand::protect(function, &config),
        Ok((
            Target::Client {
                function,
                request,
                store,
            },
            config,
        )) => client::authorize(function, request, store, &config),
        Err((error, item)) => {
            let error = error.to_compile_error();
            quote!(#item #error)
        }
    }
}
