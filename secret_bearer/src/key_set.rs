//! The key-set document: a JSON object from each caller's name to its keys, and what a caller
//! or a key may say of itself (an `id`, an expiry, scopes). Read strictly: any rule broken
//! fails the whole set closed, with an error that names the caller and the field, never a key.
//!
//! The forms (crate docs, "Named keys"):
//!
//! ```json
//! {"billing": "KEY",
//!  "reports": ["NEWKEY", "OLDKEY"],
//!  "partner": {"keys": ["sha256:…", {"key": "sha256:…", "id": "2026-q4",
//!                                    "expires": "2027-01-15T00:00:00Z"}],
//!              "scopes": ["invoices:read"], "expires": "2027-06-30T00:00:00Z"}}
//! ```

use std::collections::HashSet;
use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::clock;
use crate::digest::{Digest, key_digest, weak_key_bits};
use crate::keys::Used;
use crate::timestamp;
use secret_bearer_rules::is_scope;

/// One key of the set, as the table holds it.
pub(crate) struct Listed {
    pub(crate) digest: Digest,
    /// The caller's index in [`Document::callers`].
    pub(crate) caller: u32,
    /// 0 for the caller's newest key, 1 for the next, ...
    pub(crate) position: u32,
    pub(crate) about: About,
}

/// What the set says of a key, beside its digest: looked up only once a key has matched.
#[derive(Clone, Debug, Default)]
pub(crate) struct About {
    /// The key's `id`, if it has one.
    pub(crate) id: Option<Arc<str>>,
    /// The earlier of the key's `expires` and its caller's.
    pub(crate) expires: Option<SystemTime>,
    /// That instant on Tokio's clock, as of the read ([`clock::deadline`]).
    pub(crate) deadline: Option<tokio::time::Instant>,
    /// When the key was last accepted, for a key with an `id` (the only name a report may give
    /// a key: its place shifts at every rotation, and a fingerprint would help whoever guesses
    /// a weak one).
    pub(crate) used: Option<Arc<Used>>,
}

/// A set read: its callers' names and scopes and its keys, in the order written; and the plain
/// keys that are weak (caller, estimated bits).
pub(crate) struct Document {
    pub(crate) callers: Vec<Arc<str>>,
    /// Each caller's scopes, by the index [`Listed::caller`] holds.
    pub(crate) scopes: Vec<Scopes>,
    pub(crate) keys: Vec<Listed>,
    pub(crate) weak: Vec<(Arc<str>, u32)>,
}

/// A caller's scopes, as written in the set.
pub(crate) type Scopes = Box<[Box<str>]>;

/// A broken rule: the caller whose entry breaks it (`None` for the whole set), and what is wrong.
pub(crate) type Broken = (Option<Arc<str>>, String);

const NOT_KEYS: &str = "a caller's value is its key, a non-empty list of its keys (newest first), \
                        or an object with `keys` and optionally `scopes` and `expires`";
const CALLER_FIELDS: &str = "a caller's object has `keys`, and optionally `scopes` and `expires`";
const KEY_FIELDS: &str = "a key's object has `key`, and optionally `id` and `expires`";

