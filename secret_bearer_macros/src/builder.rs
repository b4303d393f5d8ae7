//! The runtime builder chain an attribute's keys spell: the expansion holds no logic of its own.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::validate::Config;

/// The runtime builder chain the keys spell: the expansion holds no logic of its own.
pub(crate) fn builder_chain(config: &Config) -> TokenStream {
    let mut chain = quote!(::secret_bearer::__private::SecretBearer::builder());
    // Each source key is also the builder method that sets it.
    for source in std::iter::once(&config.primary).chain(&config.alternate) {
        let method = format_ident!("{}", source.key.name());
        let value = &source.value;
        chain.extend(quote!(.#method(#value)));
    }
    if let Some(prefix) = &config.prefix {
        chain.extend(quote!(.prefix(#prefix)));
    }
    if let Some(doc) = &config.doc {
        chain.extend(quote!(.doc(#doc)));
    }
    if config.rotating {
        chain.extend(quote!(.rotating()));
    }
    quote!(#chain.build())
}
