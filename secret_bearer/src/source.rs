//! Where secrets come from, and the rules a secret's value must follow.

use std::borrow::Cow;
use std::fmt;

use secrecy::zeroize::Zeroizing;

use crate::Error;
use crate::secret::{MAX_SECRET_LEN, Secret};

/// Where a secret is read from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretSource {
    /// The environment variable of this name, read once, the first time it is needed.
    Env(Cow<'static, str>),
}

impl SecretSource {
    /// Rejects what could never name a source, so a typo fails at build time, not per request.
    pub(crate) fn validate(&self, setting: &'static str) -> Result<(), Error> {
        let invalid = |reason| Err(Error::InvalidSetting { setting, reason });
        match self {
            Self::Env(name) if name.is_empty() => invalid("the variable name is empty"),
            Self::Env(name) if name.contains(['=', '\0']) => {
                invalid("a variable name cannot contain `=` or NUL")
            }
            Self::Env(_) => Ok(()),
        }
    }

    /// Reads the secret now. The error names this source, never what it holds.
    pub(crate) fn load(&self) -> Result<Secret, Error> {
        match self {
            Self::Env(name) => {
                let value =
                    std::env::var_os(name.as_ref()).ok_or_else(|| Error::MissingSecret {
                        source: self.clone(),
                    })?;
                let value = Zeroizing::new(value.into_encoded_bytes());
                self.accept(&value)
            }
        }
    }

    fn accept(&self, value: &[u8]) -> Result<Secret, Error> {
        let unusable = |reason| Error::UnusableSecret {
            source: self.clone(),
            reason,
        };
        check_value(value).map_err(unusable)?;
        Secret::new(value).ok_or_else(|| unusable("it is longer than 4096 bytes"))
    }
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "environment variable `{name}`"),
        }
    }
}

/// A secret must be something a request can present in an `Authorization` header, or every
/// request would be rejected with nothing in the logs to say why.
fn check_value(value: &[u8]) -> Result<(), &'static str> {
    const _: () = assert!(MAX_SECRET_LEN == 4096, "update the message below");
    let is_space = |byte: &u8| matches!(byte, b' ' | b'\t');
    if value.is_empty() {
        return Err("it is empty");
    }
    if value.iter().all(is_space) {
        return Err("it is only whitespace");
    }
    if value.first().is_some_and(is_space) || value.last().is_some_and(is_space) {
        return Err("it starts or ends with whitespace, which HTTP strips from header values");
    }
    if value
        .iter()
        .any(|&byte| (byte < b' ' && byte != b'\t') || byte == 0x7f)
    {
        return Err("it holds a control character, which an HTTP header cannot carry");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_a_header_cannot_carry_are_refused() {
        assert_eq!(check_value(b"SUPERSECRET"), Ok(()));
        assert_eq!(check_value(b"with inner\tspace"), Ok(()));
        assert_eq!(check_value(b""), Err("it is empty"));
        assert_eq!(check_value(b" \t "), Err("it is only whitespace"));
        assert!(check_value(b" lead").is_err());
        assert!(check_value(b"trail\t").is_err());
        assert!(check_value(b"line\nbreak").is_err());
        assert!(check_value(b"del\x7f").is_err());
    }

    #[test]
    fn names_are_validated_and_errors_name_the_source() {
        assert!(SecretSource::Env("OK_NAME".into()).validate("env").is_ok());
        assert!(SecretSource::Env("".into()).validate("env").is_err());
        assert!(SecretSource::Env("A=B".into()).validate("env").is_err());
        let missing = SecretSource::Env("SECRET_BEARER_UNIT_NEVER_SET".into()).load();
        assert_eq!(
            missing.unwrap_err().to_string(),
            "environment variable `SECRET_BEARER_UNIT_NEVER_SET` is not set"
        );
    }

    #[test]
    fn an_unusable_value_is_described_not_shown() {
        let source = SecretSource::Env("X".into());
        let err = source.accept(b" SUPERSECRET").unwrap_err().to_string();
        assert!(
            err.starts_with("environment variable `X` cannot be used"),
            "{err}"
        );
        assert!(!err.contains("SUPERSECRET"), "{err}");
        assert!(source.accept(&vec![b'a'; MAX_SECRET_LEN + 1]).is_err());
    }
}
