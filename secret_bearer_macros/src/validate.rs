//! The rules a set of keys must follow, checked at compile time.
//!
//! They match what `secret_bearer::SecretBearerBuilder::build` checks at run time, so that what
//! the attribute accepts always builds.

use proc_macro2::Span;
use syn::LitStr;

use crate::args::{Key, Setting};

/// A checked attribute: what the expansion passes to the runtime builder.
#[cfg_attr(test, derive(Debug))]
pub(crate) struct Config {
    pub(crate) primary: Source,
    pub(crate) alternate: Option<Source>,
    pub(crate) prefix: Option<LitStr>,
    pub(crate) doc: Option<LitStr>,
    pub(crate) rotating: bool,
}

/// A secret's source: its key (`env`, `secret`, `alt_env` or `alt_secret`, which is also the
/// runtime builder's method) and its value.
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
        matches!(self.key, Key::Secret | Key::AltSecret)
    }
}

pub(crate) fn validate(settings: Vec<Setting>) -> syn::Result<Config> {
    let find = |wanted: &[Key]| {
        settings
            .iter()
            .find(|setting| wanted.contains(&setting.key))
    };
    let primary = one_of(
        &settings,
        [Key::Env, Key::Secret],
        "the primary secret; keep one (to accept a second secret during a rotation, give it \
         as `alt_env`)",
    )?;
    let alternate = one_of(
        &settings,
        [Key::AltEnv, Key::AltSecret],
        "the alternate secret; keep one",
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
                 environment variable that holds it",
            ));
        }
    };
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

/// At most one of two keys that set the same thing; the second is the error.
fn one_of<'a>(
    settings: &'a [Setting],
    keys: [Key; 2],
    what: &str,
) -> syn::Result<Option<&'a Setting>> {
    let mut found = settings
        .iter()
        .filter(|setting| keys.contains(&setting.key));
    let first = found.next();
    match (first, found.next()) {
        (Some(first), Some(second)) => Err(syn::Error::new(
            second.span(),
            format_args!(
                "`{}` and `{}` both set {what}",
                first.written, second.written
            ),
        )),
        _ => Ok(first),
    }
}

fn check_value(setting: &Setting) -> syn::Result<()> {
    let value = setting.value.value();
    let problem = match setting.key {
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
        validate(crate::args::parse(args).unwrap())
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
