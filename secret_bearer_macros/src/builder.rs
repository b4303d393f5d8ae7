//! The bearer an attribute's keys describe, written as data for the runtime to build: the
//! expansion holds no logic of its own.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::validate::Config;

/// A `LazyBearer` of the keys' `Spec`: each key given is a field of the same name.
pub(crate) fn lazy_bearer(config: &Config) -> TokenStream {
    let mut fields = Vec::new();
    // Each source key is also the field that holds it.
    for source in std::iter::once(&config.primary).chain(&config.alternate) {
        let field = format_ident!("{}", source.key.name());
        let value = &source.value;
        fields.push(quote!(#field: ::core::option::Option::Some(#value)));
    }
    for (field, value) in [("prefix", &config.prefix), ("doc", &config.doc)] {
        if let Some(value) = value {
            let field = format_ident!("{field}");
            fields.push(quote!(#field: ::core::option::Option::Some(#value)));
        }
    }
    if config.rotating {
        fields.push(quote!(rotating: true));
    }
    quote! {
        ::secret_bearer::__private::LazyBearer::new(::secret_bearer::__private::Spec {
            #(#fields,)*
            ..::secret_bearer::__private::Spec::NONE
        })
    }
}
