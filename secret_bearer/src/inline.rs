//! The provider of handlers written with their keys (`#[secret_bearer(env = "...")]` on each):
//! one type per configuration, not per handler, so that handlers written with the same keys and
//! the same parameter types share one parameter type, and the server's extraction code is
//! compiled once for all of them, as for handlers naming one bearer.
//!
//! A procedural macro keeps nothing from one call to the next, so the attribute cannot define a
//! type once per configuration. It names [`Inline<HASH>`] instead, `HASH` being its hash of the
//! configuration (its settings in a canonical order), and lists the configuration under that
//! hash ([`InlineHandler`]). Two attributes with the same keys write the same type. Rust has no
//! storage per instantiation of a generic type, so the bearers live in one table, built from
//! that list the first time any of them is asked for; a request then finds its bearer by the
//! hash, a constant of its code: one probe of a small open-addressed table.

use std::sync::OnceLock;

use crate::__private::{Key, Spec};
use crate::bearer::SecretBearer;
use crate::error::{Error, ErrorKind};
use crate::guard::NamedBearer;

/// The provider of every handler written with the keys whose hash is `HASH`.
pub enum Inline<const HASH: u64> {}

// Not offered to a user whose type is not a named bearer as the one type that is.
#[diagnostic::do_not_recommend]
impl<const HASH: u64> NamedBearer for Inline<HASH> {
    #[inline]
    fn bearer() -> Result<&'static SecretBearer, Error> {
        bearer(HASH)
    }
}

/// A handler written with its keys, listed (with the module that defines it) for
/// [`resolve_all!`](crate::resolve_all) and for the table of inline bearers. Every such handler
/// lists its configuration: the attribute cannot know whether another did.
pub struct InlineHandler {
    /// `module_path!()` where the handler is defined.
    pub module: &'static str,
    /// The attribute's hash of `spec` (and `named`): the `HASH` of the handler's [`Inline`]
    /// provider.
    pub hash: u64,
    /// The handler's settings, in the attribute's canonical order; beside a named bearer, only
    /// its `scopes`.
    pub spec: Spec,
    /// The named bearer a handler's `scopes` stand beside (`#[secret_bearer(Keys, scopes =
    /// [..])]`): its `NamedBearer::bearer`.
    pub named: Option<fn() -> Result<&'static SecretBearer, Error>>,
}

inventory::collect!(InlineHandler);

/// The bearer of the handlers whose keys hash to `hash`, built (with every other inline bearer)
/// the first time one is asked for.
#[inline]
pub(crate) fn bearer(hash: u64) -> Result<&'static SecretBearer, Error> {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE
        .get_or_init(|| Table::new(inventory::iter::<InlineHandler>))
        .find(hash)
}

/// Each configuration's bearer, at the slot its hash picks (or the next free one): a power of
/// two of slots, at least twice as many as configurations, so that a lookup is one probe.
struct Table {
    slots: Box<[Option<Slot>]>,
}

struct Slot {
    hash: u64,
    /// `Err` if the builder refuses the settings (the attribute checked them by the same
    /// rules, so not expected), or if two different configurations share the hash.
    bearer: Result<SecretBearer, Error>,
}

