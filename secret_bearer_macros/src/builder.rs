//! The bearer an attribute's keys describe, written as data for the runtime to build: the
//! expansion holds no logic of its own.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::validate::Config;

/// A `LazyBearer` of the settings as written, each a `Key` and its value (empty for a flag),
/// which the runtime builder checks again by the same rules.
pub(crate) fn lazy_bearer(config: &Config) -> TokenStream {
    let settings = config.settings.iter().map(|setting| {
        let key = format_ident!("{}", format!("{:?}", setting.key));
        let value = &setting.value;
        quote!((::secret_bearer::__private::Key::#key, #value))
    });
    quote! {
        ::secret_bearer::__private::LazyBearer::new(::secret_bearer::__private::Spec(&[
            #(#settings),*
        ]))
    }
}
