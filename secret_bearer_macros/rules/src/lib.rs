//! The rules a `secret_bearer` configuration follows, written once for its two readers: the
//! `#[secret_bearer(...)]` attribute, which turns a broken rule into a compile error at the
//! offending token, and `SecretBearerBuilder::build`, which returns it as an error at run time.
//!
//! Not for direct use: depend on `secret_bearer`. This crate exists because the attribute cannot
//! depend on the runtime crate (which depends on it), and the two must never disagree on what a
//! valid configuration is.
//!
//! A configuration is a list of [`Setting`]s in the order written; [`check`] either accepts it,
//! saying which setting plays which part, or names the first [`Violation`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// One key of a configuration: an attribute key and the builder method of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// The primary secret, in an environment variable.
    Env,
    /// An alternate secret, accepted during a rotation, in an environment variable.
    AltEnv,
    /// The primary secret, in a secret manager.
    Secret,
    /// An alternate secret, in a secret manager.
    AltSecret,
    /// A key set (one key per caller) in an environment variable, in place of the primary.
    KeysEnv,
    /// A key set in a secret manager, in place of the primary.
    KeysSecret,
    /// Text that comes before the secret in the header.
    Prefix,
    /// A flag: the prefix, which ends in a letter or digit, is followed by the key directly.
    NoSpace,
    /// The security scheme's name in OpenAPI documents.
    Doc,
    /// A flag: the alternate is the primary secret's previous version.
    Rotating,
    /// A flag: a plain key of under 112 bits of estimated strength is refused, not only logged.
    StrongKeys,
    /// The scopes a caller of the key set must have, space-separated (RFC 6749 §3.3's own
    /// form): the attribute writes them as an array of strings.
    Scopes,
}

impl Key {
    /// Every key, in the order the documentation lists them.
    pub const ALL: [Key; 12] = [
        Key::Env,
        Key::AltEnv,
        Key::Secret,
        Key::AltSecret,
        Key::KeysEnv,
        Key::KeysSecret,
        Key::Prefix,
        Key::NoSpace,
        Key::Doc,
        Key::Rotating,
        Key::StrongKeys,
        Key::Scopes,
    ];

    /// The key as the attribute and the builder spell it.
    pub fn name(self) -> &'static str {
        match self {
            Key::Env => "env",
            Key::AltEnv => "alt_env",
            Key::Secret => "secret",
            Key::AltSecret => "alt_secret",
            Key::KeysEnv => "keys_env",
            Key::KeysSecret => "keys_secret",
            Key::Prefix => "prefix",
            Key::NoSpace => "no_space",
            Key::Doc => "doc",
            Key::Rotating => "rotating",
            Key::StrongKeys => "strong_keys",
            Key::Scopes => "scopes",
        }
    }

    /// The clearskies name, which the attribute also accepts; a key clearskies lacks is its own
    /// alias.
    pub fn alias(self) -> &'static str {
        match self {
            Key::Env => "environment_key",
            Key::AltEnv => "alternate_environment_key",
            Key::Secret => "secret_key",
            Key::AltSecret => "alternate_secret_key",
            Key::Prefix => "header_prefix",
            Key::Doc => "documentation_security_name",
            Key::NoSpace
            | Key::Rotating
            | Key::StrongKeys
            | Key::KeysEnv
            | Key::KeysSecret
            | Key::Scopes => self.name(),
        }
    }

    /// The key spelled `written`, under its name or its alias.
    pub fn lookup(written: &str) -> Option<Key> {
        Key::ALL
            .into_iter()
            .find(|key| key.name() == written || key.alias() == written)
    }

    /// Whether the key is a flag, written alone, with no value.
    pub fn is_flag(self) -> bool {
        matches!(self, Key::Rotating | Key::NoSpace | Key::StrongKeys)
    }

    /// Whether the key gives a key set, one key per caller, in place of the primary secret.
    pub fn is_key_set(self) -> bool {
        matches!(self, Key::KeysEnv | Key::KeysSecret)
    }

    /// Whether the key names a secret in a secret manager (read through a store), rather than
    /// an environment variable.
    pub fn is_managed(self) -> bool {
        matches!(self, Key::Secret | Key::AltSecret | Key::KeysSecret)
    }

    /// The key that sets the same part from the other family: `alt_secret` for `secret`,
    /// `alt_env` for `env`.
    fn alternate(self) -> Key {
        if self.is_managed() {
            Key::AltSecret
        } else {
            Key::AltEnv
        }
    }
}

