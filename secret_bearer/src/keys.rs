//! The keys a check compares with, as a table of digests each owned by a caller: one key of a
//! primary or alternate secret, or every key of a key set. Looked up in constant time.
//!
//! Why a lookup tells nothing of the keys is argued in the crate docs, "Named keys": the
//! credential's digest picks a bucket, every bucket has the same number of slots, every slot is
//! compared, and which matched is selected in constant time.
//!
//! The table is built when the secret is read; building it depends on the digests, and is done
//! once per read, not per request.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use subtle::{Choice, ConditionallySelectable};

use crate::caller::{LastUse, Named};
use crate::clock;
use crate::digest::{Digest, STRONG_BITS};
use crate::error::{Error, ErrorKind};
use crate::json;
use crate::key_set::{self, About, Listed};
use crate::source::SecretSource;
use crate::timestamp;

/// The average number of keys per bucket: small enough that a lookup in a set of thousands of
/// keys compares a handful of digests, large enough that small sets are one bucket.
const KEYS_PER_BUCKET: usize = 4;

/// The digests of one source's keys, bucketed for constant-time lookup.
pub(crate) struct KeyTable {
    /// `buckets × width` slots.
    slots: Vec<Slot>,
    width: usize,
    /// `buckets - 1`; the number of buckets is a power of two.
    mask: u64,
    /// The callers, by the index slots hold; empty for a single key, which the check names by
    /// its role (`primary`, `alternate`).
    callers: Vec<Arc<Named>>,
    /// What the set says of each slot's key (its `id`, its expiry), by slot: read only once a
    /// key has matched, so the lookup's slots stay as small as they were.
    about: Vec<About>,
    /// The plain keys under [`STRONG_BITS`] of estimated strength.
    weak: Vec<WeakKey>,
    /// When each caller (by the index slots hold; the one key's, for a single key) was last
    /// accepted.
    uses: Vec<Arc<Used>>,
}

/// When a caller, or a key with an `id`, was last accepted: a [`clock::stamp`], 0 for never.
/// Shared with the tables a store's later reads of the same set build ([`KeyTable::adopt_uses`]),
/// so a refresh forgets no use.
#[derive(Debug, Default)]
pub(crate) struct Used(AtomicU64);

impl Used {
    /// Records a use at `stamp`, and says whether the record changed: at most once a second,
    /// so that concurrent requests seldom write the same cache line.
    fn record(&self, stamp: u64) -> bool {
        let changed = self.0.load(Ordering::Relaxed) != stamp;
        if changed {
            self.0.store(stamp, Ordering::Relaxed);
        }
        changed
    }

    fn at(&self) -> Option<SystemTime> {
        clock::wall_time(self.0.load(Ordering::Relaxed))
    }
}

/// A plain key judged weak ([`weak_key_bits`]): whose it is, and its estimated strength.
#[derive(Clone, Debug)]
pub(crate) struct WeakKey {
    /// The caller in a key set; `None` for a single key.
    pub(crate) caller: Option<Arc<str>>,
    pub(crate) bits: u32,
}

impl WeakKey {
    /// How to make a strong key, for the warning and the refusal to say.
    pub(crate) const FIX: &str = "make a strong one with `secret_bearer::generate_key` (`cargo \
                                  run --example keygen -- <prefix>`) and store its digest";

    /// The configuration error a weak key is under `strong_keys`.
    pub(crate) fn refusal(&self, source: &SecretSource) -> Error {
        const _: () = assert!(STRONG_BITS == 112, "update the message below");
        let source = source.clone();
        Error::from(match &self.caller {
            None => ErrorKind::UnusableSecret {
                source,
                reason: "`strong_keys` refuses it: it is a plain key of under 112 bits of \
                         estimated strength; make a strong one with \
                         `secret_bearer::generate_key` and store its digest",
            },
            Some(caller) => ErrorKind::UnusableKeySet {
                source,
                caller: Some(caller.to_string()),
                reason: format!(
                    "`strong_keys` refuses one of its keys: a plain key of about {} bits of \
                     estimated strength, under 112; {}",
                    self.bits,
                    Self::FIX
                ),
            },
        })
    }
}

