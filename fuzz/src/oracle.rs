//! The documented rules, written again: the check (crate docs, "The check"; SPEC §2), a
//! secret's value ("Hashed at rest"), key sets ("Named keys") and JSON secrets
//! (`SecretSource::Manager`). Each is the plain reading of its sentence; none calls the crate.

use std::collections::HashSet;
use std::fmt;
use std::time::SystemTime;

use secret_bearer::AuthErrorKind;
use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// The longest credential and the longest key, in bytes (`MAX_SECRET_LEN`, documented).
pub const MAX_LEN: usize = 4096;

/// What a request is answered.
#[derive(Debug)]
pub enum Answer {
    Accepted {
        caller: String,
        newest: bool,
        /// The scopes the set grants the caller, in the order written.
        scopes: Vec<String>,
    },
    Refused(AuthErrorKind),
    /// A 500: the secrets cannot be used, whatever the request.
    Misconfigured,
}

/// A key as a check compares with it.
#[derive(Debug, Clone)]
pub enum Key {
    Plain(Vec<u8>),
    Digest([u8; 32]),
}

impl Key {
    /// Whether `credential` is this key: the key itself, or what hashes to the digest.
    pub fn opens(&self, credential: &[u8]) -> bool {
        match self {
            Key::Plain(key) => key == credential,
            Key::Digest(digest) => sha256(credential) == *digest,
        }
    }

    /// Its SHA-256 digest: two keys are the same key when these are equal.
    pub fn digest(&self) -> [u8; 32] {
        match self {
            Key::Plain(key) => sha256(key),
            Key::Digest(digest) => *digest,
        }
    }
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `sha256:` and the key's digest in hex, in the case asked for: how a key is hashed at rest.
pub fn stored_form(key: &[u8], upper: bool) -> String {
    let hex: String = sha256(key)
        .iter()
        .map(|byte| match upper {
            true => format!("{byte:02X}"),
            false => format!("{byte:02x}"),
        })
        .collect();
    format!("sha256:{hex}")
}

/// A key as a secret's value or a key set's entry writes it: `sha256:` and 64 hex digits (in
/// either case) is the digest; anything else starting like a digest in another case or with a
/// dash (`SHA256:`, `sha-256:`) is refused; otherwise the value is the key, which must be
/// something a request can present: not empty, not only spaces and tabs, no space or tab at
/// either end, no control character but tab, at most 4096 bytes.
pub fn key(value: &[u8]) -> Option<Key> {
    if let Some(hex) = value.strip_prefix(b"sha256:") {
        return hex_digest(hex).map(Key::Digest);
    }
    let starts =
        |form: &[u8]| value.len() >= form.len() && value[..form.len()].eq_ignore_ascii_case(form);
    if starts(b"sha256:") || starts(b"sha-256:") {
        return None;
    }
    let blank = |byte: &u8| *byte == b' ' || *byte == b'\t';
    let control = |byte: &u8| (*byte < 0x20 && *byte != b'\t') || *byte == 0x7f;
    let usable = !value.is_empty()
        && !blank(&value[0])
        && !blank(&value[value.len() - 1])
        && !value.iter().any(control)
        && value.len() <= MAX_LEN;
    usable.then(|| Key::Plain(value.to_vec()))
}

fn hex_digest(hex: &[u8]) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut digest = [0; 32];
    for (index, byte) in digest.iter_mut().enumerate() {
        let text = std::str::from_utf8(&hex[2 * index..2 * index + 2]).ok()?;
        if !text.bytes().all(|digit| digit.is_ascii_hexdigit()) {
            return None;
        }
        *byte = u8::from_str_radix(text, 16).ok()?;
    }
    Some(digest)
}

/// What a source's value gives: nothing (empty or only whitespace, or a JSON key the document
/// lacks), a key, or something unusable.
#[derive(Debug, Clone)]
pub enum Read {
    Absent,
    Unusable,
    Key(Key),
}

/// A single secret's value: absent when empty or ASCII whitespace only, else a key or unusable.
pub fn secret(value: &[u8]) -> Read {
    if value.iter().all(u8::is_ascii_whitespace) {
        return Read::Absent;
    }
    key(value).map_or(Read::Unusable, Read::Key)
}

/// The string at a dotted JSON key of a document, read as a secret: a document that is not
/// JSON, names a key twice in one object, or has a non-object on the path, or a value there
/// that is not a string, is unusable; a name missing on the path is absent.
pub fn json_secret(document: &str, json_key: &str) -> Read {
    if document.bytes().all(|byte| byte.is_ascii_whitespace()) {
        return Read::Absent;
    }
    let Some(document) = strict_json(document) else {
        return Read::Unusable;
    };
    match walk(&document, json_key) {
        Walk::Found(Value::String(value)) => secret(value.as_bytes()),
        Walk::Found(_) | Walk::NotAnObject => Read::Unusable,
        Walk::Missing => Read::Absent,
    }
}

