//! [`SecretBearer`]: one configuration of the check, and the check itself.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::rejection::{AuthError, AuthErrorKind};
use crate::response::Challenges;
use crate::secret::{MAX_SECRET_LEN, Secrets};
use crate::{Error, SecretSource};

/// The scheme name documentation uses when none is given.
pub const DEFAULT_DOC_NAME: &str = "ApiKey";

/// Static-secret authentication: where the secrets live, the header prefix, and the check.
///
/// Build one with [`SecretBearer::builder`]; it is what `#[secret_bearer(...)]` builds for each
/// handler. Cloning is cheap and clones share the secrets, which are read once, the first time
/// a request (or [`SecretBearer::resolve`]) needs them.
///
/// ```
/// use secret_bearer::SecretBearer;
///
/// let bearer = SecretBearer::builder()
///     .env("MY_AUTH_SECRET")
///     .alt_env("MY_OLD_SECRET")
///     .prefix("Bearer ")
///     .build()?;
/// assert_eq!(bearer.prefix(), "Bearer ");
/// # Ok::<(), secret_bearer::Error>(())
/// ```
#[derive(Clone)]
pub struct SecretBearer {
    inner: Arc<Inner>,
}

struct Inner {
    primary: SecretSource,
    alternate: Option<SecretSource>,
    prefix: Cow<'static, str>,
    doc_name: Option<Cow<'static, str>>,
    challenges: Challenges,
    secrets: OnceLock<Result<Secrets, Error>>,
}

impl SecretBearer {
    /// Starts a configuration; see [`SecretBearerBuilder`].
    pub fn builder() -> SecretBearerBuilder {
        SecretBearerBuilder::default()
    }

    /// Checks the values of a request's `Authorization` header(s).
    ///
    /// The secrets are resolved first, so a misconfiguration fails every request the same way,
    /// with or without a header. Then: exactly one header; its first `prefix().len()` bytes equal
    /// the prefix, ignoring ASCII case; the rest, verbatim, is a non-empty credential of at most
    /// [`MAX_SECRET_LEN`] bytes that equals the primary or the alternate secret, compared in
    /// constant time.
    pub fn check<'a>(
        &self,
        authorization: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<(), AuthError> {
        let secrets = self
            .secrets()
            .map_err(|error| AuthError::fail_closed(error.clone()))?;
        let mut values = authorization.into_iter();
        let value = match (values.next(), values.next()) {
            (Some(value), None) => value,
            (None, _) => return Err(self.reject(AuthErrorKind::MissingCredential)),
            (Some(_), Some(_)) => return Err(self.reject(AuthErrorKind::MultipleCredentials)),
        };
        let credential = strip_prefix_ignore_ascii_case(value, self.inner.prefix.as_bytes())
            .ok_or_else(|| self.reject(AuthErrorKind::WrongPrefix))?;
        if credential.is_empty() {
            return Err(self.reject(AuthErrorKind::EmptyCredential));
        }
        if credential.len() > MAX_SECRET_LEN {
            return Err(self.reject(AuthErrorKind::CredentialTooLong));
        }
        if bool::from(secrets.ct_matches(credential)) {
            Ok(())
        } else {
            Err(self.reject(AuthErrorKind::WrongCredential))
        }
    }

    /// Reads the secrets now, if no request has yet, and reports whether they are usable.
    ///
    /// Call it at start-up to refuse to start with a configuration that would answer every
    /// request with a 500.
    pub fn resolve(&self) -> Result<(), Error> {
        self.secrets().map(|_| ()).map_err(Clone::clone)
    }

    /// The text expected before the secret in the header (`""` for none).
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The security scheme's name in generated documentation; `None` leaves it undocumented.
    pub fn doc_name(&self) -> Option<&str> {
        self.inner.doc_name.as_deref()
    }

    /// Where the primary secret comes from.
    pub fn primary_source(&self) -> &SecretSource {
        &self.inner.primary
    }

    /// Where the alternate secret, accepted during a rotation, comes from.
    pub fn alternate_source(&self) -> Option<&SecretSource> {
        self.inner.alternate.as_ref()
    }

    // Sources are read once: a process's environment does not change under it, and rotation is
    // what the alternate secret is for.
    fn secrets(&self) -> Result<&Secrets, &Error> {
        let inner = &*self.inner;
        let loaded = inner.secrets.get_or_init(|| {
            Ok(Secrets {
                primary: inner.primary.load()?,
                alternate: inner
                    .alternate
                    .as_ref()
                    .map(SecretSource::load)
                    .transpose()?,
            })
        });
        loaded.as_ref()
    }