struct Slot {
    digest: Digest,
    /// Whether the slot holds a key (padding does not).
    filled: Choice,
    caller: u32,
    /// 0 for the caller's newest key, 1 for the next, ...
    key: u32,
}

/// The answer of a lookup: whether a slot matched, and which (meaningful only if one did).
#[derive(Clone, Copy)]
pub(crate) struct Found {
    pub(crate) matched: Choice,
    pub(crate) slot: u32,
}

impl Found {
    pub(crate) fn none() -> Self {
        Self {
            matched: Choice::from(0),
            slot: 0,
        }
    }
}

impl ConditionallySelectable for Found {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Self {
            matched: Choice::conditional_select(&a.matched, &b.matched, choice),
            slot: u32::conditional_select(&a.slot, &b.slot, choice),
        }
    }
}

impl KeyTable {
    /// A table of one key, owned by caller 0, with its strength if it is a weak plain key.
    pub(crate) fn single(digest: Digest, weak_bits: Option<u32>) -> Self {
        let weak = weak_bits.map(|bits| WeakKey { caller: None, bits });
        let key = Listed {
            digest,
            caller: 0,
            position: 0,
            about: About::default(),
        };
        Self::build(vec![key], Vec::new(), weak.into_iter().collect())
    }

    /// A key set (`key_set.rs` reads the document). Every rule broken is a configuration
    /// error that names the caller, never a key.
    pub(crate) fn key_set(source: &SecretSource, value: &[u8]) -> Result<Self, Error> {
        let broken = |caller: Option<&str>, reason: &str| {
            Error::from(ErrorKind::UnusableKeySet {
                source: source.clone(),
                caller: caller.map(str::to_owned),
                reason: reason.to_owned(),
            })
        };
        // Wiped when dropped, whatever happens: the document holds keys.
        let mut document = match json::parse(value) {
            Ok(document) => document,
            // The one error about the data a strict parse raises: a name written twice.
            Err(error) if error.is_data() => return Err(broken(None, &error.to_string())),
            Err(_) => {
                return Err(broken(
                    None,
                    "it is not JSON; a key set is a JSON object of callers' keys",
                ));
            }
        };
        let set = match source.json_key() {
            Some(key) => json::node_at(&mut document, key).map_err(|why| broken(None, why))?,
            None => &mut *document,
        };
        let read = key_set::read(set).map_err(|(caller, why)| broken(caller.as_deref(), &why))?;
        if let Some((first, second)) = repeated_key(&read.keys) {
            let (first, second) = (
                &read.callers[first as usize],
                &read.callers[second as usize],
            );
            let reason = if first == second {
                "it lists the same key twice".to_owned()
            } else {
                format!("it has a key that caller {first:?} has too; give each caller its own")
            };
            return Err(broken(Some(second), &reason));
        }
        #[cfg(feature = "metrics")]
        expiry_gauges(&read);
        let weak = read.weak.into_iter().map(|(caller, bits)| WeakKey {
            caller: Some(caller),
            bits,
        });
        let callers = read.callers.into_iter().zip(read.scopes);
        let callers = callers.map(|(name, scopes)| Named::new(name, scopes));
        Ok(Self::build(read.keys, callers.collect(), weak.collect()))
    }