pub enum Walk<'a> {
    Found(&'a Value),
    NotAnObject,
    Missing,
}

/// Follows `json_key`'s dot-separated names from the document's root.
pub fn walk<'a>(document: &'a Value, json_key: &str) -> Walk<'a> {
    let mut node = document;
    for name in json_key.split('.') {
        let Value::Object(object) = node else {
            return Walk::NotAnObject;
        };
        match object.get(name) {
            Some(next) => node = next,
            None => return Walk::Missing,
        }
    }
    Walk::Found(node)
}

/// A JSON key as the builder takes it: dot-separated names, none of them empty.
pub fn valid_json_key(json_key: &str) -> bool {
    json_key.split('.').all(|name| !name.is_empty())
}

/// The document as serde_json reads it, if it is JSON and no object in it names a key twice.
pub fn strict_json(document: &str) -> Option<Value> {
    serde_json::from_str::<Unique>(document).ok()?;
    serde_json::from_str(document).ok()
}

/// A JSON value none of whose objects names a key twice (what it holds is not kept).
struct Unique;

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Unique, A::Error> {
        while items.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Unique, A::Error> {
        let mut names = HashSet::new();
        while let Some(name) = entries.next_key::<String>()? {
            if !names.insert(name) {
                return Err(A::Error::custom("a name written twice"));
            }
            entries.next_value::<Unique>()?;
        }
        Ok(Unique)
    }
}

/// One caller of a key set: its name, its scopes, and its keys, newest first, each with the
/// instant it expires, if any (its own `expires` or its caller's, the earlier).
pub type Callers = Vec<(String, Vec<String>, Vec<(Key, Option<SystemTime>)>)>;

/// A key set, if usable: a JSON object (picked by `json_key` if any) of at least one caller,
/// each with a name that is not blank, has no edge whitespace, is at most 256 bytes and holds
/// no control or invisible character, and a value that is a key, a non-empty list of keys, or
/// an object of `keys` (either of those), optional `scopes` (a list of RFC 6749 scope-tokens,
/// none twice) and an optional `expires`; a key in a list may be an object of `key`, an
/// optional `id` (1 to 64 ASCII letters, digits, `.`, `-`, `_`, `:`; unique within its
/// caller) and an optional `expires` (RFC 3339 with `T` and an offset); no other field; no key
/// listed twice (under one name or two), a plain key and its digest counting as one.
pub fn key_set(document: &str, json_key: Option<&str>) -> Option<Callers> {
    if document.bytes().all(|byte| byte.is_ascii_whitespace()) {
        return None;
    }
    let document = strict_json(document)?;
    let set = match json_key {
        Some(json_key) => match walk(&document, json_key) {
            Walk::Found(set) => set,
            Walk::NotAnObject | Walk::Missing => return None,
        },
        None => &document,
    };
    let Value::Object(set) = set else {
        return None;
    };
    if set.is_empty() {
        return None;
    }
    let mut callers: Callers = Vec::new();
    for (name, value) in set {
        if !caller_name(name) {
            return None;
        }
        let mut granted = Vec::new();
        let (keys, caller_expires) = match value {
            Value::Object(fields) => {
                only(fields, &["keys", "scopes", "expires"])?;
                if let Some(scopes) = fields.get("scopes") {
                    let scopes = scopes.as_array()?;
                    let mut seen = HashSet::new();
                    for scope in scopes {
                        let scope = scope.as_str()?;
                        let token = |b: u8| {
                            b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b)
                        };
                        if scope.is_empty() || !scope.bytes().all(token) || !seen.insert(scope) {
                            return None;
                        }
                        granted.push(scope.to_owned());
                    }
                }
                (listed_keys(fields.get("keys")?)?, expires(fields)?)
            }
            value => (listed_keys(value)?, None),
        };
        let keys = keys
            .into_iter()
            .map(|(key, expires)| {
                let expires = match (expires, caller_expires) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                (key, expires)
            })
            .collect();
        callers.push((name.clone(), granted, keys));
    }
    let mut seen = HashSet::new();
    let all_distinct = callers
        .iter()
        .flat_map(|(_, _, keys)| keys)
        .all(|(key, _)| seen.insert(key.digest()));
    all_distinct.then_some(callers)
}

