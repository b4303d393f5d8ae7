//! Writing a named bearer: a unit struct that becomes the `NamedBearer` its keys describe, for
//! handlers and clients to name (`#[secret_bearer(WidgetsKey)]`) instead of repeating the keys.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::ItemStruct;

use crate::args::Key;
use crate::builder::lazy_bearer;
use crate::item::Target;
use crate::validate::Bearer;

/// A named bearer is defined by its keys: naming another one on a struct would define nothing.
pub(crate) fn check(target: &Target, bearer: Bearer) -> syn::Result<Bearer> {
    match (target, bearer) {
        (Target::Named(item), Bearer::Named { path, .. }) => Err(syn::Error::new_spanned(
            &path,
            format_args!(
                "a named bearer is defined by its keys, as in `#[secret_bearer(env = \"...\")] \
                 struct {};`; to check requests with `{}`, name it on the handlers and client \
                 functions instead",
                item.ident,
                path.to_token_stream().to_string().replace(' ', ""),
            ),
        )),
        (_, bearer) => Ok(bearer),
    }
}

/// The struct as written, the bearer its keys describe, and the marker traits that tell a
/// client function what it can send (checked where a client names it).
pub(crate) fn define(item: ItemStruct, bearer: &Bearer) -> TokenStream {
    let Bearer::Keys(config) = bearer else {
        // `check` refused a name on a struct.
        return item.into_token_stream();
    };
    let name = &item.ident;
    let lazy = lazy_bearer(config);
    let one_key = (!config.primary.key.is_key_set())
        .then(|| quote!(impl ::secret_bearer::__private::OneKey for #name {}));
    let without_waiting = (config.primary.key != Key::Secret)
        .then(|| quote!(impl ::secret_bearer::__private::ReadWithoutWaiting for #name {}));
    let key_set = config
        .primary
        .key
        .is_key_set()
        .then(|| quote!(impl ::secret_bearer::__private::KeySet for #name {}));
    quote! {
        #item
        ::secret_bearer::__private::named_bearer!(#name, #lazy);
        #one_key
        #without_waiting
        #key_set
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::attribute::secret_bearer;

    #[test]
    fn a_unit_struct_becomes_the_named_bearer_of_its_keys() {
        let expanded = secret_bearer(
            quote!(env = "WIDGETS_KEY", prefix = "Bearer "),
            quote!(
                /// The widgets API's key.
                pub struct WidgetsKey;
            ),
        )
        .to_string();
        assert!(
            expanded.starts_with("# [doc = r\" The widgets API's key.\"] pub struct WidgetsKey ;"),
            "{expanded}"
        );
        for expected in [
            ":: secret_bearer :: __private :: named_bearer ! (WidgetsKey , :: secret_bearer :: \
             __private :: LazyBearer :: new (:: secret_bearer :: __private :: Spec (& [(:: \
             secret_bearer :: __private :: Key :: Env , \"WIDGETS_KEY\") , (:: secret_bearer :: \
             __private :: Key :: Prefix , \"Bearer \")]))) ;",
            "impl :: secret_bearer :: __private :: OneKey for WidgetsKey { }",
            "impl :: secret_bearer :: __private :: ReadWithoutWaiting for WidgetsKey { }",
        ] {
            assert!(expanded.contains(expected), "{expanded}");
        }
    }

    #[test]
    fn what_a_client_can_send_is_marked() {
        let marks = |args| {
            let expanded = secret_bearer(
                args,
                quote!(
                    struct K;
                ),
            )
            .to_string();
            (
                expanded.contains("OneKey for K"),
                expanded.contains("ReadWithoutWaiting for K"),
            )
        };
        assert_eq!(marks(quote!(env = "A", alt_secret = "/b")), (true, true));
        assert_eq!(marks(quote!(secret = "/a", alt_env = "B")), (true, false));
        // A key set is refused by `OneKey` alone, so that one mistake is one error.
        assert_eq!(marks(quote!(keys_env = "KEYS")), (false, true));
        assert_eq!(marks(quote!(keys_secret = "/keys")), (false, true));
    }

    #[test]
    fn a_struct_cannot_name_another_bearer() {
        let output = secret_bearer(
            quote!(OtherKey),
            quote!(
                struct K;
            ),
        )
        .to_string();
        assert!(output.starts_with("struct K ;"), "{output}");
        assert_eq!(output.matches("compile_error").count(), 1, "{output}");
        assert!(
            output.contains("a named bearer is defined by its keys"),
            "{output}"
        );
    }
}