    /// A `Vec` that grows, and `append`, copy their elements' bytes into a new buffer and free
    /// the old one unwiped, and moving a `Digest` out of a `Vec` by value leaves its bytes in
    /// the slot, which is never dropped. So nothing here grows or moves a digest out: `keys`
    /// was allocated at its final size, `slots` is, and every digest is swapped into its slot
    /// with the empty slot's zeros. When `keys` is dropped, each of its digests is wiped
    /// (again): no freed buffer holds a digest. (Moves through the stack are the compiler's,
    /// out of reach as for every value.)
    fn build(mut keys: Vec<Listed>, callers: Vec<Arc<Named>>, weak: Vec<WeakKey>) -> Self {
        let buckets = (keys.len() / KEYS_PER_BUCKET).max(1).next_power_of_two();
        let mask = buckets as u64 - 1;
        let mut used = vec![0; buckets];
        for key in &keys {
            used[bucket(&key.digest, mask)] += 1;
        }
        let width = used.iter().copied().max().unwrap_or(0);
        let mut slots = Vec::with_capacity(buckets * width);
        slots.resize_with(buckets * width, Slot::empty);
        let mut about = vec![About::default(); buckets * width];
        let uses = (0..callers.len().max(1)).map(|_| Arc::default()).collect();
        used.fill(0);
        for key in &mut keys {
            let home = bucket(&key.digest, mask);
            let index = home * width + used[home];
            used[home] += 1;
            let slot = &mut slots[index];
            std::mem::swap(&mut slot.digest, &mut key.digest);
            slot.filled = Choice::from(1);
            (slot.caller, slot.key) = (key.caller, key.position);
            about[index] = std::mem::take(&mut key.about);
        }
        Self {
            slots,
            width,
            mask,
            callers,
            about,
            weak,
            uses,
        }
    }

    /// Records that the key in `slot` was accepted at `stamp` ([`clock::stamp`]): its caller's
    /// use, and its own if it has an `id`. Says whether the caller's record changed.
    pub(crate) fn record_use(&self, slot: u32, stamp: u64) -> bool {
        let caller = self.slots[slot as usize].caller as usize;
        if let Some(used) = &self.about[slot as usize].used {
            used.record(stamp);
        }
        self.uses.get(caller).is_some_and(|used| used.record(stamp))
    }

    /// Takes over the records of use of `before`, a table of an earlier read of the same
    /// source: a caller's by its name (a single key's, the one key's), a key's by its caller's
    /// name and its `id`. Not by place: a key's place in its list shifts at every rotation.
    pub(crate) fn adopt_uses(&mut self, before: &KeyTable) {
        if self.callers.is_empty() && before.callers.is_empty() {
            self.uses.clone_from(&before.uses);
            return;
        }
        let callers: HashMap<&str, &Arc<Used>> = before
            .callers
            .iter()
            .map(|caller| &*caller.name)
            .zip(&before.uses)
            .collect();
        for (caller, used) in self.callers.iter().zip(&mut self.uses) {
            if let Some(kept) = callers.get(&*caller.name) {
                *used = Arc::clone(kept);
            }
        }
        let keys: HashMap<(&str, &str), &Arc<Used>> = before
            .keys_with_ids()
            .map(|(caller, _, id, used)| ((caller, id), used))
            .collect();
        for (slot, about) in self.slots.iter().zip(&mut self.about) {
            let caller = self.callers.get(slot.caller as usize);
            if let (Some(caller), Some(id), Some(used)) = (caller, &about.id, &mut about.used)
                && let Some(kept) = keys.get(&(&*caller.name, &**id))
            {
                *used = Arc::clone(kept);
            }
        }
    }

    /// Each key with an `id`: its caller's name, its place in the caller's list (0 for the
    /// newest), its `id` and its record of use, by caller and then from newest to oldest.
    fn keys_with_ids(&self) -> impl Iterator<Item = (&str, u32, &str, &Arc<Used>)> {
        let mut keys: Vec<_> = self
            .slots
            .iter()
            .zip(&self.about)
            .filter_map(|(slot, about)| {
                let caller = self.callers.get(slot.caller as usize)?;
                Some((
                    (slot.caller, slot.key),
                    &*caller.name,
                    about.id.as_deref()?,
                    about.used.as_ref()?,
                ))
            })
            .collect();
        keys.sort_unstable_by_key(|(order, ..)| *order);
        keys.into_iter()
            .map(|((_, position), caller, id, used)| (caller, position, id, used))
    }

