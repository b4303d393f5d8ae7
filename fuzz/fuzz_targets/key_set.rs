//! Key-set documents against their oracle: a set is accepted exactly when serde_json reads it as
//! an object of callers' keys or non-empty lists of keys that follow the documented rules
//! (crate docs, "Named keys"), and then each key is accepted as its caller (newest first) and
//! nothing else is; a refused set answers every request 500 and shows no key.
//!
//! The input is the document, read through a secret manager (`keys_secret = "set"`); an input
//! whose first line is `#a.b` picks the set out of the rest at that JSON key
//! (`keys_secret = "set#a.b"`). The credentials presented are the set's own strings, each
//! changed slightly, and a few words whose digests the seed corpus holds.

#![no_main]

use libfuzzer_sys::fuzz_target;
use secret_bearer::SecretBearer;
use secret_bearer_fuzz::oracle::{self, Answer};
use secret_bearer_fuzz::{
    answer, assert_answer, assert_no_key_shown, changed, resolves, store, strings,
};

/// Keys whose `sha256:` digests the seed corpus writes, so that hashed keys are opened too.
const WORDS: [&str; 4] = ["alice-key-1", "bob-key-1", "bob-key-0", "k"];

const PREFIX: &str = "Key ";

fuzz_target!(|input: &[u8]| {
    let Ok(input) = std::str::from_utf8(input) else {
        return;
    };
    let (json_key, document) = match input.strip_prefix('#') {
        Some(rest) => match rest.split_once('\n') {
            Some((json_key, document)) => (Some(json_key), document),
            None => return,
        },
        None => (None, input),
    };
    let path = match json_key {
        Some(json_key) => format!("set#{json_key}"),
        None => "set".to_owned(),
    };
    let built = SecretBearer::builder()
        .keys_secret(path)
        .prefix(PREFIX)
        .build();
    assert_eq!(
        built.is_ok(),
        json_key.is_none_or(oracle::valid_json_key),
        "{input:?}"
    );
    let Ok(bearer) = built else {
        return;
    };
    let store = store([("set", document.to_owned())]);
    let callers = oracle::key_set(document, json_key);
    assert_eq!(resolves(&bearer, &store), callers.is_some(), "{input:?}");

    let (strings, names) = strings(document);
    let mut credentials: Vec<Vec<u8>> = WORDS.iter().map(|word| word.as_bytes().to_vec()).collect();
    for string in &strings {
        credentials.extend(changed(string.as_bytes()));
    }
    for credential in &credentials {
        let headers = [[PREFIX.as_bytes(), credential].concat()];
        let expected = match &callers {
            Some(callers) => oracle::check(PREFIX.as_bytes(), &headers, |credential| {
                oracle::key_set_owner(callers, credential)
            }),
            None => Answer::Misconfigured,
        };
        let got = answer(&bearer, &store, &headers);
        assert_answer(&got, &expected, &(input, credential));
        if let Err(error) = &got {
            let keys: Vec<&[u8]> = strings.iter().map(|key| key.as_bytes()).collect();
            let mut shown: Vec<&str> = names.iter().map(String::as_str).collect();
            shown.extend(json_key);
            assert_no_key_shown(error, &keys, &shown);
        }
    }
});