    fn reject(&self, kind: AuthErrorKind) -> AuthError {
        AuthError::unauthenticated(kind, &self.inner.challenges)
    }
}

impl fmt::Debug for SecretBearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("SecretBearer")
            .field("primary", &inner.primary)
            .field("alternate", &inner.alternate)
            .field("prefix", &inner.prefix)
            .field("doc_name", &inner.doc_name)
            .finish_non_exhaustive()
    }
}

fn strip_prefix_ignore_ascii_case<'a>(value: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let (head, rest) = value.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(rest)
}

/// Configures a [`SecretBearer`]; the methods mirror the attribute's keys.
#[derive(Clone, Debug)]
#[must_use]
pub struct SecretBearerBuilder {
    primary: Option<SecretSource>,
    alternate: Option<SecretSource>,
    prefix: Cow<'static, str>,
    doc_name: Cow<'static, str>,
}

impl Default for SecretBearerBuilder {
    fn default() -> Self {
        Self {
            primary: None,
            alternate: None,
            prefix: Cow::Borrowed(""),
            doc_name: Cow::Borrowed(DEFAULT_DOC_NAME),
        }
    }
}

impl SecretBearerBuilder {
    /// The primary secret is the value of this environment variable (`env` in the attribute).
    pub fn env(self, name: impl Into<Cow<'static, str>>) -> Self {
        self.primary(SecretSource::Env(name.into()))
    }

    /// An alternate secret, accepted beside the primary during a rotation and never sent by
    /// clients, is the value of this environment variable (`alt_env` in the attribute).
    pub fn alt_env(self, name: impl Into<Cow<'static, str>>) -> Self {
        self.alternate(SecretSource::Env(name.into()))
    }

    /// Where the primary secret comes from.
    pub fn primary(mut self, source: SecretSource) -> Self {
        self.primary = Some(source);
        self
    }

    /// Where the alternate secret comes from.
    pub fn alternate(mut self, source: SecretSource) -> Self {
        self.alternate = Some(source);
        self
    }

