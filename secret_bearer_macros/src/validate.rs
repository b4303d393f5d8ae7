//! The rules a set of keys must follow, checked at compile time.
//!
//! They match what `secret_bearer::SecretBearerBuilder::build` checks at run time, so that what
//! the attribute accepts always builds.

use proc_macro2::Span;
use syn::LitStr;

use crate::args::{Args, Key, Setting};

/// The bearer an attribute describes: its keys, checked, or a named bearer defined elsewhere
/// (whose keys its own attribute checked).
pub(crate) enum Bearer {
    Keys(Config),
    Named(syn::Path),
}

pub(crate) fn validate(args: Args) -> syn::Result<Bearer> {
    match args {
        Args::Keys(settings) => validate_keys(settings).map(Bearer::Keys),
        Args::Named(path) => Ok(Bearer::Named(path)),
    }
}

/// A checked attribute: what the expansion passes to the runtime builder.
#[cfg_attr(test, derive(Debug))]
pub(crate) struct Config {
    /// The primary secret, or the key set in its place.
    pub(crate) primary: Source,
    pub(crate) alternate: Option<Source>,
    pub(crate) prefix: Option<LitStr>,
    pub(crate) doc: Option<LitStr>,
    pub(crate) rotating: bool,
}

/// A secret's source: its key (`env`, `secret`, `alt_env`, `alt_secret`, `keys_env` or
/// `keys_secret`, which is also the runtime builder's method) and its value.
#[cfg_attr(test, derive(Debug))]
pub(crate) struct Source {
    pub(crate) key: Key,
    /// The key as written, for error spans.
    pub(crate) written: syn::Ident,
    pub(crate) value: LitStr,
}

impl Source {
    fn of(setting: &Setting) -> Self {
        Self {
            key: setting.key,
            written: setting.written.clone(),
            value: setting.value.clone(),
        }
    }

    /// Whether the secret lives in a secret manager (so it is read asynchronously).
    pub(crate) fn is_managed(&self) -> bool {
        matches!(self.key, Key::Secret | Key::AltSecret | Key::KeysSecret)
    }
}

fn validate_keys(settings: Vec<Setting>) -> syn::Result<Config> {
    let find = |wanted: &[Key]| {
        settings
            .iter()
            .find(|setting| wanted.contains(&setting.key))
    };
    let primary = one_of(
        &settings,
        &[Key::Env, Key::Secret, Key::KeysEnv, Key::KeysSecret],
        |pair| {
            if pair.iter().any(|setting| setting.key.is_key_set()) {
                "the primary secret; keep one (a key set replaces the primary secret: each \
                 caller's key is in the set)"
            } else {
                "the primary secret; keep one (to accept a second secret during a rotation, \
                 give it as `alt_env`)"
            }
        },
    )?;
    let alternate = one_of(
        &settings,
        &[Key::AltEnv, Key::AltSecret],
        |_| "the alternate secret; keep one",
    )?;
    let primary = match (primary, alternate) {
        (Some(primary), _) => primary,
        (None, Some(alternate)) => {
            return Err(syn::Error::new(
                alternate.span(),
                format_args!(
                    "`{}` is an alternate secret, accepted beside a primary one: add `env = \"...\"`",
                    alternate.written
                ),
            ));
        }
        (None, None) => {
            return Err(syn::Error::new(
                Span::call_site(),
                "`#[secret_bearer]` needs a primary secret: add `env = \"...\"`, naming the \
                 environment variable that holds it (or `keys_env = \"...\"` for a key set, \
                 one key per caller)",
            ));
        }
    };
    // A key set holds each caller's keys, its rotation included: nothing rotates beside it.
    if primary.key.is_key_set()
        && let Some(extra) = alternate.or(find(&[Key::Rotating]))
    {
        return Err(syn::Error::new(
            extra.span(),
            format_args!(
                "`{extra}` does not go with the key set `{}`, which rotates per caller: remove \
                 `{extra}`; a caller's own rotation is written in the set as a list of keys, \
                 newest first, as in `{{\"reports\": [\"NEW\", \"OLD\"]}}`",
                primary.written,
                extra = extra.written,
            ),
        ));
    }
    if let Some(rotating) = find(&[Key::Rotating]) {
        let problem = if let Some(alternate) = alternate {
            Some(format!(
                "`rotating` takes the alternate secret from the primary's version history: \
                 remove `{}`",
                alternate.written
            ))
        } else if primary.key != Key::Secret {
            Some(
                "`rotating` reads the primary secret's previous version, which only a secret \
                 manager keeps: use `secret = \"...\"`"
                    .to_owned(),
            )
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(syn::Error::new(rotating.span(), problem));
        }
    }
    for setting in &settings {
        check_value(setting)?;
    }
    let value = |key| find(&[key]).map(|setting| setting.value.clone());
    Ok(Config {
        primary: Source::of(primary),
        alternate: alternate.map(Source::of),
        prefix: value(Key::Prefix),
        doc: value(Key::Doc),
        rotating: find(&[Key::Rotating]).is_some(),
    })
}