impl Table {
    fn new<'a>(handlers: impl IntoIterator<Item = &'a InlineHandler>) -> Self {
        // One entry per hash: the first configuration listed under it, and whether another,
        // different one was.
        let mut configurations: Vec<(u64, &InlineHandler, bool)> = Vec::new();
        for handler in handlers {
            match configurations
                .iter_mut()
                .find(|(hash, ..)| *hash == handler.hash)
            {
                Some((_, first, clash)) => *clash |= !same_configuration(first, handler),
                None => configurations.push((handler.hash, handler, false)),
            }
        }
        let len = (configurations.len() * 2).next_power_of_two();
        let mut slots: Box<[Option<Slot>]> = (0..len).map(|_| None).collect();
        let mut bases = Bases::default();
        for (hash, handler, clash) in configurations {
            let bearer = match clash {
                false => bases.bearer(handler),
                // Both configurations' handlers fail closed, rather than one checking with the
                // other's keys.
                true => Err(Error::from(ErrorKind::InvalidSetting {
                    setting: None,
                    reason: format!(
                        "two different `#[secret_bearer(..)]` configurations have the same \
                         hash ({hash:#018x}); give one of them a named bearer"
                    ),
                })),
            };
            let mut index = slot(hash, len);
            while slots[index].is_some() {
                index = (index + 1) & (len - 1);
            }
            slots[index] = Some(Slot { hash, bearer });
        }
        Self { slots }
    }

    /// The slot of `hash`, found from where it starts; the table always has a free slot, which
    /// ends the search for a hash it does not hold.
    #[inline]
    fn find(&'static self, hash: u64) -> Result<&'static SecretBearer, Error> {
        let len = self.slots.len();
        let mut index = slot(hash, len);
        loop {
            match &self.slots[index] {
                Some(slot) if slot.hash == hash => {
                    return slot.bearer.as_ref().map_err(Error::clone);
                }
                Some(_) => index = (index + 1) & (len - 1),
                None => return Err(unlisted(hash)),
            }
        }
    }
}

/// Whether two handlers listed under one hash have one configuration. Two named bearers are
/// told apart by the address of their `bearer` functions: each is one function of the crate
/// that defines it, so one bearer has one address; were one ever seen at two, its handlers
/// would fail closed, never check with another's keys.
fn same_configuration(a: &InlineHandler, b: &InlineHandler) -> bool {
    let named = match (a.named, b.named) {
        (Some(a), Some(b)) => std::ptr::fn_addr_eq(a, b),
        (a, b) => a.is_none() && b.is_none(),
    };
    named && a.spec.0 == b.spec.0
}

