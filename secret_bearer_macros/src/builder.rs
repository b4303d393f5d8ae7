//! The bearer an attribute's keys describe, written as data for the runtime to build: the
//! expansion holds no logic of its own.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::args::{Key, Setting};
use crate::validate::Config;

/// A `LazyBearer` of the settings as written, each a `Key` and its value (empty for a flag),
/// which the runtime builder checks again by the same rules.
pub(crate) fn lazy_bearer(config: &Config) -> TokenStream {
    let spec = spec(config.settings.iter());
    quote!(::secret_bearer::__private::LazyBearer::new(#spec))
}

/// A handler's provider, `Inline<HASH>`, and the item that lists its settings under `HASH`.
/// `HASH` is a hash of the settings in a canonical order (by key, and aliases read as their
/// key), so that every handler written with the same keys, in any order and spelling, names the
/// same type: a procedural macro cannot remember, from one handler to the next, that it has
/// defined a type for those keys already. Two different configurations with the same hash (a
/// 64-bit one) would make the runtime refuse both, not mix them up.
pub(crate) fn inline_provider(config: &Config) -> (TokenStream, TokenStream) {
    let mut settings: Vec<&Setting> = config.settings.iter().collect();
    settings.sort_by_key(|setting| position(setting.key));
    let hash = Literal::u64_unsuffixed(hash(&settings));
    let spec = spec(settings.into_iter());
    (
        quote!(::secret_bearer::__private::Inline<#hash>),
        quote!(::secret_bearer::__private::inline_handler!(#hash, #spec);),
    )
}

/// The provider of a handler whose `scopes` stand beside the named bearer `path`: an
/// `Inline<HASH>` as for keys, listed with the named bearer it derives from. `HASH` is of the
/// path as written and the scopes.
pub(crate) fn scoped_provider(path: &syn::Path, scopes: &Setting) -> (TokenStream, TokenStream) {
    let named = quote::ToTokens::to_token_stream(path).to_string();
    let hash = Literal::u64_unsuffixed(fnv([
        named.as_bytes(),
        scopes.key.name().as_bytes(),
        scopes.value.value().as_bytes(),
    ]
    .iter()));
    let spec = spec(std::iter::once(scopes));
    (
        quote!(::secret_bearer::__private::Inline<#hash>),
        quote!(::secret_bearer::__private::inline_handler!(#hash, #spec, #path);),
    )
}

/// The settings as a `Spec`, in the order given.
fn spec<'a>(settings: impl Iterator<Item = &'a Setting>) -> TokenStream {
    let settings = settings.map(|setting| {
        let key = format_ident!("{}", format!("{:?}", setting.key));
        let value = &setting.value;
        quote!((::secret_bearer::__private::Key::#key, #value))
    });
    quote!(::secret_bearer::__private::Spec(&[#(#settings),*]))
}

/// Where `key` stands in the documentation's list (each key is written at most once).
fn position(key: Key) -> usize {
    Key::ALL
        .iter()
        .position(|&known| known == key)
        .unwrap_or(usize::MAX)
}

/// FNV-1a (64 bits) of each setting's key name and value, each followed by `0xff`, a byte no
/// UTF-8 text holds: stable across builds and platforms, as a type's name must be.
fn hash(settings: &[&Setting]) -> u64 {
    let values: Vec<String> = settings
        .iter()
        .map(|setting| setting.value.value())
        .collect();
    let parts = settings.iter().zip(&values);
    fnv(parts
        .flat_map(|(setting, value)| [setting.key.name().as_bytes(), value.as_bytes()])
        .collect::<Vec<_>>()
        .iter())
}

/// FNV-1a (64 bits) of `parts`, each followed by `0xff`.
fn fnv<'a>(parts: impl Iterator<Item = &'a &'a [u8]>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in parts.flat_map(|part| part.iter().chain(&[0xff])) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::*;
    use crate::args::{Args, parse};
    use crate::validate::{Bearer, validate};

    fn provider(args: TokenStream) -> String {
        let Ok(Bearer::Keys(config)) = validate(parse(args).unwrap()) else {
            panic!("not a valid configuration");
        };
        inline_provider(&config).0.to_string()
    }

    #[test]
    fn the_same_keys_in_any_order_or_spelling_name_one_provider() {
        let one = provider(quote!(env = "A", prefix = "Bearer ", alt_env = "B"));
        assert!(
            one.starts_with(":: secret_bearer :: __private :: Inline <"),
            "{one}"
        );
        for same in [
            quote!(alt_env = "B", env = "A", prefix = "Bearer "),
            quote!(
                environment_key = "A",
                alternate_environment_key = "B",
                header_prefix = "Bearer "
            ),
        ] {
            assert_eq!(provider(same), one);
        }
        for other in [
            quote!(env = "A", prefix = "Bearer "),
            quote!(env = "A", prefix = "Bearer ", alt_secret = "B"),
            quote!(env = "A", prefix = "Bearer", alt_env = "B", no_space),
            quote!(env = "AB", prefix = "Bearer "),
            quote!(env = "A", prefix = "Bearer ", alt_env = "B", doc = ""),
        ] {
            assert_ne!(provider(other), one);
        }
    }

    #[test]
    fn the_hash_is_fnv_1a_of_the_settings() {
        let Args::Keys(settings) = parse(quote!(env = "A")).unwrap() else {
            panic!("read as a named bearer");
        };
        // FNV-1a of "env\xffA\xff", by hand: a type's name, which must not change by accident.
        let mut expected: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in b"env\xffA\xff" {
            expected = (expected ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
        let hash = hash(&settings.iter().collect::<Vec<_>>());
        assert_eq!(hash, expected);
        assert_eq!(hash, 13789517357612530813);
    }
}