/// One setting as written: its key, the key's spelling (an alias, perhaps), and its value (empty
/// for a flag).
#[derive(Clone, Copy, Debug)]
pub struct Setting<'a> {
    /// The key.
    pub key: Key,
    /// The key as written, for messages.
    pub written: &'a str,
    /// The value.
    pub value: &'a str,
}

/// How a message writes a setting: as the attribute's `env = "..."` or the builder's
/// `.env("...")`, so that each reader sees its own syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spelling {
    /// `#[secret_bearer(env = "...")]`.
    Attribute,
    /// `SecretBearer::builder().env("...")`.
    Builder,
}

impl Spelling {
    fn set(self, key: Key, value: &str) -> String {
        match (self, key.is_flag()) {
            (Spelling::Attribute, false) => format!("`{} = \"{value}\"`", key.name()),
            (Spelling::Attribute, true) => format!("`{}`", key.name()),
            (Spelling::Builder, false) => format!("`.{}(\"{value}\")`", key.name()),
            (Spelling::Builder, true) => format!("`.{}()`", key.name()),
        }
    }
}

/// Which part of a setting breaks the rule: where the attribute puts its error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The key: it does not go with another, or is missing one.
    Key,
    /// The value.
    Value,
}

/// The first rule a configuration breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The index of the setting at fault, and which part of it; `None` when the configuration
    /// as a whole lacks something.
    pub at: Option<(usize, Part)>,
    /// What is wrong and how to fix it, in the reader's [`Spelling`].
    pub message: String,
}

/// An accepted configuration: the index of the setting that plays each part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The primary secret, or the key set in its place.
    pub primary: usize,
    /// The alternate secret (`rotating` is not one: it is a flag).
    pub alternate: Option<usize>,
    /// The prefix.
    pub prefix: Option<usize>,
    /// The OpenAPI security scheme's name.
    pub doc: Option<usize>,
    /// Whether the alternate is the primary's previous version.
    pub rotating: bool,
    /// Whether a weak plain key is refused.
    pub strong_keys: bool,
    /// The scopes a caller must have.
    pub scopes: Option<usize>,
}

