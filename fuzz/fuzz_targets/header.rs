//! The header check against its oracle: a request is accepted only when it has exactly one
//! `Authorization` value, which is the prefix (in any ASCII case) and then exactly a key; a
//! configured key presented so is always accepted, as `primary` (newest) or `alternate`. Every
//! refusal has the documented reason, and a secret no request could present fails closed.
//!
//! The input picks the keys (plain or hashed at rest), the prefix, and headers that are mostly
//! a configured key presented with case flips and one change, so valid keys are reached often.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use secret_bearer::SecretBearer;
use secret_bearer_fuzz::oracle::{self, Answer, Read};
use secret_bearer_fuzz::{answer, assert_answer, assert_no_key_shown, resolves, store};

#[derive(Arbitrary, Debug)]
struct Case {
    primary: Stored,
    alternate: Option<Stored>,
    prefix: Prefix,
    headers: Headers,
}

/// The request's `Authorization` values: one, a third of the time.
#[derive(Arbitrary, Debug)]
enum Headers {
    One(Header),
    None,
    Several(Vec<Header>),
}

/// A key, and whether its secret holds it hashed (`sha256:<hex>`, lower or upper case). Unless
/// `raw`, the key is made one a request can present (control characters dropped, edge spaces
/// and tabs trimmed, `k` if nothing is left), so that half the inputs are usable secrets; the
/// oracle judges the result on its own either way.
#[derive(Arbitrary, Debug)]
struct Stored {
    key: String,
    raw: bool,
    hashed: Option<bool>,
}

impl Stored {
    fn key(&self) -> String {
        if self.raw {
            return self.key.clone();
        }
        let kept: String = self.key.chars().filter(|c| !c.is_ascii_control()).collect();
        match kept.trim_matches([' ', '\t']) {
            "" => "k".to_owned(),
            key => key.to_owned(),
        }
    }

    fn value(&self) -> String {
        match self.hashed {
            Some(upper) => oracle::stored_form(self.key().as_bytes(), upper),
            None => self.key(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Prefix {
    None,
    Bearer,
    ApiKey,
    Written(String),
}

impl Prefix {
    fn text(&self) -> &str {
        match self {
            Prefix::None => "",
            Prefix::Bearer => "Bearer ",
            Prefix::ApiKey => "ApiKey ",
            Prefix::Written(prefix) => prefix,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Header {
    /// The prefix, its letters' case flipped where `flips` has a bit set, then the primary's
    /// (or the alternate's) key, then `change`.
    Presented {
        alternate: bool,
        flips: u64,
        change: Change,
    },
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Change {
    None,
    Append(Vec<u8>),
    /// Drops this many bytes from the end.
    Truncate(u16),
    /// XORs one byte (its index taken modulo the length) with `bits`.
    Flip {
        at: u16,
        bits: u8,
    },
    /// Drops the first byte: the prefix one byte short.
    DropFirst,
    /// Appends copies of `byte` until the credential is the length cap plus `around` (taken
    /// modulo 5, less 2): either side of the cap.
    PadToCap {
        byte: u8,
        around: u8,
    },
}

impl Header {
    fn bytes(&self, case: &Case) -> Vec<u8> {
        match self {
            Header::Raw(bytes) => bytes.clone(),
            Header::Presented {
                alternate,
                flips,
                change,
            } => presented(case, *alternate, *flips, change),
        }
    }
}

fn presented(case: &Case, alternate: bool, flips: u64, change: &Change) -> Vec<u8> {
    let key = match (alternate, &case.alternate) {
        (true, Some(stored)) => stored.key(),
        _ => case.primary.key(),
    };
    let mut value: Vec<u8> = case.prefix.text().bytes().collect();
    for (index, byte) in value.iter_mut().enumerate().take(64) {
        if flips >> index & 1 == 1 && byte.is_ascii_alphabetic() {
            *byte ^= 0x20;
        }
    }
    value.extend_from_slice(key.as_bytes());
    match change {
        Change::None => {}
        Change::Append(tail) => value.extend_from_slice(tail),
        Change::Truncate(count) => value.truncate(value.len().saturating_sub(*count as usize)),
        Change::Flip { at, bits } => {
            if !value.is_empty() {
                let at = *at as usize % value.len();
                value[at] ^= bits;
            }
        }
        Change::DropFirst => drop(value.drain(..value.len().min(1))),
        Change::PadToCap { byte, around } => {
            let credential = oracle::MAX_LEN + *around as usize % 5 - 2;
            let length = case.prefix.text().len() + credential;
            value.resize(value.len().max(length), *byte);
        }
    }
    value
}

fuzz_target!(|case: Case| {
    let prefix = case.prefix.text();
    let mut builder = SecretBearer::builder()
        .secret("primary")
        .prefix(prefix.to_owned());
    // A prefix ending in a letter or digit is refused unless the key is said to follow it
    // directly (the rules' unit tests pin that); the check is fuzzed with it said.
    if prefix.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        builder = builder.no_space();
    }
    if case.alternate.is_some() {
        builder = builder.alt_secret("alternate");
    }
    let built = builder.build();
    assert_eq!(built.is_ok(), oracle::valid_prefix(prefix), "{case:?}");
    let Ok(bearer) = built else {
        return;
    };
    let mut documents = vec![("primary", case.primary.value())];
    documents.extend(
        case.alternate
            .as_ref()
            .map(|alternate| ("alternate", alternate.value())),
    );
    let store = store(documents);
    let headers: Vec<Vec<u8>> = match &case.headers {
        Headers::One(header) => vec![header.bytes(&case)],
        Headers::None => Vec::new(),
        Headers::Several(headers) => headers.iter().map(|header| header.bytes(&case)).collect(),
    };

    let primary = oracle::secret(case.primary.value().as_bytes());
    let alternate = case
        .alternate
        .as_ref()
        .map(|alternate| oracle::secret(alternate.value().as_bytes()));
    let keys = match (primary, alternate) {
        (Read::Key(primary), None | Some(Read::Absent)) => Some((primary, None)),
        (Read::Key(primary), Some(Read::Key(alternate))) => Some((primary, Some(alternate))),
        _ => None,
    };
    let expected = match &keys {
        Some((primary, alternate)) => oracle::check(prefix.as_bytes(), &headers, |credential| {
            oracle::pair_owner(primary, alternate.as_ref(), credential)
        }),
        None => Answer::Misconfigured,
    };
    assert_eq!(resolves(&bearer, &store), keys.is_some(), "{case:?}");
    let got = answer(&bearer, &store, &headers);
    assert_answer(&got, &expected, &case);
    if let Err(error) = &got {
        // Neither a key nor what the request presented.
        let mut keys = vec![case.primary.key()];
        keys.extend(case.alternate.as_ref().map(Stored::key));
        let mut secrets: Vec<&[u8]> = keys.iter().map(|key| key.as_bytes()).collect();
        secrets.extend(headers.iter().map(Vec::as_slice));
        assert_no_key_shown(error, &secrets, &[prefix, "primary", "alternate"]);
    }
});