/// A key or a non-empty list of keys, each a string or a key's object: the keys and their own
/// expiries.
fn listed_keys(value: &Value) -> Option<Vec<(Key, Option<SystemTime>)>> {
    let listed: Vec<&Value> = match value {
        Value::String(_) => vec![value],
        Value::Array(list) if !list.is_empty() => list.iter().collect(),
        _ => return None,
    };
    let mut ids = HashSet::new();
    let mut keys = Vec::new();
    for item in listed {
        match item {
            Value::String(plain) => keys.push((key(plain.as_bytes())?, None)),
            Value::Object(fields) => {
                only(fields, &["key", "id", "expires"])?;
                if let Some(id) = fields.get("id") {
                    let id = id.as_str()?;
                    let allowed = |b: u8| b.is_ascii_alphanumeric() || b".-_:".contains(&b);
                    if !(1..=64).contains(&id.len()) || !id.bytes().all(allowed) || !ids.insert(id)
                    {
                        return None;
                    }
                }
                let plain = fields.get("key")?.as_str()?;
                keys.push((key(plain.as_bytes())?, expires(fields)?));
            }
            _ => return None,
        }
    }
    Some(keys)
}

/// `Some` when every field of the object is one of `known`.
fn only(fields: &serde_json::Map<String, Value>, known: &[&str]) -> Option<()> {
    fields
        .keys()
        .all(|field| known.contains(&field.as_str()))
        .then_some(())
}

/// An object's `expires`: absent, or RFC 3339 with `T` between date and time (as `time` reads
/// it, which takes any byte there). `None` when present and not that.
fn expires(fields: &serde_json::Map<String, Value>) -> Option<Option<SystemTime>> {
    let Some(value) = fields.get("expires") else {
        return Some(None);
    };
    let text = value.as_str()?;
    if !matches!(text.as_bytes().get(10), Some(b'T' | b't')) {
        return None;
    }
    let parsed =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some(Some(parsed.into()))
}

/// A caller's name: not blank, no whitespace at either end, at most 256 bytes, and no control
/// character or invisible one (soft hyphen, zero-width and direction marks, separators and
/// embeddings, word joiners and invisible operators, isolates, byte-order mark).
pub fn caller_name(name: &str) -> bool {
    let invisible = |c: char| {
        matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    };
    let edge_space = name.starts_with(char::is_whitespace) || name.ends_with(char::is_whitespace);
    !name.chars().all(char::is_whitespace)
        && !edge_space
        && name.len() <= 256
        && !name.chars().any(|c| c.is_control() || invisible(c))
}

/// Who `credential` is in a key set: the caller one of whose keys it opens, and whether that
/// key is the caller's newest; refused as expired once the key's expiry has come.
pub fn key_set_owner(callers: &Callers, credential: &[u8]) -> Answer {
    let found = callers.iter().find_map(|(name, scopes, keys)| {
        let index = keys.iter().position(|(key, _)| key.opens(credential))?;
        Some((name, scopes, index, keys[index].1))
    });
    match found {
        None => Answer::Refused(AuthErrorKind::WrongCredential),
        Some((_, _, _, Some(expires))) if expires <= SystemTime::now() => {
            Answer::Refused(AuthErrorKind::Expired)
        }
        Some((name, scopes, index, _)) => Answer::Accepted {
            caller: name.clone(),
            newest: index == 0,
            scopes: scopes.clone(),
        },
    }
}

/// Who `credential` is with a primary and perhaps an alternate: `primary` first.
pub fn pair_owner(primary: &Key, alternate: Option<&Key>, credential: &[u8]) -> Answer {
    let (caller, newest) = if primary.opens(credential) {
        ("primary", true)
    } else if alternate.is_some_and(|alternate| alternate.opens(credential)) {
        ("alternate", false)
    } else {
        return Answer::Refused(AuthErrorKind::WrongCredential);
    };
    Answer::Accepted {
        caller: caller.to_owned(),
        newest,
        scopes: Vec::new(),
    }
}

/// The answer to a request, once the secrets are usable: exactly one header value, starting
/// with the prefix in any ASCII case; the rest, verbatim, is the credential, which must not be
/// empty nor longer than 4096 bytes, and is answered as `owner` says (whose key it is).
pub fn check(prefix: &[u8], headers: &[Vec<u8>], owner: impl Fn(&[u8]) -> Answer) -> Answer {
    let value = match headers {
        [] => return Answer::Refused(AuthErrorKind::MissingCredential),
        [value] => value,
        _ => return Answer::Refused(AuthErrorKind::MultipleCredentials),
    };
    if value.len() < prefix.len() || !value[..prefix.len()].eq_ignore_ascii_case(prefix) {
        return Answer::Refused(AuthErrorKind::WrongPrefix);
    }
    let credential = &value[prefix.len()..];
    if credential.is_empty() {
        return Answer::Refused(AuthErrorKind::EmptyCredential);
    }
    if credential.len() > MAX_LEN {
        return Answer::Refused(AuthErrorKind::CredentialTooLong);
    }
    owner(credential)
}

/// A prefix the builder takes: printable ASCII (spaces included), or empty, and not starting
/// with a space, which HTTP strips from a header value (the attribute's rule, SPEC §1; the
/// builder's docs do not say it yet).
pub fn valid_prefix(prefix: &str) -> bool {
    prefix.bytes().all(|byte| (b' '..=b'~').contains(&byte)) && !prefix.starts_with(' ')
}