/// An RFC 6749 §3.3 scope-token, `1*( %x21 / %x23-5B / %x5D-7E )`: printable ASCII but space,
/// `"` and `\`. The rule for a key set's `scopes` and for the scopes a handler requires.
pub fn is_scope(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// What a scope that is not a scope-token is told.
pub const SCOPE_RULE: &str = "a scope is printable ASCII without space, `\"` or `\\` (RFC 6749 \
                              §3.3), such as `\"invoices:read\"`";

/// Checks a configuration, its settings in the order written; the first rule broken is the
/// answer.
pub fn check(settings: &[Setting], spelling: Spelling) -> Result<Checked, Violation> {
    let find = |keys: &[Key]| settings.iter().position(|s| keys.contains(&s.key));
    let at_key = |index: usize, message: String| Violation {
        at: Some((index, Part::Key)),
        message,
    };
    for (index, setting) in settings.iter().enumerate() {
        if let Some(earlier) = settings[..index].iter().find(|s| s.key == setting.key) {
            let message = if earlier.written == setting.written {
                format!("`{}` is set twice; keep one", setting.written)
            } else {
                format!(
                    "`{}` and `{}` are the same key (`{}`); keep one",
                    setting.written,
                    earlier.written,
                    setting.key.name()
                )
            };
            return Err(at_key(index, message));
        }
    }
    let primary = one_of(
        settings,
        &[Key::Env, Key::Secret, Key::KeysEnv, Key::KeysSecret],
        |[first, second]| {
            if first.key.is_key_set() || second.key.is_key_set() {
                "the primary secret; keep one (a key set replaces the primary secret: each \
                 caller's key is in the set)"
                    .to_owned()
            } else {
                format!(
                    "the primary secret; keep one (to accept a second secret during a rotation, \
                     give it as `{}`)",
                    second.key.alternate().name()
                )
            }
        },
    )?;
    let alternate = one_of(settings, &[Key::AltEnv, Key::AltSecret], |_| {
        "the alternate secret; keep one".to_owned()
    })?;
    let Some(primary) = primary else {
        return Err(match alternate {
            Some(alternate) => at_key(
                alternate,
                format!(
                    "`{}` is an alternate secret, accepted beside a primary one: add {}",
                    settings[alternate].written,
                    spelling.set(Key::Env, "...")
                ),
            ),
            None => Violation {
                at: None,
                message: format!(
                    "a primary secret is needed: add {}, naming the environment variable that \
                     holds it (or {} for a key set, one key per caller)",
                    spelling.set(Key::Env, "..."),
                    spelling.set(Key::KeysEnv, "...")
                ),
            },
        });
    };
    let rotating = find(&[Key::Rotating]);
    // A key set holds each caller's keys, its rotation included: nothing rotates beside it.
    if settings[primary].key.is_key_set()
        && let Some(extra) = alternate.or(rotating)
    {
        return Err(at_key(
            extra,
            format!(
                "`{extra}` does not go with the key set `{}`, which rotates per caller: remove \
                 `{extra}`; a caller's own rotation is written in the set as a list of keys, \
                 newest first, as in `{{\"reports\": [\"NEW\", \"OLD\"]}}`",
                settings[primary].written,
                extra = settings[extra].written,
            ),
        ));
    }
    if let Some(rotating) = rotating {
        if let Some(alternate) = alternate {
            return Err(at_key(
                rotating,
                format!(
                    "`rotating` takes the alternate secret from the primary's version history: \
                     remove `{}`",
                    settings[alternate].written
                ),
            ));
        }
        if settings[primary].key != Key::Secret {
            return Err(at_key(
                rotating,
                format!(
                    "`rotating` reads the primary secret's previous version, which only a \
                     secret manager keeps: use {}",
                    spelling.set(Key::Secret, "...")
                ),
            ));
        }
    }
    let scopes = find(&[Key::Scopes]);
    if let Some(scopes) = scopes
        && !settings[primary].key.is_key_set()
    {
        return Err(at_key(
            scopes,
            format!(
                "`{}` are granted to the callers of a key set, and `{}` is one key, which names \
                 no caller: give the keys as {} with each caller's scopes in the set, or remove \
                 `{}`",
                settings[scopes].written,
                settings[primary].written,
                spelling.set(Key::KeysEnv, "..."),
                settings[scopes].written,
            ),
        ));
    }
    let prefix = find(&[Key::Prefix]);
    if let Some(no_space) = find(&[Key::NoSpace]) {
        let ends_in_a_word = prefix.is_some_and(|prefix| {
            settings[prefix]
                .value
                .ends_with(|c: char| c.is_ascii_alphanumeric())
        });
        if !ends_in_a_word {
            return Err(at_key(
                no_space,
                "`no_space` says a prefix that ends in a letter or digit is followed by the key \
                 directly; without such a prefix, remove it"
                    .to_owned(),
            ));
        }
    }
    for (index, setting) in settings.iter().enumerate() {
        if let Some(message) = value_problem(settings, setting, spelling) {
            return Err(Violation {
                at: Some((index, Part::Value)),
                message,
            });
        }
    }
    Ok(Checked {
        primary,
        alternate,
        prefix,
        doc: find(&[Key::Doc]),
        rotating: rotating.is_some(),
        strong_keys: find(&[Key::StrongKeys]).is_some(),
        scopes,
    })
}

/// At most one of the keys that set the same part; the second is at fault, and the message
/// says what the pair both set.
fn one_of(
    settings: &[Setting],
    keys: &[Key],
    what: impl FnOnce([&Setting; 2]) -> String,
) -> Result<Option<usize>, Violation> {
    let mut found = (0..settings.len()).filter(|&index| keys.contains(&settings[index].key));
    match (found.next(), found.next()) {
        (Some(first), Some(second)) => Err(Violation {
            at: Some((second, Part::Key)),
            message: format!(
                "`{}` and `{}` both set {}",
                settings[first].written,
                settings[second].written,
                what([&settings[first], &settings[second]])
            ),
        }),
        (first, _) => Ok(first),
    }
}

/// A secret's path: its value before the `#` of a JSON key.
fn path_of(value: &str) -> &str {
    value.split_once('#').map_or(value, |(path, _)| path)
}

/// What is wrong with a setting's value, if anything.
fn value_problem(settings: &[Setting], setting: &Setting, spelling: Spelling) -> Option<String> {
    let value = setting.value;
    // A key set's value is read as its primary's: `keys_env` as `env`, `keys_secret` as `secret`.
    let env = matches!(setting.key, Key::Env | Key::AltEnv | Key::KeysEnv);
    let secret = matches!(setting.key, Key::Secret | Key::AltSecret | Key::KeysSecret);
    let problem = match setting.key {
        // A JSON key picks from a manager's document; a variable's whole value is the set.
        Key::KeysEnv if value.contains('#') => format!(
            "`{}` names an environment variable, whose whole value is the key set; a JSON key \
             (`#field`) picks a set out of a secret manager's document, with {}",
            setting.written,
            spelling.set(Key::KeysSecret, "...")
        ),
        _ if env && value.is_empty() => {
            "the value is empty; name the environment variable that holds the secret".to_owned()
        }
        _ if secret && value.is_empty() => {
            "the value is empty; give the secret's path in the secret manager".to_owned()
        }
        _ if env && value.contains(['=', '\0']) => {
            "an environment variable name cannot contain `=` or NUL".to_owned()
        }
        _ if secret && value.starts_with('#') => {
            "the secret's path is empty: write it before the `#` of the JSON key".to_owned()
        }
        // The path, not the JSON key after `#`: a JSON object's names may hold any character.
        _ if secret && path_of(value).chars().any(char::is_control) => {
            "a secret's path cannot hold control characters".to_owned()
        }
        _ if secret
            && value
                .split_once('#')
                .is_some_and(|(_, key)| key.split('.').any(str::is_empty)) =>
        {
            "after `#` comes the secret's key in a JSON secret: dot-separated names, none empty, \
             as in `\"prod/api#keys.current\"`"
                .to_owned()
        }
        Key::Scopes => return scopes_problem(value),
        Key::Prefix if !value.bytes().all(|b| b.is_ascii_graphic() || b == b' ') => format!(
            "a prefix is printable ASCII, with any space written out, as in {}",
            spelling.set(Key::Prefix, "Bearer ")
        ),
        Key::Prefix if value.starts_with(' ') => {
            "a prefix cannot start with a space: HTTP strips the spaces that open a header value, \
             so no request could ever match it"
                .to_owned()
        }
        Key::Prefix
            if value.ends_with(|c: char| c.is_ascii_alphanumeric())
                && !settings.iter().any(|s| s.key == Key::NoSpace) =>
        {
            format!(
                "no space is implied: did you mean {}? (A key that follows `{value}` directly is \
                 accepted with {} beside the prefix.)",
                spelling.set(Key::Prefix, &format!("{value} ")),
                spelling.set(Key::NoSpace, "")
            )
        }
        Key::Doc
            if !value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')) =>
        {
            "an OpenAPI security scheme name uses only A-Z, a-z, 0-9, `.`, `-` and `_` (`\"\"` \
             leaves it undocumented)"
                .to_owned()
        }
        _ => return None,
    };
    Some(problem)
}

/// What is wrong with a list of required scopes, space-separated, if anything.
fn scopes_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("list at least one scope, or remove `scopes`".to_owned());
    }
    let scopes: Vec<&str> = value.split(' ').collect();
    if !scopes.iter().all(|scope| is_scope(scope)) {
        return Some(SCOPE_RULE.to_owned());
    }
    let twice = (1..scopes.len()).find(|&index| scopes[..index].contains(&scopes[index]));
    twice.map(|index| format!("the scope {:?} is listed twice; keep one", scopes[index]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings written as `key=value` (`key` alone for a flag), checked in the attribute's
    /// spelling.
    fn check_written(written: &[&'static str]) -> Result<Checked, Violation> {
        let settings: Vec<Setting> = written
            .iter()
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                Setting {
                    key: Key::lookup(key).expect("a key"),
                    written: key,
                    value,
                }
            })
            .collect();
        check(&settings, Spelling::Attribute)
    }

    fn error(written: &[&'static str]) -> String {
        check_written(written).unwrap_err().message
    }

    #[test]
    fn a_full_configuration_is_kept() {
        let checked = check_written(&["env=A", "alt_env=B", "prefix=Bearer ", "doc="]).unwrap();
        assert_eq!(
            checked,
            Checked {
                primary: 0,
                alternate: Some(1),
                prefix: Some(2),
                doc: Some(3),
                rotating: false,
                strong_keys: false,
                scopes: None,
            }
        );
        let managed = check_written(&["alternate_environment_key=B", "secret_key=/a"]).unwrap();
        assert_eq!((managed.primary, managed.alternate), (1, Some(0)));
        let rotating = check_written(&["secret=/a", "rotating"]).unwrap();
        assert!(rotating.rotating && rotating.alternate.is_none());
        let strong = check_written(&["strong_keys", "keys_env=K"]).unwrap();
        assert!(strong.strong_keys && !rotating.strong_keys);
    }

    #[test]
    fn each_key_is_set_once_under_either_spelling() {
        let twice = check_written(&["env=A", "env=B"]).unwrap_err();
        assert_eq!(twice.at, Some((1, Part::Key)));
        assert_eq!(twice.message, "`env` is set twice; keep one");
        assert_eq!(
            error(&["env=A", "environment_key=B"]),
            "`environment_key` and `env` are the same key (`env`); keep one"
        );
    }

    #[test]
    fn sources_must_make_sense_together() {
        let none = check_written(&[]).unwrap_err();
        assert_eq!(none.at, None);
        assert!(
            none.message
                .contains("a primary secret is needed: add `env = \"...\"`")
        );
        assert!(error(&["prefix=Bearer "]).contains("a primary secret is needed"));
        let alone = check_written(&["alt_env=B"]).unwrap_err();
        assert_eq!(alone.at, Some((0, Part::Key)));
        assert!(alone.message.contains("is an alternate secret"));
        let both = check_written(&["env=A", "secret=/p"]).unwrap_err();
        assert_eq!(both.at, Some((1, Part::Key)));
        assert!(both.message.contains("both set the primary secret"));
        assert!(
            error(&["env=A", "alt_env=B", "alternate_secret_key=/p"])
                .contains("both set the alternate secret")
        );
    }

    #[test]
    fn the_hint_names_the_alternate_of_the_family_at_fault() {
        assert!(error(&["env=A", "secret=/p"]).contains("give it as `alt_secret`"));
        assert!(error(&["secret=/p", "env=A"]).contains("give it as `alt_env`"));
        assert!(error(&["env=A", "environment_key=B"]).contains("same key"));
    }

    #[test]
    fn a_key_set_replaces_the_primary_secret() {
        let replaces = "keep one (a key set replaces the primary secret: each caller's key is in \
                        the set)";
        assert_eq!(
            error(&["env=A", "keys_env=K"]),
            format!("`env` and `keys_env` both set the primary secret; {replaces}")
        );
        assert_eq!(
            error(&["keys_secret=/k", "secret_key=/p"]),
            format!("`keys_secret` and `secret_key` both set the primary secret; {replaces}")
        );
        assert!(error(&[]).contains("or `keys_env = \"...\"` for a key set"));
    }

    #[test]
    fn a_key_set_takes_no_alternate_and_no_rotating() {
        let per_caller = "a caller's own rotation is written in the set as a list of keys, newest \
                          first, as in `{\"reports\": [\"NEW\", \"OLD\"]}`";
        assert_eq!(
            error(&["keys_env=K", "alt_env=B"]),
            format!(
                "`alt_env` does not go with the key set `keys_env`, which rotates per caller: \
                 remove `alt_env`; {per_caller}"
            )
        );
        let rotating = check_written(&["keys_secret=/k", "rotating"]).unwrap_err();
        assert_eq!(rotating.at, Some((1, Part::Key)));
        assert!(
            rotating
                .message
                .starts_with("`rotating` does not go with the key set")
        );
    }

    #[test]
    fn rotating_needs_a_managed_primary_and_no_alternate() {
        assert!(error(&["env=A", "rotating"]).contains("use `secret = \"...\"`"));
        assert!(error(&["secret=/a", "alt_env=B", "rotating"]).contains("remove `alt_env`"));
    }

    #[test]
    fn values_are_checked_where_they_are_written() {
        for (written, expected) in [
            (&["env="][..], "name the environment variable"),
            (&["env=A", "alt_env=B=C"], "cannot contain `=`"),
            (&["env=A\0"], "cannot contain `=`"),
            (&["keys_env="], "name the environment variable"),
            (&["keys_env=KEYS#callers"], "whole value is the key set"),
            (&["secret="], "path in the secret manager"),
            (&["keys_secret=#keys"], "path is empty"),
            (&["secret=/p\n"], "control characters"),
            (&["env=A", "alt_secret=/p#"], "JSON secret"),
            (&["keys_secret=/k#a..b"], "JSON secret"),
            (&["env=A", "prefix=Bearer\t"], "printable ASCII"),
            (&["env=A", "prefix=Bé "], "printable ASCII"),
            (&["env=A", "prefix= Bearer"], "cannot start with a space"),
            (&["env=A", "doc=Api Key"], "OpenAPI"),
        ] {
            let violation = check_written(written).unwrap_err();
            assert_eq!(
                violation.at,
                Some((written.len() - 1, Part::Value)),
                "{written:?}"
            );
            assert!(
                violation.message.contains(expected),
                "{written:?}: {violation:?}"
            );
        }
        for accepted in [
            &["secret=/p", "alt_secret=/q#a.b"][..],
            &["keys_secret=/k#callers"],
            // A JSON object's names may hold control characters (found by fuzzing).
            &["secret=doc#kX\0\u{7}"],
            &["env=A", "prefix="],
            &["env=A", "prefix=Token:"],
            &["env=A", "doc=Api-Key_1.0"],
        ] {
            assert!(check_written(accepted).is_ok(), "{accepted:?}");
        }
    }

    #[test]
    fn a_prefix_ending_in_a_word_needs_no_space_to_say_so() {
        let unspaced = check_written(&["env=A", "prefix=Bearer"]).unwrap_err();
        assert_eq!(unspaced.at, Some((1, Part::Value)));
        assert_eq!(
            unspaced.message,
            "no space is implied: did you mean `prefix = \"Bearer \"`? (A key that follows \
             `Bearer` directly is accepted with `no_space` beside the prefix.)"
        );
        let builder = check(
            &[
                Setting {
                    key: Key::Env,
                    written: "env",
                    value: "A",
                },
                Setting {
                    key: Key::Prefix,
                    written: "prefix",
                    value: "sk1",
                },
            ],
            Spelling::Builder,
        )
        .unwrap_err();
        assert!(
            builder
                .message
                .contains("did you mean `.prefix(\"sk1 \")`?"),
            "{builder:?}"
        );
        assert!(
            builder.message.contains("with `.no_space()` beside"),
            "{builder:?}"
        );
        assert!(check_written(&["env=A", "prefix=Bearer", "no_space"]).is_ok());
        assert!(check_written(&["env=A", "no_space", "prefix=sk9"]).is_ok());
        for pointless in [
            &["env=A", "no_space"][..],
            &["env=A", "prefix=Bearer ", "no_space"],
        ] {
            let violation = check_written(pointless).unwrap_err();
            assert_eq!(violation.at, Some((pointless.len() - 1, Part::Key)));
            assert!(
                violation.message.starts_with("`no_space` says"),
                "{violation:?}"
            );
        }
    }

    #[test]
    fn scopes_are_scope_tokens_required_of_a_key_sets_callers() {
        let checked = check_written(&["keys_env=K", "scopes=invoices:write admin"]).unwrap();
        assert_eq!(checked.scopes, Some(1));
        let single = check_written(&["env=A", "scopes=admin"]).unwrap_err();
        assert_eq!(single.at, Some((1, Part::Key)));
        assert_eq!(
            single.message,
            "`scopes` are granted to the callers of a key set, and `env` is one key, which names \
             no caller: give the keys as `keys_env = \"...\"` with each caller's scopes in the \
             set, or remove `scopes`"
        );
        for (value, expected) in [
            ("", "list at least one scope"),
            ("a  b", "RFC 6749"),
            ("a\"b", "RFC 6749"),
            ("a\\b", "RFC 6749"),
            ("caf\u{e9}", "RFC 6749"),
            ("a b a", "the scope \"a\" is listed twice"),
        ] {
            let settings = [
                Setting {
                    key: Key::KeysSecret,
                    written: "keys_secret",
                    value: "/k",
                },
                Setting {
                    key: Key::Scopes,
                    written: "scopes",
                    value,
                },
            ];
            let violation = check(&settings, Spelling::Builder).unwrap_err();
            assert_eq!(violation.at, Some((1, Part::Value)), "{value:?}");
            assert!(
                violation.message.contains(expected),
                "{value:?}: {violation:?}"
            );
        }
        for scope in ["a", "invoices:read", "!#[]~", "x/y.z"] {
            assert!(is_scope(scope), "{scope}");
        }
        for scope in ["", " ", "a b", "\"", "\\", "\u{7f}", "\u{e9}"] {
            assert!(!is_scope(scope), "{scope:?}");
        }
    }

    #[test]
    fn every_key_is_found_by_its_name_and_alias() {
        for key in Key::ALL {
            assert_eq!(Key::lookup(key.name()), Some(key));
            assert_eq!(Key::lookup(key.alias()), Some(key));
        }
        assert_eq!(Key::lookup("nope"), None);
    }
}