/// Reads a set. `Vec`s of digests are allocated at their final size (see `KeyTable::build`).
pub(crate) fn read(set: &Value) -> Result<Document, Broken> {
    let whole = |reason: &str| (None, reason.to_owned());
    let set = set
        .as_object()
        .ok_or_else(|| whole("it is not a JSON object of callers' names to keys"))?;
    if set.is_empty() {
        return Err(whole("it names no caller"));
    }
    let mut document = Document {
        callers: Vec::with_capacity(set.len()),
        scopes: Vec::with_capacity(set.len()),
        keys: Vec::with_capacity(set.values().map(count_keys).sum()),
        weak: Vec::new(),
    };
    for (caller, (name, value)) in (0..).zip(set) {
        let name: Arc<str> = Arc::from(name.as_str());
        let broken = |reason: String| (Some(Arc::clone(&name)), reason);
        check_name(&name).map_err(|reason| broken(reason.to_owned()))?;
        let entry = CallerEntry::read(value).map_err(broken)?;
        let mut ids = HashSet::new();
        for (position, key) in (0..).zip(entry.keys) {
            if let Some(id) = &key.id
                && !ids.insert(Arc::clone(id))
            {
                return Err(broken(format!("two of its keys have the `id` {id:?}")));
            }
            let digest = key_digest(key.value.as_bytes())
                .map_err(|reason| broken(format!("one of its keys cannot be used: {reason}")))?;
            if let Some(bits) = weak_key_bits(key.value.as_bytes()) {
                document.weak.push((Arc::clone(&name), bits));
            }
            let expires = earlier(key.expires, entry.expires);
            document.keys.push(Listed {
                digest,
                caller,
                position,
                about: About {
                    used: key.id.is_some().then(Arc::default),
                    id: key.id,
                    expires,
                    deadline: expires.and_then(clock::deadline),
                },
            });
        }
        document.callers.push(name);
        document.scopes.push(entry.scopes);
    }
    Ok(document)
}

/// The earlier of two expiries, either perhaps absent.
pub(crate) fn earlier(a: Option<SystemTime>, b: Option<SystemTime>) -> Option<SystemTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// At most how many keys a caller's value lists: one per string in it.
fn count_keys(value: &Value) -> usize {
    match value {
        Value::Array(list) => list.len(),
        Value::Object(fields) => fields.get("keys").map_or(0, count_keys),
        _ => 1,
    }
}

/// A caller's entry, in any of its forms.
struct CallerEntry<'a> {
    keys: Vec<KeyEntry<'a>>,
    scopes: Scopes,
    expires: Option<SystemTime>,
}

/// A key, plain or in its object.
struct KeyEntry<'a> {
    value: &'a str,
    id: Option<Arc<str>>,
    expires: Option<SystemTime>,
}

impl<'a> CallerEntry<'a> {
    fn read(value: &'a Value) -> Result<Self, String> {
        let Value::Object(fields) = value else {
            return Ok(Self {
                keys: keys(value)?,
                scopes: Scopes::default(),
                expires: None,
            });
        };
        only_fields(fields, &["keys", "scopes", "expires"], CALLER_FIELDS)?;
        let keys = keys(fields.get("keys").ok_or(NOT_KEYS)?)?;
        let scopes = match fields.get("scopes") {
            Some(scopes) => read_scopes(scopes)?,
            None => Scopes::default(),
        };
        Ok(Self {
            keys,
            scopes,
            expires: expires(fields)?,
        })
    }
}

/// A key, or a non-empty list of keys, each a string or a key's object.
fn keys(value: &Value) -> Result<Vec<KeyEntry<'_>>, String> {
    match value {
        Value::String(_) => Ok(vec![KeyEntry::read(value)?]),
        Value::Array(list) if !list.is_empty() => list.iter().map(KeyEntry::read).collect(),
        _ => Err(NOT_KEYS.to_owned()),
    }
}

impl<'a> KeyEntry<'a> {
    fn read(value: &'a Value) -> Result<Self, String> {
        let fields = match value {
            Value::String(key) => {
                return Ok(Self {
                    value: key,
                    id: None,
                    expires: None,
                });
            }
            Value::Object(fields) => fields,
            _ => return Err(NOT_KEYS.to_owned()),
        };
        only_fields(fields, &["key", "id", "expires"], KEY_FIELDS)?;
        let Some(Value::String(key)) = fields.get("key") else {
            return Err(format!("{KEY_FIELDS}: its `key` is the key, a string"));
        };
        let id = match fields.get("id") {
            None => None,
            Some(Value::String(id)) if is_id(id) => Some(Arc::from(id.as_str())),
            Some(_) => {
                return Err(
                    "a key's `id` is 1 to 64 ASCII letters, digits, `.`, `-`, `_` or `:`"
                        .to_owned(),
                );
            }
        };
        Ok(Self {
            value: key,
            id,
            expires: expires(fields)?,
        })
    }
}

