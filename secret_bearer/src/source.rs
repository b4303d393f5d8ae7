//! Where secrets come from, and the rules a secret's value must follow.

use std::borrow::Cow;
use std::fmt;

use secrecy::zeroize::Zeroizing;

use crate::json;

/// Where a secret is read from: an environment variable, or a path (and JSON key) in the
/// installed [`SecretManager`](crate::SecretManager), current or previous version. It names the
/// secret in errors and logs (its `Display`), never its value. Opaque, so that a source may
/// grow (a new kind of place, a detail of one) without breaking a match.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SecretSource(pub(crate) Origin);

/// The kinds of place a secret is read from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Origin {
    /// The environment variable of this name, read once, the first time it is needed.
    Env(Cow<'static, str>),
    /// The secret at `path` in the installed manager, read through the store's cache. With
    /// `json_key`, the stored value is a JSON object and the secret is the string at this
    /// dotted path in it (`"api.key"` is `{"api": {"key": "..."}}`), as AWS Secrets Manager
    /// stores key/value secrets. A document with an object that names a key twice is refused:
    /// which of its values is meant is ambiguous.
    Manager {
        /// The path the manager is asked for.
        path: Cow<'static, str>,
        /// The dotted path of the secret in the stored JSON object, if any.
        json_key: Option<Cow<'static, str>>,
        /// Which version: the current one, or (for `rotating`) the one before it.
        version: SecretVersion,
    },
}

/// Which version of a secret in a manager a source reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) enum SecretVersion {
    /// The current version: what [`SecretManager::get`](crate::SecretManager::get) answers.
    #[default]
    Current,
    /// The version before the current one, or the current one if there is none before it:
    /// what [`SecretManager::get_previous`](crate::SecretManager::get_previous) answers. It
    /// serves as the alternate secret of a `rotating` bearer.
    Previous,
}

impl SecretSource {
    /// The environment variable `name`.
    pub(crate) fn env(name: impl Into<Cow<'static, str>>) -> Self {
        Self(Origin::Env(name.into()))
    }

    /// A manager source from the attribute's spelling: `"path"`, or `"path#json.key"`.
    pub(crate) fn manager(spec: impl Into<Cow<'static, str>>) -> Self {
        let spec = spec.into();
        match spec.split_once('#') {
            Some((path, key)) => Self(Origin::Manager {
                path: Cow::Owned(path.to_owned()),
                json_key: Some(Cow::Owned(key.to_owned())),
                version: SecretVersion::Current,
            }),
            None => Self(Origin::Manager {
                path: spec,
                json_key: None,
                version: SecretVersion::Current,
            }),
        }
    }

    /// The previous version of the current version of a secret in a manager; `None` for any
    /// other source.
    pub(crate) fn previous_version(&self) -> Option<Self> {
        match &self.0 {
            Origin::Manager {
                path,
                json_key,
                version: SecretVersion::Current,
            } => Some(Self(Origin::Manager {
                path: path.clone(),
                json_key: json_key.clone(),
                version: SecretVersion::Previous,
            })),
            _ => None,
        }
    }

    /// The dotted path of the secret in its stored JSON document, if any.
    pub(crate) fn json_key(&self) -> Option<&str> {
        match &self.0 {
            Origin::Manager { json_key, .. } => json_key.as_deref(),
            Origin::Env(_) => None,
        }
    }

    /// Whether a secret manager holds this source.
    pub(crate) fn is_managed(&self) -> bool {
        matches!(self.0, Origin::Manager { .. })
    }

    /// The secret's value in what its manager returned: the whole value, or its JSON key's.
    pub(crate) fn pick(&self, fetched: &[u8]) -> Result<Zeroizing<Vec<u8>>, &'static str> {
        match &self.0 {
            Origin::Manager {
                json_key: Some(key),
                ..
            } => json_string_at(fetched, key)
                .map(|picked| Zeroizing::new(picked.as_bytes().to_vec())),
            _ => Ok(Zeroizing::new(fetched.to_vec())),
        }
    }
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Origin::Env(name) => write!(f, "environment variable `{name}`"),
            Origin::Manager {
                path,
                json_key,
                version,
            } => {
                if *version == SecretVersion::Previous {
                    f.write_str("previous version of ")?;
                }
                match json_key {
                    Some(key) => write!(f, "JSON key `{key}` of secret `{path}`"),
                    None => write!(f, "secret `{path}`"),
                }
            }
        }
    }
}

/// The string at a dotted key of a JSON object. The parsed document is wiped when dropped, as
/// is what was read of it when the parse fails: it may hold other secrets. The reasons name the
/// key, never a value (nor a name of the document).
fn json_string_at(value: &[u8], key: &str) -> Result<Zeroizing<String>, &'static str> {
    let mut document = json::parse(value).map_err(|error| {
        if error.is_data() {
            "the JSON document names a key twice in one object"
        } else {
            "it is not a JSON document"
        }
    })?;
    match json::node_at(&mut document, key)? {
        serde_json::Value::String(picked) => Ok(Zeroizing::new(std::mem::take(picked))),
        _ => Err("the value at the JSON key is not a string"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manager_sources_parse_and_pick_json_keys() {
        let plain = SecretSource::manager("/path/to/secret");
        assert_eq!(plain.to_string(), "secret `/path/to/secret`");
        let keyed = SecretSource::manager(String::from("prod/api#keys.current"));
        assert_eq!(
            keyed.to_string(),
            "JSON key `keys.current` of secret `prod/api`"
        );
        let document = br#"{"keys": {"current": "NEWKEY", "old": "OLDKEY"}, "n": 1}"#;
        assert_eq!(keyed.pick(document).unwrap().as_slice(), b"NEWKEY");
        assert_eq!(plain.pick(b"RAW").unwrap().as_slice(), b"RAW");
        for (document, reason) in [
            (&br#"{"keys": {"old": "OLDKEY"}}"#[..], "no such key"),
            (br#"{"keys": "NOTANOBJECT"}"#, "not an object"),
            (br#"{"keys": {"current": 5}}"#, "not a string"),
            (b"NOTJSON", "not a JSON document"),
            (
                br#"{"keys": {"current": "NEWKEY"}} x"#,
                "not a JSON document",
            ),
            (
                br#"{"keys": {"current": "NEWKEY", "current": "OLDKEY"}}"#,
                "names a key twice",
            ),
        ] {
            let error = keyed.pick(document).unwrap_err();
            assert!(error.contains(reason), "{error}");
        }
    }
}
