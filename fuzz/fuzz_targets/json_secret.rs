//! JSON secrets (`secret = "path#a.b"`) against their oracle: the secret is the string at the
//! dotted key of the stored document, read as serde_json reads it (a name written twice in an
//! object refused), then as any secret's value. A primary that is missing or unusable, or an
//! alternate that is present but unusable, answers every request 500; an alternate whose key
//! is gone is no alternate. The key picked is accepted as `primary` (or `alternate`), and
//! nothing else is.
//!
//! The input is three parts: the primary's JSON key, a line break, the alternate's JSON key
//! (empty for none), a line break, and the document both are picked from (`"doc"`). A JSON key
//! written `-` reads the whole document instead (`secret = "doc"`), so that one path is read
//! both whole and as JSON. The credentials presented are the document's strings, each changed
//! slightly, and the document itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use secret_bearer::SecretBearer;
use secret_bearer_fuzz::oracle::{self, Answer, Read};
use secret_bearer_fuzz::{
    answer, assert_answer, assert_no_key_shown, changed, resolves, store, strings,
};

const PREFIX: &str = "Bearer ";

fuzz_target!(|input: &[u8]| {
    let Ok(input) = std::str::from_utf8(input) else {
        return;
    };
    let mut parts = input.splitn(3, '\n');
    let (Some(primary_key), Some(alternate_key), Some(document)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let alternate_key = Some(alternate_key).filter(|key| !key.is_empty());
    let path = |json_key: &str| match json_key {
        "-" => "doc".to_owned(),
        json_key => format!("doc#{json_key}"),
    };
    let mut builder = SecretBearer::builder()
        .secret(path(primary_key))
        .prefix(PREFIX);
    if let Some(alternate_key) = alternate_key {
        builder = builder.alt_secret(path(alternate_key));
    }
    let built = builder.build();
    let valid = |json_key: &str| json_key == "-" || oracle::valid_json_key(json_key);
    assert_eq!(
        built.is_ok(),
        valid(primary_key) && alternate_key.is_none_or(valid),
        "{input:?}"
    );
    let Ok(bearer) = built else {
        return;
    };
    let store = store([("doc", document.to_owned())]);
    let read = |json_key: &str| match json_key {
        "-" => oracle::secret(document.as_bytes()),
        json_key => oracle::json_secret(document, json_key),
    };
    let primary = read(primary_key);
    let alternate = alternate_key.map(read);
    let keys = match (primary, alternate) {
        (Read::Key(primary), None | Some(Read::Absent)) => Some((primary, None)),
        (Read::Key(primary), Some(Read::Key(alternate))) => Some((primary, Some(alternate))),
        _ => None,
    };
    assert_eq!(resolves(&bearer, &store), keys.is_some(), "{input:?}");

    let (strings, names) = strings(document);
    let mut credentials = changed(document.as_bytes());
    for string in &strings {
        credentials.extend(changed(string.as_bytes()));
    }
    for credential in &credentials {
        let headers = [[PREFIX.as_bytes(), credential].concat()];
        let expected = match &keys {
            Some((primary, alternate)) => {
                oracle::check(PREFIX.as_bytes(), &headers, |credential| {
                    oracle::pair_owner(primary, alternate.as_ref(), credential)
                })
            }
            None => Answer::Misconfigured,
        };
        let got = answer(&bearer, &store, &headers);
        assert_answer(&got, &expected, &(input, credential));
        if let Err(error) = &got {
            let mut secrets: Vec<&[u8]> = strings.iter().map(|key| key.as_bytes()).collect();
            secrets.push(document.as_bytes());
            let mut shown: Vec<&str> = names.iter().map(String::as_str).collect();
            shown.extend([primary_key, "doc"]);
            shown.extend(alternate_key);
            assert_no_key_shown(error, &secrets, &shown);
        }
    }
});