/// Refuses an object with a field not in `known`. The field is not named: a key pasted in the
/// wrong place would be one.
fn only_fields(fields: &Map<String, Value>, known: &[&str], what: &str) -> Result<(), String> {
    match fields.keys().any(|field| !known.contains(&field.as_str())) {
        true => Err(format!(
            "an object in it has a field it does not know: {what}"
        )),
        false => Ok(()),
    }
}

/// The `expires` of a caller's or a key's object, if it has one. The value is not shown: a key
/// pasted in the wrong place would be.
fn expires(fields: &Map<String, Value>) -> Result<Option<SystemTime>, String> {
    let Some(value) = fields.get("expires") else {
        return Ok(None);
    };
    value
        .as_str()
        .and_then(timestamp::parse)
        .map(Some)
        .ok_or_else(|| format!("an `expires` in it is not {}", timestamp::EXPECTED))
}

/// `scopes`: a list of RFC 6749 §3.3 scope-tokens (`secret_bearer_rules::is_scope`), none
/// twice.
fn read_scopes(scopes: &Value) -> Result<Scopes, String> {
    const RULE: &str = "`scopes` is a list of scopes, each printable ASCII without space, `\"` \
                        or `\\` (RFC 6749 §3.3), such as `[\"invoices:read\"]`";
    let Value::Array(list) = scopes else {
        return Err(RULE.to_owned());
    };
    let mut seen = HashSet::new();
    for scope in list {
        let scope = scope.as_str().filter(|scope| is_scope(scope)).ok_or(RULE)?;
        if !seen.insert(scope) {
            return Err(format!("`scopes` lists {scope:?} twice"));
        }
    }
    Ok(list
        .iter()
        .filter_map(Value::as_str)
        .map(Box::from)
        .collect())
}

/// A key's `id`: short, and safe in a log line.
fn is_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'))
}

/// A caller's name appears in logs and metrics labels: it must be printable, not blank, and
/// look like itself (no edge whitespace, nothing invisible that makes two names look alike).
fn check_name(name: &str) -> Result<(), &'static str> {
    const INVISIBLE: [std::ops::RangeInclusive<char>; 6] = [
        '\u{00ad}'..='\u{00ad}',
        '\u{200b}'..='\u{200f}',
        '\u{2028}'..='\u{202e}',
        '\u{2060}'..='\u{2064}',
        '\u{2066}'..='\u{2069}',
        '\u{feff}'..='\u{feff}',
    ];
    if name.trim().is_empty() {
        return Err("a caller's name cannot be empty or whitespace");
    }
    if name.trim() != name {
        return Err("a caller's name cannot start or end with whitespace");
    }
    if name.len() > 256 {
        return Err("a caller's name is at most 256 bytes");
    }
    let invisible = |c: char| c.is_control() || INVISIBLE.iter().any(|range| range.contains(&c));
    if name.chars().any(invisible) {
        return Err("a caller's name cannot hold control or invisible characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callers_name_is_at_most_256_bytes() {
        for length in [1, 255, 256] {
            assert_eq!(check_name(&"a".repeat(length)), Ok(()), "{length}");
        }
        let refused = Err("a caller's name is at most 256 bytes");
        assert_eq!(check_name(&"a".repeat(257)), refused);
        // Bytes, not characters: 129 characters, 257 bytes.
        assert_eq!(check_name(&format!("{}a", "é".repeat(128))), refused);
    }

    #[test]
    fn the_keys_are_allocated_at_their_final_size_whatever_the_forms() {
        // A `Vec` that grows copies its digests and frees the old buffer unwiped (see
        // `KeyTable::build`), so the list is allocated at its size once.
        let set = r#"{"a": "K1", "b": ["K2", {"key": "K3"}], "c": {"keys": ["K4", "K5"]},
                      "d": {"keys": "K6"}}"#;
        let document = read(&serde_json::from_str(set).unwrap()).unwrap();
        assert_eq!(document.keys.len(), 6);
        assert_eq!(document.keys.capacity(), 6);
    }
}