/// At most one of the keys that set the same thing; the second is the error, saying what the
/// pair both set.
fn one_of<'a>(
    settings: &'a [Setting],
    keys: &[Key],
    what: impl FnOnce([&Setting; 2]) -> &'static str,
) -> syn::Result<Option<&'a Setting>> {
    let mut found = settings
        .iter()
        .filter(|setting| keys.contains(&setting.key));
    let first = found.next();
    match (first, found.next()) {
        (Some(first), Some(second)) => Err(syn::Error::new(
            second.span(),
            format_args!(
                "`{}` and `{}` both set {}",
                first.written,
                second.written,
                what([first, second])
            ),
        )),
        _ => Ok(first),
    }
}

fn check_value(setting: &Setting) -> syn::Result<()> {
    let value = setting.value.value();
    // A key set's value is read as its primary's: `keys_env` as `env`, `keys_secret` as `secret`.
    let key = match setting.key {
        Key::KeysEnv => Key::Env,
        Key::KeysSecret => Key::Secret,
        key => key,
    };
    let problem = match key {
        // A JSON key picks from a manager's document; a variable's whole value is the set.
        Key::Env if setting.key == Key::KeysEnv && value.contains('#') => Some(
            "`keys_env` names an environment variable, whose whole value is the key set; a JSON \
             key (`#field`) picks a set out of a secret manager's document, with `keys_secret`",
        ),
        Key::Env | Key::AltEnv if value.is_empty() => {
            Some("the value is empty; name the environment variable that holds the secret")
        }
        Key::Secret | Key::AltSecret if value.is_empty() => {
            Some("the value is empty; give the secret's path in the secret manager")
        }
        Key::Env | Key::AltEnv if value.contains(['=', '\0']) => {
            Some("an environment variable name cannot contain `=` or NUL")
        }
        Key::Secret | Key::AltSecret if value.starts_with('#') => {
            Some("the secret's path is empty: write it before the `#` of the JSON key")
        }
        Key::Secret | Key::AltSecret if value.chars().any(char::is_control) => {
            Some("a secret's path cannot hold control characters")
        }
        Key::Secret | Key::AltSecret
            if value
                .split_once('#')
                .is_some_and(|(_, key)| key.split('.').any(str::is_empty)) =>
        {
            Some(
                "after `#` comes the secret's key in a JSON secret: dot-separated names, none \
                 empty, as in `\"prod/api#keys.current\"`",
            )
        }
        Key::Prefix
            if !value
                .bytes()
                .all(|byte| byte.is_ascii_graphic() || byte == b' ') =>
        {
            Some(
                "a prefix is printable ASCII, with any space written out, as in `prefix = \"Bearer \"`",
            )
        }
        Key::Prefix if value.starts_with(' ') => Some(
            "a prefix cannot start with a space: HTTP strips the spaces that open a header \
             value, so no request could ever match it",
        ),
        Key::Doc
            if !value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')) =>
        {
            Some(
                "an OpenAPI security scheme name uses only A-Z, a-z, 0-9, `.`, `-` and `_` \
                 (`\"\"` leaves the handler undocumented)",
            )
        }
        _ => None,
    };
    match problem {
        Some(problem) => Err(syn::Error::new(setting.value.span(), problem)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::*;

    fn check(args: TokenStream) -> syn::Result<Config> {
        match crate::args::parse(args).unwrap() {
            Args::Keys(settings) => validate_keys(settings),
            Args::Named(_) => panic!("read as a named bearer"),
        }
    }

    fn error(args: TokenStream) -> String {
        check(args).unwrap_err().to_string()
    }

    #[test]
    fn a_full_configuration_is_kept() {
        let config = check(quote!(
            env = "A",
            alt_env = "B",
            prefix = "Bearer ",
            doc = ""
        ))
        .unwrap();
        assert_eq!(config.primary.key, Key::Env);
        assert_eq!(config.primary.value.value(), "A");
        assert_eq!(config.alternate.unwrap().value.value(), "B");
        assert_eq!(config.prefix.unwrap().value(), "Bearer ");
        assert_eq!(config.doc.unwrap().value(), "");
        let minimal = check(quote!(environment_key = "A")).unwrap();
        assert!(minimal.alternate.is_none() && minimal.prefix.is_none() && minimal.doc.is_none());
        let managed = check(quote!(secret_key = "/a", alternate_environment_key = "B")).unwrap();
        assert_eq!(managed.primary.key, Key::Secret);
        assert_eq!(managed.alternate.unwrap().key, Key::AltEnv);
    }

    #[test]
    fn sources_must_make_sense_together() {
        assert!(error(quote!()).contains("needs a primary secret"));
        assert!(error(quote!(prefix = "Bearer ")).contains("needs a primary secret"));
        assert!(error(quote!(alt_env = "B")).contains("is an alternate secret"));
        assert!(error(quote!(env = "A", secret = "/p")).contains("both set the primary secret"));
        assert!(
            error(quote!(
                env = "A",
                alt_env = "B",
                alternate_secret_key = "/p"
            ))
            .contains("both set the alternate secret")
        );
    }

    #[test]
    fn a_key_set_is_the_primary_with_a_prefix_and_a_doc() {
        let config = check(quote!(
            keys_env = "API_KEYS",
            prefix = "Bearer ",
            doc = "Key"
        ))
        .unwrap();
        assert_eq!(config.primary.key, Key::KeysEnv);
        assert_eq!(config.primary.value.value(), "API_KEYS");
        assert_eq!(config.prefix.unwrap().value(), "Bearer ");
        assert_eq!(config.doc.unwrap().value(), "Key");
        assert!(config.alternate.is_none() && !config.rotating);
        let managed = check(quote!(keys_secret = "prod/api-keys#callers.keys")).unwrap();
        assert_eq!(managed.primary.key, Key::KeysSecret);
        assert!(managed.primary.is_managed());
    }

    #[test]
    fn a_key_set_replaces_the_primary_secret() {
        let replaces = "keep one (a key set replaces the primary secret: each caller's key is in \
                        the set)";
        assert_eq!(
            error(quote!(env = "A", keys_env = "K")),
            format!("`env` and `keys_env` both set the primary secret; {replaces}")
        );
        assert_eq!(
            error(quote!(keys_secret = "/k", secret_key = "/p")),
            format!("`keys_secret` and `secret_key` both set the primary secret; {replaces}")
        );
        assert!(error(quote!(keys_env = "K", keys_secret = "/k")).contains(replaces));
        assert!(error(quote!(env = "A", secret = "/p")).contains("give it as `alt_env`"));
        assert!(error(quote!()).contains("or `keys_env = \"...\"` for a key set"));
    }

    #[test]
    fn a_key_set_takes_no_alternate_and_no_rotating() {
        let per_caller = "a caller's own rotation is written in the set as a list of keys, newest \
                          first, as in `{\"reports\": [\"NEW\", \"OLD\"]}`";
        assert_eq!(
            error(quote!(keys_env = "K", alt_env = "B")),
            format!(
                "`alt_env` does not go with the key set `keys_env`, which rotates per caller: \
                 remove `alt_env`; {per_caller}"
            )
        );
        assert!(
            error(quote!(alternate_secret_key = "/o", keys_secret = "/k"))
                .starts_with("`alternate_secret_key` does not go with the key set `keys_secret`")
        );
        assert_eq!(
            error(quote!(keys_secret = "/k", rotating)),
            format!(
                "`rotating` does not go with the key set `keys_secret`, which rotates per \
                 caller: remove `rotating`; {per_caller}"
            )
        );
    }

    #[test]
    fn key_set_values_are_checked_as_their_primaries() {
        assert!(error(quote!(keys_env = "")).contains("name the environment variable"));
        assert!(error(quote!(keys_env = "A=B")).contains("cannot contain `=`"));
        assert!(error(quote!(keys_secret = "")).contains("path in the secret manager"));
        assert!(error(quote!(keys_secret = "#keys")).contains("path is empty"));
        assert!(error(quote!(keys_secret = "/k#a..b")).contains("JSON secret"));
        assert!(error(quote!(keys_secret = "/k#")).contains("JSON secret"));
        assert!(error(quote!(keys_env = "KEYS#callers")).contains("whole value is the key set"));
        assert!(check(quote!(keys_secret = "/k#callers")).is_ok());
    }

    #[test]
    fn secret_paths_are_checked() {
        assert!(check(quote!(secret = "/p", alt_secret = "/q#a.b")).is_ok());
        assert!(error(quote!(secret = "")).contains("is empty"));
        assert!(error(quote!(secret = "#key")).contains("path is empty"));
        assert!(error(quote!(secret = "/p\n")).contains("control characters"));
        assert!(error(quote!(env = "A", alt_secret = "/p#")).contains("JSON secret"));
        assert!(error(quote!(secret = "/p#a..b")).contains("JSON secret"));
    }

    #[test]
    fn values_are_checked() {
        assert!(error(quote!(env = "")).contains("is empty"));
        assert!(error(quote!(env = "A", alt_env = "B=C")).contains("cannot contain `=`"));
        assert!(error(quote!(env = "A\0")).contains("cannot contain `=`"));
        assert!(error(quote!(env = "A", prefix = "Bearer\t")).contains("printable ASCII"));
        assert!(error(quote!(env = "A", prefix = "Bé")).contains("printable ASCII"));
        assert!(error(quote!(env = "A", doc = "Api Key")).contains("OpenAPI"));
        assert!(check(quote!(env = "A", prefix = "")).is_ok());
        assert!(error(quote!(env = "A", prefix = " Bearer")).contains("cannot start with a space"));
    }
}
