//! What the fuzz targets share: a secret manager that answers fixed documents, a runtime to ask
//! it on, and the oracles, the documented rules written again from the docs, small enough to
//! be obviously right. The oracles never call the code under test.

pub mod oracle;

use std::collections::HashMap;
use std::sync::LazyLock;

use secret_bearer::{
    AuthError, AuthErrorKind, Caller, ManagerError, ManagerErrorKind, SecretBearer, SecretManager,
    SecretStore,
};
use serde_json::Value;

/// One current-thread runtime with a clock (the store times its fetches), started once: it
/// starts no thread of its own, so libFuzzer's single thread runs everything.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime")
});

/// A secret manager holding one document per path; any other path is not found.
pub struct Documents(pub HashMap<&'static str, String>);

impl SecretManager for Documents {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        self.0.get(path).cloned().ok_or_else(|| {
            ManagerError::new(ManagerErrorKind::NotFound, "no document at this path")
        })
    }
}

/// A store over `documents`, new for each input, so that no answer is cached from another.
pub fn store(documents: impl IntoIterator<Item = (&'static str, String)>) -> SecretStore {
    SecretStore::new(Documents(documents.into_iter().collect()))
}

/// The bearer's answer to a request carrying these `Authorization` values.
pub fn answer(
    bearer: &SecretBearer,
    store: &SecretStore,
    headers: &[Vec<u8>],
) -> Result<Caller, AuthError> {
    RUNTIME.block_on(bearer.authenticate(Some(store), headers.iter().map(Vec::as_slice)))
}

/// Whether the bearer's secrets resolve (what `resolve_all!` checks at start-up).
pub fn resolves(bearer: &SecretBearer, store: &SecretStore) -> bool {
    RUNTIME.block_on(bearer.resolve_with(Some(store))).is_ok()
}

/// Checks an answer against the oracle's, with the input shown on a mismatch.
pub fn assert_answer(
    got: &Result<Caller, AuthError>,
    expected: &oracle::Answer,
    input: &dyn std::fmt::Debug,
) {
    use oracle::Answer;
    let matches = match (got, expected) {
        (
            Ok(caller),
            Answer::Accepted {
                caller: name,
                newest,
                scopes,
            },
        ) => {
            caller.name() == name
                && caller.is_newest_key() == *newest
                && caller.scopes().eq(scopes.iter().map(String::as_str))
        }
        (Err(error), Answer::Misconfigured) => {
            matches!(error.kind(), AuthErrorKind::Misconfigured { .. })
        }
        (Err(error), Answer::Refused(kind)) => error.kind() == kind,
        _ => false,
    };
    assert!(matches, "got {got:?}, expected {expected:?}, for {input:?}");
}

/// Checks that what a refusal shows (its message, its `Debug`, its challenge) holds none of
/// `keys`, where it could only come from the key: a key is looked for when it holds a
/// character outside ASCII (every text the crate writes itself is ASCII, so no message holds
/// one by chance, nor can the fuzzer, which learns from this very comparison, copy one from a
/// message into a key) and is not part of a name the message may show (`shown`: callers'
/// names, the JSON key, the prefix).
pub fn assert_no_key_shown(error: &AuthError, keys: &[&[u8]], shown: &[&str]) {
    let texts = [
        error.to_string(),
        format!("{error:?}"),
        error.challenge().unwrap_or_default().to_owned(),
    ];
    for key in keys {
        let Ok(key) = std::str::from_utf8(key) else {
            continue;
        };
        let may_show = |name: &&str| name.contains(key) || format!("{name:?}").contains(key);
        if key.is_ascii() || shown.iter().any(may_show) {
            continue;
        }
        for text in &texts {
            assert!(!text.contains(key), "a key is shown in {text:?}");
        }
    }
}

/// A string as written, and changed by one byte: one more at its end, one fewer, or its first
/// letter in the other case: what a credential that is almost a key looks like.
pub fn changed(string: &[u8]) -> Vec<Vec<u8>> {
    let mut changed = vec![string.to_vec(), [string, b"x"].concat()];
    if let Some((_, shorter)) = string.split_last() {
        changed.push(shorter.to_vec());
    }
    if let Some(first) = string.iter().position(u8::is_ascii_alphabetic) {
        let mut flipped = string.to_vec();
        flipped[first] ^= 0x20;
        changed.push(flipped);
    }
    changed
}

/// Every string of a JSON document, wherever it is: the values (a value may be a key), and
/// apart the objects' names (a message may show a name). None if it is not JSON.
pub fn strings(document: &str) -> (Vec<String>, Vec<String>) {
    fn collect(node: &Value, values: &mut Vec<String>, names: &mut Vec<String>) {
        match node {
            Value::String(string) => values.push(string.clone()),
            Value::Array(items) => items.iter().for_each(|item| collect(item, values, names)),
            Value::Object(object) => object.iter().for_each(|(name, value)| {
                names.push(name.clone());
                collect(value, values, names);
            }),
            _ => {}
        }
    }
    let (mut values, mut names) = (Vec::new(), Vec::new());
    if let Ok(document) = serde_json::from_str::<Value>(document) {
        collect(&document, &mut values, &mut names);
    }
    (values, names)
}
