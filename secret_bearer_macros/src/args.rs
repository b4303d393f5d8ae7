//! Reading the attribute's `key = "value"` pairs, and the errors only reading can find.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::{Expr, ExprLit, Lit, LitStr, Token};

pub(crate) use secret_bearer_rules::Key;

/// Every spelling of every key: its name and its clearskies alias.
fn spellings() -> impl Iterator<Item = &'static str> {
    Key::ALL
        .into_iter()
        .flat_map(|key| [key.name(), key.alias()])
}

/// One `key = "value"` (or flag) as written.
#[cfg_attr(test, derive(Debug))]
pub(crate) struct Setting {
    pub(crate) key: Key,
    /// The key as written (it may be the alias), for messages and error spans.
    pub(crate) written: syn::Ident,
    /// For a flag, an empty string spanned on the key.
    pub(crate) value: LitStr,
}

impl Setting {
    pub(crate) fn span(&self) -> Span {
        self.written.span()
    }
}

/// What the attribute's arguments say: the keys of a bearer, or the name of one defined
/// elsewhere.
pub(crate) enum Args {
    Keys(Vec<Setting>),
    /// `#[secret_bearer(WidgetsKey)]`: a named bearer, a type the runtime checks is one, and
    /// perhaps the scopes a handler requires beside it (`scopes = [..]`).
    Named {
        path: syn::Path,
        scopes: Option<Setting>,
    },
}

/// Reads the pairs in the order written (the rules then refuse a key given twice). A path
/// written alone that is not a key names a bearer, and then nothing but `scopes`, a handler's
/// own requirement, may stand beside it.
pub(crate) fn parse(args: TokenStream) -> syn::Result<Args> {
    let mut settings: Vec<Setting> = Vec::new();
    let mut named: Option<syn::Path> = None;
    let parser = syn::meta::parser(|meta| {
        let alone = meta.input.is_empty() || meta.input.peek(Token![,]);
        let key = meta
            .path
            .get_ident()
            .and_then(|ident| Key::lookup(&ident.to_string()));
        if key.is_none() && alone && names_a_type(&meta.path) {
            let not_scopes = settings.iter().find(|setting| setting.key != Key::Scopes);
            return match (&named, not_scopes) {
                (None, None) => {
                    named = Some(meta.path.clone());
                    Ok(())
                }
                (Some(first), _) => Err(syn::Error::new_spanned(
                    &meta.path,
                    format_args!(
                        "`#[secret_bearer]` names one bearer, and `{}` is named already; keep one",
                        path_text(first)
                    ),
                )),
                (None, Some(setting)) => Err(beside_named(&meta.path, &setting.written)),
            };
        }
        let written = meta.path.get_ident().cloned().ok_or_else(|| {
            meta.error(
                "expected a key such as `env`, as in `env = \"MY_SECRET\"`, or a named \
                 bearer's type alone, as in `#[secret_bearer(WidgetsKey)]`",
            )
        })?;
        let key = key.ok_or_else(|| unknown_key(&written, alone))?;
        if let Some(named) = &named
            && key != Key::Scopes
        {
            return Err(beside_named(named, &written));
        }
        let is_flag = key.is_flag();
        match (is_flag, meta.input.peek(Token![=])) {
            (true, false) => {
                let value = LitStr::new("", written.span());
                settings.push(Setting {
                    key,
                    written,
                    value,
                });
                return Ok(());
            }
            (true, true) => {
                return Err(meta.error(format_args!(
                    "`{written}` takes no value: write `{written}` alone"
                )));
            }
            (false, false) => {
                return Err(meta.error(format_args!(
                    "`{written}` takes a value: `{written} = \"...\"`"
                )));
            }
            (false, true) => {}
        }
        let value = match meta.value()?.parse::<Expr>()? {
            Expr::Array(list) if key == Key::Scopes => scopes(&written, &list)?,
            other if key == Key::Scopes => {
                return Err(syn::Error::new_spanned(
                    other,
                    format_args!(
                        "`{written}` takes an array of string literals, as in \
                         `{written} = [\"invoices:write\"]`"
                    ),
                ));
            }
            Expr::Lit(ExprLit {
                lit: Lit::Str(value),
                ..
            }) => value,
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    format_args!("`{written}` takes a string literal, as in `{written} = \"...\"`"),
                ));
            }
        };
        settings.push(Setting {
            key,
            written,
            value,
        });
        Ok(())
    });
    parser.parse2(args)?;
    Ok(match named {
        Some(path) => {
            let mut scopes = settings.into_iter();
            let (first, second) = (scopes.next(), scopes.next());
            if let Some(second) = second {
                return Err(syn::Error::new(
                    second.span(),
                    format_args!("`{}` is set twice; keep one", second.written),
                ));
            }
            Args::Named {
                path,
                scopes: first,
            }
        }
        None => Args::Keys(settings),
    })
}