    /// When each caller, and each key with an `id`, was last accepted: each caller (named
    /// `single` for a single key) in the table's order, by name, followed by its keys with an
    /// `id`.
    pub(crate) fn last_used(&self, single: &str) -> Vec<LastUse> {
        let row = |caller: &str, key_id: Option<&str>, used: &Used| LastUse {
            caller: caller.to_owned(),
            key_id: key_id.map(str::to_owned),
            at: used.at(),
        };
        let names = self.callers.iter().map(|caller| &*caller.name);
        let mut keys = self.keys_with_ids().peekable();
        let mut rows = Vec::new();
        for (name, used) in names
            .chain((self.callers.is_empty()).then_some(single))
            .zip(&self.uses)
        {
            rows.push(row(name, None, used));
            while let Some((_, _, id, used)) = keys.next_if(|(caller, ..)| *caller == name) {
                rows.push(row(name, Some(id), used));
            }
        }
        rows
    }

    /// For the report of older keys in use: each of `caller`'s keys but its newest that has an
    /// `id`, and when it was last accepted (`never` if not since the process started), as in
    /// `"2026-q4" 2026-12-07T15:03:12Z, "2026-q3" never`.
    pub(crate) fn older_keys_of(&self, caller: &str) -> String {
        let described = self
            .keys_with_ids()
            .filter(|(name, position, ..)| *name == caller && *position > 0)
            .map(|(_, _, id, used)| match used.at() {
                Some(at) => format!("{id:?} {}", timestamp::format(at)),
                None => format!("{id:?} never"),
            });
        described.collect::<Vec<_>>().join(", ")
    }

    /// The slot whose digest is `presented`, if any: every slot of its bucket is compared.
    pub(crate) fn find(&self, presented: &Digest) -> Found {
        let start = bucket(presented, self.mask) * self.width;
        let mut found = Found::none();
        for (index, slot) in (start as u32..).zip(&self.slots[start..start + self.width]) {
            let hit = slot.digest.matches(presented) & slot.filled;
            found.slot.conditional_assign(&index, hit);
            found.matched |= hit;
        }
        found
    }

    /// The caller (`None` for a single key), whether the slot holds its newest key, and what
    /// the set says of the key.
    pub(crate) fn owner(&self, slot: u32) -> (Option<&Arc<Named>>, bool, &About) {
        let (index, slot) = (slot as usize, &self.slots[slot as usize]);
        let caller = self.callers.get(slot.caller as usize);
        (caller, slot.key == 0, &self.about[index])
    }

    /// The plain keys under 112 bits of estimated strength.
    pub(crate) fn weak(&self) -> &[WeakKey] {
        &self.weak
    }

    /// Every stored digest, for the memcheck probe to mark secret.
    pub(crate) fn digests(&self) -> impl Iterator<Item = &Digest> {
        self.slots.iter().map(|slot| &slot.digest)
    }
}

impl Slot {
    fn empty() -> Self {
        Self {
            digest: Digest::zero(),
            filled: Choice::from(0),
            caller: 0,
            key: 0,
        }
    }
}

/// With `metrics`, each caller's earliest expiry (its own `expires` or a key's), as seconds
/// since the Unix epoch: `secret_bearer_caller_expiry_timestamp_seconds{caller}`, set as the set
/// is read (a dashboard subtracts the time; the crate runs no timer).
#[cfg(feature = "metrics")]
fn expiry_gauges(read: &key_set::Document) {
    let mut earliest = vec![None; read.callers.len()];
    for key in &read.keys {
        let kept = &mut earliest[key.caller as usize];
        *kept = key_set::earlier(*kept, key.about.expires);
    }
    for (name, expires) in read.callers.iter().zip(earliest) {
        let Some(expires) = expires else { continue };
        let seconds = match expires.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => after.as_secs_f64(),
            Err(before) => -before.duration().as_secs_f64(),
        };
        let caller = metrics::SharedString::from(Arc::clone(name));
        metrics::gauge!("secret_bearer_caller_expiry_timestamp_seconds", "caller" => caller)
            .set(seconds);
    }
}

/// The bucket of a digest: its first bits, which say nothing of a key.
fn bucket(digest: &Digest, mask: u64) -> usize {
    (digest.leading_u64() & mask) as usize
}