/// The bearers that configurations differing only in the `scopes` they require are derived
/// from, built once each: so that a handler requiring `admin` and one requiring nothing, with
/// the same keys, share one bearer's cache, reports and record of use.
type Settings = Vec<(Key, &'static str)>;

#[derive(Default)]
struct Bases {
    built: Vec<(Settings, Result<SecretBearer, Error>)>,
}

impl Bases {
    fn bearer(&mut self, handler: &InlineHandler) -> Result<SecretBearer, Error> {
        let (scopes, keys): (Vec<_>, Vec<_>) = handler
            .spec
            .0
            .iter()
            .partition(|(key, _)| *key == Key::Scopes);
        let base = match handler.named {
            Some(named) => named().cloned(),
            None => self.base(keys),
        }?;
        match scopes.first() {
            Some((_, scopes)) => base.requiring(scopes),
            None => Ok(base),
        }
    }

    fn base(&mut self, keys: Settings) -> Result<SecretBearer, Error> {
        if let Some((_, built)) = self.built.iter().find(|(spec, _)| *spec == keys) {
            return built.clone();
        }
        let built = crate::__private::build(&keys);
        self.built.push((keys, built.clone()));
        built
    }
}

/// Where the search for `hash` starts, in a table of `len` slots (a power of two).
#[inline]
fn slot(hash: u64, len: usize) -> usize {
    // Truncating keeps the hash's low bits, which is all the mask keeps anyway.
    (hash as usize) & (len - 1)
}

/// A provider whose configuration no handler listed: its handler answers 500 (fail closed).
/// Only a hand-written `Inline` type, or a platform where `inventory` lists nothing, gets here.
#[cold]
fn unlisted(hash: u64) -> Error {
    Error::from(ErrorKind::InvalidSetting {
        setting: None,
        reason: format!(
            "no handler listed the `#[secret_bearer(..)]` configuration of hash {hash:#018x}"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::__private::Key;

    fn handler(hash: u64, spec: &'static [(Key, &'static str)]) -> InlineHandler {
        InlineHandler {
            module: "tests",
            hash,
            spec: Spec(spec),
            named: None,
        }
    }

    fn table(handlers: Vec<InlineHandler>) -> &'static Table {
        let handlers: &'static [InlineHandler] = Vec::leak(handlers);
        Box::leak(Box::new(Table::new(handlers)))
    }

    #[test]
    fn handlers_with_the_same_keys_share_one_bearer() {
        const A: &[(Key, &str)] = &[(Key::Env, "A"), (Key::Prefix, "Bearer ")];
        const B: &[(Key, &str)] = &[(Key::Env, "B")];
        // Four configurations in eight slots: 4 and 12 start at slot 4, 7 and 15 at slot 7 (15
        // wraps around to slot 0).
        let table = table(vec![
            handler(4, A),
            handler(12, B),
            handler(4, A),
            handler(7, &[(Key::Env, "C")]),
            handler(15, &[(Key::Env, "D")]),
            handler(12, B),
        ]);
        assert_eq!(table.slots.len(), 8);
        let a = table.find(4).unwrap();
        assert!(std::ptr::eq(a, table.find(4).unwrap()));
        assert_eq!(a.prefix(), "Bearer ");
        let b = table.find(12).unwrap();
        assert!(!std::ptr::eq(a, b));
        assert_eq!(b.prefix(), "");
        assert!(table.find(7).is_ok());
        assert!(table.find(15).is_ok());
        assert_eq!(table.slots[0].as_ref().unwrap().hash, 15);
        // From slot 4 to the free slot 6.
        let missing = table.find(20).unwrap_err().to_string();
        assert!(missing.contains("no handler listed"), "{missing}");
    }

    #[test]
    fn configurations_differing_only_in_scopes_share_one_bearers_state() {
        const KEYS: &[(Key, &str)] = &[(Key::KeysEnv, "K"), (Key::Prefix, "Bearer ")];
        const ADMIN: &[(Key, &str)] = &[
            (Key::KeysEnv, "K"),
            (Key::Prefix, "Bearer "),
            (Key::Scopes, "admin"),
        ];
        const OTHER: &[(Key, &str)] = &[(Key::KeysEnv, "L"), (Key::Scopes, "admin")];
        let table = table(vec![handler(1, KEYS), handler(2, ADMIN), handler(3, OTHER)]);
        let (keys, admin, other) = (
            table.find(1).unwrap(),
            table.find(2).unwrap(),
            table.find(3).unwrap(),
        );
        assert!(keys.shares_state_with(admin));
        assert!(!keys.shares_state_with(other));
        assert_eq!(keys.required_scopes().map(|(scopes, _)| scopes.len()), None);
        let scopes = |bearer: &SecretBearer| bearer.required_scopes().unwrap().0.to_vec();
        assert_eq!(scopes(admin), [Box::from("admin")]);
        // Beside a named bearer, its own scopes are kept and the handler's added.
        static NAMED: crate::__private::LazyBearer =
            crate::__private::LazyBearer::new(Spec(&[(Key::KeysEnv, "K"), (Key::Scopes, "admin")]));
        let mut beside = handler(4, &[(Key::Scopes, "reports admin")]);
        beside.named = Some(|| NAMED.get());
        let table = self::table(vec![beside]);
        let derived = table.find(4).unwrap();
        assert!(derived.shares_state_with(NAMED.get().unwrap()));
        assert_eq!(scopes(derived), [Box::from("admin"), Box::from("reports")]);
    }

    #[test]
    fn two_configurations_with_one_hash_fail_closed() {
        let table = table(vec![
            handler(1, &[(Key::Env, "A")]),
            handler(1, &[(Key::Env, "B")]),
            handler(2, &[(Key::Env, "A")]),
        ]);
        let clash = table.find(1).unwrap_err().to_string();
        assert!(
            clash.contains("the same hash (0x0000000000000001)"),
            "{clash}"
        );
        assert!(table.find(2).is_ok());
    }

    #[test]
    fn an_empty_table_finds_nothing() {
        let table = table(Vec::new());
        assert_eq!(table.slots.len(), 1);
        assert!(table.find(0).is_err());
    }
}