/// `scopes = ["a", "b"]`: each a string literal and a scope-token (an error at the one that is
/// not), read as the rules read them, RFC 6749's space-separated list, spanned on the array.
fn scopes(written: &syn::Ident, list: &syn::ExprArray) -> syn::Result<LitStr> {
    let mut scopes = Vec::new();
    for element in &list.elems {
        let Expr::Lit(ExprLit {
            lit: Lit::Str(scope),
            ..
        }) = element
        else {
            return Err(syn::Error::new_spanned(
                element,
                format_args!("`{written}` lists string literals, as in `\"invoices:write\"`"),
            ));
        };
        if !secret_bearer_rules::is_scope(&scope.value()) {
            return Err(syn::Error::new(
                scope.span(),
                secret_bearer_rules::SCOPE_RULE,
            ));
        }
        scopes.push(scope.value());
    }
    Ok(LitStr::new(
        &scopes.join(" "),
        list.bracket_token.span.join(),
    ))
}

/// Whether a path written alone names a type rather than misspelling a key: a path of several
/// segments, or one name that starts with a capital letter (`WidgetsKey`), as types are named.
fn names_a_type(path: &syn::Path) -> bool {
    path.leading_colon.is_some()
        || path.segments.len() > 1
        || path.segments[0]
            .ident
            .to_string()
            .starts_with(|first: char| first.is_ascii_uppercase())
}

fn path_text(path: &syn::Path) -> String {
    quote::ToTokens::to_token_stream(path)
        .to_string()
        .replace(' ', "")
}

/// A key beside a named bearer: the error is at the key, which is the one to move.
fn beside_named(named: &syn::Path, key: &syn::Ident) -> syn::Error {
    let named = path_text(named);
    syn::Error::new(
        key.span(),
        format_args!(
            "`#[secret_bearer({named})]` names a bearer defined with its keys, so `{key}` cannot \
             be set beside it: set it where `{named}` is defined, or write this item's keys in \
             full without the name"
        ),
    )
}