    /// Text that must come before the secret in the header, matched ignoring ASCII case. No
    /// space is implied: for `Authorization: Bearer <secret>`, pass `"Bearer "`.
    pub fn prefix(mut self, prefix: impl Into<Cow<'static, str>>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The security scheme's name in generated documentation (default [`DEFAULT_DOC_NAME`]);
    /// `""` leaves it undocumented.
    pub fn doc(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.doc_name = name.into();
        self
    }

    /// Validates the settings. Secrets are not read yet: see [`SecretBearer::resolve`].
    pub fn build(self) -> Result<SecretBearer, Error> {
        let primary = self.primary.ok_or(Error::NoPrimarySource)?;
        primary.validate("env")?;
        if let Some(alternate) = &self.alternate {
            alternate.validate("alt_env")?;
        }
        if !self
            .prefix
            .bytes()
            .all(|byte| byte.is_ascii_graphic() || byte == b' ')
        {
            return Err(Error::InvalidSetting {
                setting: "prefix",
                reason: "a prefix must be printable ASCII",
            });
        }
        if self.prefix.starts_with(' ') {
            // HTTP strips a header value's leading spaces: such a prefix could never match.
            return Err(Error::InvalidSetting {
                setting: "prefix",
                reason: "a prefix cannot start with a space",
            });
        }
        let doc_name = (!self.doc_name.is_empty()).then_some(self.doc_name);
        let openapi_name = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_');
        if doc_name
            .as_ref()
            .is_some_and(|name| !name.bytes().all(openapi_name))
        {
            return Err(Error::InvalidSetting {
                setting: "doc",
                reason: "an OpenAPI security scheme name uses only A-Z, a-z, 0-9, `.`, `-` and `_`",
            });
        }
        Ok(SecretBearer {
            inner: Arc::new(Inner {
                challenges: Challenges::for_prefix(&self.prefix),
                primary,
                alternate: self.alternate,
                prefix: self.prefix,
                doc_name,
                secrets: OnceLock::new(),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_reports_a_misconfiguration_at_start_up() {
        let missing = SecretBearer::builder()
            .env("SB_UNIT_UNSET_RESOLVE")
            .build()
            .unwrap();
        let expected = SecretSource::Env("SB_UNIT_UNSET_RESOLVE".into());
        assert_eq!(
            missing.resolve(),
            Err(Error::MissingSecret { source: expected })
        );
        // Checking a request reports the same error, and a missing header changes nothing.
        let refused = missing.check([]).unwrap_err();
        assert!(matches!(
            refused.kind(),
            AuthErrorKind::Misconfigured(Error::MissingSecret { .. })
        ));
    }

    #[test]
    fn the_builder_refuses_what_the_attribute_refuses() {
        let invalid = |builder: SecretBearerBuilder| builder.build().unwrap_err();
        assert_eq!(invalid(SecretBearer::builder()), Error::NoPrimarySource);
        for (builder, setting) in [
            (SecretBearer::builder().env(""), "env"),
            (SecretBearer::builder().env("A=B"), "env"),
            (SecretBearer::builder().env("A").alt_env("B\0"), "alt_env"),
            (
                SecretBearer::builder().env("A").prefix("Bearer\n"),
                "prefix",
            ),
            (SecretBearer::builder().env("A").prefix("Bé "), "prefix"),
            (SecretBearer::builder().env("A").prefix(" Bearer"), "prefix"),
            (SecretBearer::builder().env("A").doc("Api Key"), "doc"),
        ] {
            let error = invalid(builder);
            assert!(
                matches!(error, Error::InvalidSetting { setting: s, .. } if s == setting),
                "{setting}: {error}"
            );
        }
        let undocumented = SecretBearer::builder().env("A").doc("").build().unwrap();
        assert_eq!(undocumented.doc_name(), None);
        assert_eq!(
            SecretBearer::builder().env("A").build().unwrap().doc_name(),
            Some("ApiKey")
        );
    }

    #[test]
    fn prefixes_compare_ignoring_ascii_case_only() {
        assert_eq!(
            strip_prefix_ignore_ascii_case(b"BEARER x", b"Bearer "),
            Some(&b"x"[..])
        );
        assert_eq!(strip_prefix_ignore_ascii_case(b"Bearer", b"Bearer "), None);
        assert_eq!(strip_prefix_ignore_ascii_case(b"x", b""), Some(&b"x"[..]));
        // The Kelvin sign is not an ASCII `K`.
        assert_eq!(
            strip_prefix_ignore_ascii_case("\u{212a}ey x".as_bytes(), b"Key "),
            None
        );
    }

    /// A variable only this test module sets, so its value is known and unique.
    fn bearer_with_secret(
        variable: &'static str,
        secret: &str,
        prefix: &'static str,
    ) -> SecretBearer {
        // SAFETY: std serialises its own environment accesses, and nothing in this test binary
        // reads the environment outside std.
        unsafe { std::env::set_var(variable, secret) };
        SecretBearer::builder()
            .env(variable)
            .prefix(prefix)
            .build()
            .unwrap()
    }

    #[test]
    fn every_refusal_names_its_reason() {
        let bearer = bearer_with_secret("SB_UNIT_CHECK_REASONS", "s3cret-value", "Bearer ");
        let kind = |headers: &[&[u8]]| {
            bearer
                .check(headers.iter().copied())
                .map_err(|e| e.kind().clone())
        };
        let too_long = [b"Bearer ".as_slice(), &[b'a'; MAX_SECRET_LEN + 1]].concat();
        let at_cap = [b"Bearer ".as_slice(), &[b'a'; MAX_SECRET_LEN]].concat();
        assert_eq!(kind(&[b"Bearer s3cret-value"]), Ok(()));
        assert_eq!(kind(&[b"bEARER s3cret-value"]), Ok(()));
        assert_eq!(kind(&[]), Err(AuthErrorKind::MissingCredential));
        assert_eq!(
            kind(&[b"Bearer s3cret-value", b"Bearer s3cret-value"]),
            Err(AuthErrorKind::MultipleCredentials)
        );
        assert_eq!(kind(&[b"s3cret-value"]), Err(AuthErrorKind::WrongPrefix));
        assert_eq!(kind(&[b"Bearer"]), Err(AuthErrorKind::WrongPrefix));
        assert_eq!(kind(&[b"Bearer "]), Err(AuthErrorKind::EmptyCredential));
        assert_eq!(kind(&[&too_long]), Err(AuthErrorKind::CredentialTooLong));
        assert_eq!(kind(&[&at_cap]), Err(AuthErrorKind::WrongCredential));
        assert_eq!(
            kind(&[b"Bearer s3cret-valuE"]),
            Err(AuthErrorKind::WrongCredential)
        );
        assert_eq!(
            kind(&[b"Bearer s3cret-value "]),
            Err(AuthErrorKind::WrongCredential)
        );
    }

    #[test]
    fn debug_output_names_sources_and_never_values() {
        let bearer = bearer_with_secret("SB_UNIT_DEBUG", "a-value-debug-must-hide", "Bearer ");
        bearer.resolve().unwrap();
        let shown = format!("{bearer:?}");
        assert!(shown.contains("\"SB_UNIT_DEBUG\""), "{shown}");
        assert!(!shown.contains("a-value-debug-must-hide"), "{shown}");
    }
}
