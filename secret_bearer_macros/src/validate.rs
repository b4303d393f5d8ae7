//! The attribute's keys checked by the rules the runtime builder follows too
//! (`secret_bearer_rules`), each broken rule turned into a compile error at its token.

use proc_macro2::Span;
use secret_bearer_rules::{Part, Spelling};
use syn::LitStr;

use crate::args::{Args, Key, Setting};

/// The bearer an attribute describes: its keys, checked, or a named bearer defined elsewhere
/// (whose keys its own attribute checked).
pub(crate) enum Bearer {
    Keys(Config),
    /// A named bearer, and the scopes a handler requires beside it.
    Named {
        path: syn::Path,
        scopes: Option<Setting>,
    },
}

pub(crate) fn validate(args: Args) -> syn::Result<Bearer> {
    match args {
        Args::Keys(settings) => validate_keys(settings).map(Bearer::Keys),
        Args::Named { path, scopes } => {
            if let Some(scopes) = &scopes {
                validate_scopes(scopes)?;
            }
            Ok(Bearer::Named { path, scopes })
        }
    }
}

/// The scopes beside a named bearer, by the rules' reading of a key set's (whether the named
/// bearer has a key set is checked where it is known, by the compiler: `__private::KeySet`).
fn validate_scopes(scopes: &Setting) -> syn::Result<()> {
    let value = scopes.value.value();
    let settings = [(Key::KeysEnv, "_"), (Key::Scopes, value.as_str())].map(|(key, value)| {
        secret_bearer_rules::Setting {
            key,
            written: key.name(),
            value,
        }
    });
    let checked = secret_bearer_rules::check(&settings, Spelling::Attribute);
    checked
        .map(drop)
        .map_err(|violation| syn::Error::new(scopes.value.span(), violation.message))
}

/// A checked attribute: its settings as written, which the expansion hands to the runtime
/// builder, and the parts the other checks look at.
#[cfg_attr(test, derive(Debug))]
pub(crate) struct Config {
    pub(crate) settings: Vec<Setting>,
    /// The primary secret, or the key set in its place.
    pub(crate) primary: Source,
    pub(crate) doc: Option<LitStr>,
}

/// The primary secret's source: its key (`env`, `secret`, `keys_env` or `keys_secret`), which
/// the client and named-bearer checks look at.
#[cfg_attr(test, derive(Debug))]
pub(crate) struct Source {
    pub(crate) key: Key,
    /// The key as written, for error spans.
    pub(crate) written: syn::Ident,
}

impl Source {
    fn of(setting: &Setting) -> Self {
        Self {
            key: setting.key,
            written: setting.written.clone(),
        }
    }

    /// Whether the secret lives in a secret manager (so it is read asynchronously).
    pub(crate) fn is_managed(&self) -> bool {
        self.key.is_managed()
    }
}

fn validate_keys(settings: Vec<Setting>) -> syn::Result<Config> {
    let written: Vec<(String, String)> = settings
        .iter()
        .map(|setting| (setting.written.to_string(), setting.value.value()))
        .collect();
    let rules: Vec<secret_bearer_rules::Setting> = settings
        .iter()
        .zip(&written)
        .map(|(setting, (key, value))| secret_bearer_rules::Setting {
            key: setting.key,
            written: key,
            value,
        })
        .collect();
    let checked = secret_bearer_rules::check(&rules, Spelling::Attribute).map_err(|violation| {
        let span = match violation.at {
            Some((index, Part::Key)) => settings[index].span(),
            Some((index, Part::Value)) => settings[index].value.span(),
            None => Span::call_site(),
        };
        syn::Error::new(span, violation.message)
    })?;
    Ok(Config {
        primary: Source::of(&settings[checked.primary]),
        doc: checked.doc.map(|index| settings[index].value.clone()),
        settings,
    })
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::*;

    fn check(args: TokenStream) -> syn::Result<Config> {
        match crate::args::parse(args).unwrap() {
            Args::Keys(settings) => validate_keys(settings),
            Args::Named { .. } => panic!("read as a named bearer"),
        }
    }

    /// The rules themselves are tested in `secret_bearer_rules`; here, what the attribute makes
    /// of their answer.
    #[test]
    fn the_parts_are_the_settings_the_rules_chose() {
        let config = check(quote!(
            header_prefix = "Bearer ",
            alt_env = "B",
            environment_key = "A",
            doc = ""
        ))
        .unwrap();
        assert_eq!(config.primary.key, Key::Env);
        assert_eq!(config.primary.written, "environment_key");
        assert_eq!(config.doc.unwrap().value(), "");
        assert_eq!(config.settings.len(), 4);
        let managed = check(quote!(keys_secret = "prod/api-keys#callers.keys")).unwrap();
        assert!(managed.primary.is_managed());
    }

    /// Where each error points is pinned by the UI tests (`tests/ui`).
    #[test]
    fn a_broken_rule_is_an_error() {
        let at_key = check(quote!(env = "A", secret = "/p")).unwrap_err();
        assert!(
            at_key.to_string().contains("give it as `alt_secret`"),
            "{at_key}"
        );
        let at_value = check(quote!(env = "A", prefix = "Bearer")).unwrap_err();
        assert!(
            at_value.to_string().starts_with("no space is implied"),
            "{at_value}"
        );
        assert!(
            check(quote!())
                .unwrap_err()
                .to_string()
                .contains("a primary secret is needed")
        );
    }
}