/// `alone`: written without a value, so perhaps meant as a named bearer's type.
fn unknown_key(written: &syn::Ident, alone: bool) -> syn::Error {
    let written_text = written.to_string();
    let nearest = spellings()
        .map(|spelling| {
            (
                strsim::damerau_levenshtein(&written_text, spelling),
                spelling,
            )
        })
        .filter(|(distance, spelling)| *distance <= (spelling.len() / 3).max(2))
        .min();
    let keys = Key::ALL.map(|key| format!("`{}`", key.name())).join(", ");
    let named = if alone {
        "; a named bearer is named by its type, as in `#[secret_bearer(WidgetsKey)]`"
    } else {
        ""
    };
    let hint = match nearest {
        Some((_, spelling)) => format!(" (did you mean `{spelling}`?)"),
        None => String::new(),
    };
    syn::Error::new(
        written.span(),
        format!(
            "unknown key `{written_text}`{hint}; the keys are {keys} (or their clearskies \
             names){named}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn error(args: TokenStream) -> String {
        parse(args).err().unwrap().to_string()
    }

    fn keys(args: TokenStream) -> Vec<Setting> {
        match parse(args).unwrap() {
            Args::Keys(settings) => settings,
            Args::Named { .. } => panic!("read as a named bearer"),
        }
    }

    fn named(args: TokenStream) -> String {
        match parse(args).unwrap() {
            Args::Named { path, .. } => path_text(&path),
            Args::Keys(_) => panic!("read as keys"),
        }
    }

    #[test]
    fn scopes_are_an_array_of_scope_tokens_and_may_stand_beside_a_name() {
        let settings = keys(quote!(keys_env = "K", scopes = ["invoices:write", "admin"]));
        assert_eq!(settings[1].key, Key::Scopes);
        assert_eq!(settings[1].value.value(), "invoices:write admin");
        assert_eq!(keys(quote!(keys_env = "K", scopes = [])).len(), 2);
        for (args, scopes) in [
            (quote!(Keys, scopes = ["admin"]), "admin"),
            (quote!(scopes = ["a", "b"], Keys), "a b"),
        ] {
            let Args::Named {
                path,
                scopes: Some(setting),
            } = parse(args).unwrap()
            else {
                panic!("read as keys, or without scopes");
            };
            assert_eq!(
                (path_text(&path), setting.value.value()),
                ("Keys".into(), scopes.into())
            );
        }
        assert!(error(quote!(scopes = "admin")).contains("takes an array of string literals"));
        assert!(error(quote!(scopes)).contains("takes a value"));
        assert!(error(quote!(scopes = [admin])).contains("lists string literals"));
        assert!(error(quote!(scopes = ["in voices"])).contains("RFC 6749"));
        assert_eq!(
            error(quote!(Keys, scopes = ["a"], scopes = ["b"])),
            "`scopes` is set twice; keep one"
        );
        assert!(error(quote!(Keys, scopes = ["a"], prefix = "B ")).contains("names a bearer"));
        assert!(error(quote!(scopes = ["a"], env = "A", Keys)).contains("names a bearer"));
    }

    #[test]
    fn a_type_alone_names_a_bearer() {
        assert_eq!(named(quote!(WidgetsKey)), "WidgetsKey");
        assert_eq!(
            named(quote!(crate::keys::WidgetsKey,)),
            "crate::keys::WidgetsKey"
        );
        assert_eq!(named(quote!(::keys::widgets)), "::keys::widgets");
        // A key written alone is still a key; a lower-case name alone is a key misspelt.
        assert_eq!(keys(quote!(rotating)).len(), 1);
        let misspelt = error(quote!(rotatin));
        assert!(misspelt.contains("did you mean `rotating`?"), "{misspelt}");
        assert!(
            misspelt.contains("a named bearer is named by its type"),
            "{misspelt}"
        );
        assert!(!error(quote!(rotatin = "x")).contains("named bearer"));
    }

    #[test]
    fn a_named_bearer_stands_alone() {
        let message = "`#[secret_bearer(WidgetsKey)]` names a bearer defined with its keys, so \
                       `prefix` cannot be set beside it: set it where `WidgetsKey` is defined, or \
                       write this item's keys in full without the name";
        assert_eq!(error(quote!(WidgetsKey, prefix = "Bearer ")), message);
        assert_eq!(error(quote!(prefix = "Bearer ", WidgetsKey)), message);
        assert_eq!(
            error(quote!(WidgetsKey, rotating))
                .matches("`rotating`")
                .count(),
            1
        );
        assert_eq!(
            error(quote!(WidgetsKey, OtherKey)),
            "`#[secret_bearer]` names one bearer, and `WidgetsKey` is named already; keep one"
        );
        assert!(error(quote!(WidgetsKey = "A")).starts_with("unknown key `WidgetsKey`"));
        assert!(error(quote!(WidgetsKey(A))).starts_with("unknown key `WidgetsKey`"));
    }

    #[test]
    fn keys_and_aliases_read_in_order() {
        let settings = keys(quote!(
            environment_key = "A",
            alt_env = "B",
            header_prefix = "Bearer "
        ));
        let read: Vec<_> = settings.iter().map(|s| (s.key, s.value.value())).collect();
        assert_eq!(
            read,
            [
                (Key::Env, "A".into()),
                (Key::AltEnv, "B".into()),
                (Key::Prefix, "Bearer ".into())
            ]
        );
        assert_eq!(settings[0].written, "environment_key");
        assert!(keys(quote!()).is_empty());
        assert_eq!(keys(quote!(env = "A",)).len(), 1);
    }

    #[test]
    fn unknown_keys_suggest_the_nearest() {
        assert!(error(quote!(evn = "A")).contains("did you mean `env`?"));
        assert!(error(quote!(enviroment_key = "A")).contains("did you mean `environment_key`?"));
        let far = error(quote!(colour = "A"));
        assert!(!far.contains("did you mean"), "{far}");
        assert!(
            far.starts_with("unknown key `colour`; the keys are"),
            "{far}"
        );
        assert!(
            far.contains(
                "`env`, `alt_env`, `secret`, `alt_secret`, `keys_env`, `keys_secret`, `prefix`, \
                 `no_space`, `doc`, `rotating`, `strong_keys`, `scopes` (or"
            ),
            "{far}"
        );
        assert!(error(quote!(key_env = "A")).contains("did you mean `keys_env`?"));
        // Long names forgive more: a third of the name's length.
        let far_but_long = error(quote!(alternat_enviromnt_ky = "A"));
        assert!(
            far_but_long.contains("did you mean `alternate_environment_key`?"),
            "{far_but_long}"
        );
        assert!(error(quote!(keys_secrets = "A")).contains("did you mean `keys_secret`?"));
    }

    #[test]
    fn key_sets_are_keys_with_values() {
        let settings = keys(quote!(keys_env = "API_KEYS", keys_secret = "/p"));
        let read: Vec<_> = settings.iter().map(|s| (s.key, s.value.value())).collect();
        assert_eq!(
            read,
            [
                (Key::KeysEnv, "API_KEYS".into()),
                (Key::KeysSecret, "/p".into())
            ]
        );
        assert!(settings.iter().all(|setting| setting.key.is_key_set()));
        assert!(error(quote!(keys_env)).contains("takes a value"));
        assert!(error(quote!(keys_secret = 5)).contains("takes a string literal"));
    }

    #[test]
    fn wrong_values_and_shapes_are_refused() {
        assert!(error(quote!(env = 5)).contains("takes a string literal"));
        assert!(error(quote!(env = MY_SECRET)).contains("takes a string literal"));
        assert!(error(quote!(env)).contains("takes a value"));
        assert!(error(quote!(env("A"))).contains("takes a value"));
        assert!(error(quote!(a::b = "A")).contains("expected a key"));
    }
}