/// The callers (by index, perhaps one twice) of a key listed twice, if any: so that a key
/// names one caller and one place in its list. Sorted by digest, equal digests are neighbours.
/// Configuration, read once: not compared in constant time.
fn repeated_key(keys: &[Listed]) -> Option<(u32, u32)> {
    let mut order: Vec<&Listed> = keys.iter().collect();
    order.sort_by(|a, b| a.digest.as_bytes().cmp(b.digest.as_bytes()));
    order.windows(2).find_map(|pair| {
        let (a, b) = (pair[0], pair[1]);
        let (first, second) = (a.caller.min(b.caller), a.caller.max(b.caller));
        (a.digest.as_bytes() == b.digest.as_bytes()).then_some((first, second))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> SecretSource {
        SecretSource::env("API_KEYS")
    }

    fn lookup(table: &KeyTable, credential: &str) -> Option<(String, bool)> {
        let found = table.find(&Digest::of(credential.as_bytes()));
        bool::from(found.matched).then(|| {
            let (name, newest, _) = table.owner(found.slot);
            (
                name.map_or_else(String::new, |caller| caller.name.to_string()),
                newest,
            )
        })
    }

    #[test]
    fn a_key_set_finds_each_callers_keys_and_nothing_else() {
        let hashed = Digest::of(b"BOBKEY").stored_form();
        let value = format!(r#"{{"alice": "ALICEKEY", "bob": ["{hashed}", "BOBOLD"]}}"#);
        let table = KeyTable::key_set(&source(), value.as_bytes()).unwrap();
        assert_eq!(lookup(&table, "ALICEKEY"), Some(("alice".into(), true)));
        assert_eq!(lookup(&table, "BOBKEY"), Some(("bob".into(), true)));
        assert_eq!(lookup(&table, "BOBOLD"), Some(("bob".into(), false)));
        assert_eq!(lookup(&table, "alicekey"), None);
        assert_eq!(lookup(&table, hashed.as_str()), None);
    }

    #[test]
    fn a_thousand_callers_are_bucketed_and_all_found() {
        let set: serde_json::Map<String, serde_json::Value> = (0..1000)
            .map(|n| (format!("caller{n}"), format!("KEY-{n}").into()))
            .collect();
        let value = serde_json::to_vec(&set).unwrap();
        let table = KeyTable::key_set(&source(), &value).unwrap();
        assert_eq!(table.mask, 255);
        assert!(table.width < 20, "{}", table.width);
        for n in [0, 1, 499, 999] {
            assert_eq!(
                lookup(&table, &format!("KEY-{n}")),
                Some((format!("caller{n}"), true))
            );
        }
        assert_eq!(lookup(&table, "KEY-1000"), None);
        // Each key in one slot; the padding is empty and holds no digest.
        let (keys, padding): (Vec<_>, Vec<_>) =
            table.slots.iter().partition(|slot| bool::from(slot.filled));
        assert_eq!(keys.len(), 1000);
        assert!(
            padding
                .iter()
                .all(|slot| slot.digest.as_bytes() == &[0; 32])
        );
    }

    #[test]
    fn every_broken_rule_names_the_caller_and_never_a_key() {
        let hashed = Digest::of(b"SHARED").stored_form();
        for (value, caller, reason) in [
            ("not json", None, "not JSON"),
            (r#"["ALICEKEY"]"#, None, "not a JSON object"),
            ("{}", None, "names no caller"),
            (r#"{"": "ALICEKEY"}"#, Some(""), "empty or whitespace"),
            (r#"{" ": "ALICEKEY"}"#, Some(" "), "empty or whitespace"),
            (r#"{"a\nb": "ALICEKEY"}"#, Some("a\nb"), "control"),
            (r#"{"alice ": "ALICEKEY"}"#, Some("alice "), "start or end"),
            (
                r#"{"al\u200bice": "ALICEKEY"}"#,
                Some("al\u{200b}ice"),
                "invisible",
            ),
            (r#"{"alice": 5}"#, Some("alice"), "non-empty list"),
            (r#"{"alice": []}"#, Some("alice"), "non-empty list"),
            (
                r#"{"alice": "ALICEKEY", "alice": ["NEW", "ALICEKEY"]}"#,
                None,
                "the name \"alice\" is written twice in it",
            ),
            (
                r#"{"alice": ["ALICEKEY", 5]}"#,
                Some("alice"),
                "non-empty list",
            ),
            (r#"{"alice": " ALICEKEY"}"#, Some("alice"), "whitespace"),
            (
                r#"{"alice": "sha256:abc"}"#,
                Some("alice"),
                "64 hexadecimal",
            ),
            (
                &format!(r#"{{"alice": "SHARED", "bob": ["NEW", "{hashed}"]}}"#),
                Some("bob"),
                "caller \"alice\" has too",
            ),
            (
                &format!(r#"{{"alice": ["SHARED", "{hashed}"]}}"#),
                Some("alice"),
                "the same key twice",
            ),
            (
                r#"{"alice": {"keys": "ALICEKEY", "ALICEKEY": 1}}"#,
                Some("alice"),
                "a field it does not know: a caller's object has `keys`",
            ),
            (
                r#"{"alice": ["NEW", {"key": "ALICEKEY", "expiry": "2027-01-01T00:00:00Z"}]}"#,
                Some("alice"),
                "a field it does not know: a key's object has `key`",
            ),
            (
                r#"{"alice": {"scopes": ["a"]}}"#,
                Some("alice"),
                "or an object with `keys`",
            ),
            (
                r#"{"alice": {"keys": []}}"#,
                Some("alice"),
                "non-empty list",
            ),
            (
                r#"{"alice": [{"id": "a"}]}"#,
                Some("alice"),
                "its `key` is the key, a string",
            ),
            (
                r#"{"alice": {"keys": "ALICEKEY", "expires": "2027-01-01"}}"#,
                Some("alice"),
                "an `expires` in it is not an RFC 3339 date and time with an offset",
            ),
            (
                r#"{"alice": [{"key": "ALICEKEY", "expires": 1798761600}]}"#,
                Some("alice"),
                "an `expires` in it is not an RFC 3339",
            ),
            (
                r#"{"alice": {"keys": "ALICEKEY", "scopes": "invoices:read"}}"#,
                Some("alice"),
                "`scopes` is a list of scopes",
            ),
            (
                r#"{"alice": {"keys": "ALICEKEY", "scopes": ["invoices read"]}}"#,
                Some("alice"),
                "`scopes` is a list of scopes",
            ),
            (
                r#"{"alice": {"keys": "ALICEKEY", "scopes": ["a\b"]}}"#,
                Some("alice"),
                "`scopes` is a list of scopes",
            ),
            (
                r#"{"alice": {"keys": "ALICEKEY", "scopes": ["a", "b", "a"]}}"#,
                Some("alice"),
                "`scopes` lists \"a\" twice",
            ),
            (
                r#"{"alice": [{"key": "ALICEKEY", "id": "q 4"}]}"#,
                Some("alice"),
                "a key's `id` is 1 to 64",
            ),
            (
                r#"{"alice": [{"key": "NEW", "id": "q4"}, {"key": "ALICEKEY", "id": "q4"}]}"#,
                Some("alice"),
                "two of its keys have the `id` \"q4\"",
            ),
        ] {
            let Err(error) = KeyTable::key_set(&source(), value.as_bytes()) else {
                panic!("{value} was accepted");
            };
            let ErrorKind::UnusableKeySet {
                caller: named,
                reason: why,
                ..
            } = error.kind()
            else {
                panic!("{value}: {error}");
            };
            assert_eq!(named.as_deref(), caller, "{value}");
            assert!(why.contains(reason), "{value}: {why}");
            for key in ["ALICEKEY", "SHARED", "NEW"] {
                assert!(!why.contains(key), "{why}");
            }
        }
    }

    #[test]
    fn every_form_is_read_with_its_id_and_the_earlier_expiry() {
        let at = |text| crate::timestamp::parse(text).unwrap();
        let value = r#"{
            "plain": "PLAINKEY",
            "listed": ["LISTNEW", {"key": "LISTOLD", "id": "2026-q4",
                                   "expires": "2027-01-15T00:00:00Z"}],
            "object": {"keys": ["OBJNEW", {"key": "OBJOLD", "expires": "2028-01-01T00:00:00Z"}],
                       "scopes": ["invoices:read", "admin"], "expires": "2027-06-30T00:00:00Z"},
            "one": {"keys": "ONEKEY"}
        }"#;
        let table = KeyTable::key_set(&source(), value.as_bytes()).unwrap();
        let about = |credential: &str| {
            let found = table.find(&Digest::of(credential.as_bytes()));
            assert!(bool::from(found.matched), "{credential}");
            let (name, newest, about) = table.owner(found.slot);
            (
                name.unwrap().name.to_string(),
                newest,
                about.id.clone(),
                about.expires,
            )
        };
        assert_eq!(about("PLAINKEY"), ("plain".into(), true, None, None));
        assert_eq!(about("LISTNEW"), ("listed".into(), true, None, None));
        let old = (Some(Arc::from("2026-q4")), Some(at("2027-01-15T00:00:00Z")));
        assert_eq!(about("LISTOLD"), ("listed".into(), false, old.0, old.1));
        // A caller's expiry is each of its keys', unless the key's own comes first.
        let caller = Some(at("2027-06-30T00:00:00Z"));
        assert_eq!(about("OBJNEW"), ("object".into(), true, None, caller));
        assert_eq!(about("OBJOLD"), ("object".into(), false, None, caller));
        assert_eq!(about("ONEKEY"), ("one".into(), true, None, None));
        assert_eq!(lookup(&table, "2026-q4"), None);
    }

    #[test]
    fn uses_are_recorded_once_a_second_and_carried_over_by_name_and_id() {
        let slot = |table: &KeyTable, key: &str| table.find(&Digest::of(key.as_bytes())).slot;
        let single = KeyTable::single(Digest::of(b"KEY"), None);
        assert!(single.record_use(slot(&single, "KEY"), 5));
        assert!(
            !single.record_use(slot(&single, "KEY"), 5),
            "the same second"
        );
        assert!(single.record_use(slot(&single, "KEY"), 6));
        let mut rotated = KeyTable::single(Digest::of(b"NEWKEY"), None);
        rotated.adopt_uses(&single);
        let rows = rotated.last_used("primary");
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].caller.as_str(), rows[0].at),
            ("primary", clock::wall_time(6))
        );
        let set = |value: &str| KeyTable::key_set(&source(), value.as_bytes()).unwrap();
        let before = set(r#"{"a": ["A1", {"key": "A2", "id": "x"}], "b": "B1"}"#);
        before.record_use(slot(&before, "A2"), 7);
        // `x` moves to the front, `a` gets a key without an id, `b` goes and `c` comes.
        let mut after = set(r#"{"a": [{"key": "A3", "id": "x"}, "A4"], "c": "C1"}"#);
        after.adopt_uses(&before);
        let rows: Vec<_> = after
            .last_used("")
            .into_iter()
            .map(|row| (row.caller, row.key_id, row.at))
            .collect();
        let at = clock::wall_time(7);
        assert_eq!(
            rows,
            [
                ("a".to_owned(), None, at),
                ("a".to_owned(), Some("x".to_owned()), at),
                ("c".to_owned(), None, None),
            ]
        );
        assert_eq!(after.older_keys_of("a"), "");
        assert_eq!(
            before.older_keys_of("a"),
            format!("\"x\" {}", crate::timestamp::format(at.unwrap()))
        );
        assert_eq!(
            set(r#"{"a": ["A1", {"key": "A2", "id": "x"}]}"#).older_keys_of("a"),
            "\"x\" never"
        );
    }

    #[test]
    fn a_single_key_has_no_name() {
        let table = KeyTable::single(Digest::of(b"KEY"), None);
        assert_eq!(lookup(&table, "KEY"), Some((String::new(), true)));
        assert_eq!(lookup(&table, "KEY2"), None);
    }
}
