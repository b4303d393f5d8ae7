//! JSON documents that hold secrets (key sets, JSON secrets, Vault's answers): read strictly,
//! and wiped on every path, a parse error partway through included.
//!
//! What stays out of reach: `serde_json` unescapes a string written with escapes in a scratch
//! buffer of its own, freed unwiped, and a document's names (a map's keys, which a `Map` does
//! not let us change) are not wiped. Names are field and caller names, not secrets.

use std::fmt;
use std::ops::{Deref, DerefMut};

use secrecy::zeroize::Zeroize;
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A document, or the part of one read so far: wiped when dropped, whichever path drops it.
pub(crate) struct Wiped<T: Default + Into<Value>>(T);

impl<T: Default + Into<Value>> Wiped<T> {
    /// The whole value, no longer wiped: for the one that becomes part of a larger document.
    fn into_value(mut self) -> Value {
        std::mem::take(&mut self.0).into()
    }
}

impl<T: Default + Into<Value>> Drop for Wiped<T> {
    fn drop(&mut self) {
        // Taking the collection out moves its pointers, not the strings they point to.
        wipe(&mut std::mem::take(&mut self.0).into());
    }
}

impl<T: Default + Into<Value>> Deref for Wiped<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Default + Into<Value>> DerefMut for Wiped<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// Parses a JSON document as `serde_json::Value` does, except that an object naming a key twice
/// is refused (a data error, [`serde_json::Error::is_data`], that names the name): `serde_json`
/// keeps the last silently, and a caller or a secret written twice (an old entry left below a
/// new one) is ambiguous. The document is wiped when dropped, and so is what was read of it
/// when the parse fails.
pub(crate) fn parse(bytes: &[u8]) -> Result<Wiped<Value>, serde_json::Error> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let document = Wiped(Strict.deserialize(&mut reader)?);
    // What follows the document is an error too: checked while the document is ours to wipe
    // (`serde_json::from_slice` would drop it unwiped).
    reader.end()?;
    Ok(document)
}

/// Why a JSON key picks nothing: the source holds no value, rather than an unusable one.
pub(crate) const NO_SUCH_KEY: &str = "the JSON document has no such key";

/// The value at a dotted key of a JSON document.
pub(crate) fn node_at<'a>(
    document: &'a mut Value,
    key: &str,
) -> Result<&'a mut Value, &'static str> {
    let mut node = document;
    for name in key.split('.') {
        node = node
            .as_object_mut()
            .ok_or("a value on the JSON key's path is not an object")?
            .get_mut(name)
            .ok_or(NO_SUCH_KEY)?;
    }
    Ok(node)
}

/// Zeroes every string of a parsed document before it is freed.
fn wipe(node: &mut Value) {
    match node {
        Value::String(text) => text.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(map) => map.values_mut().for_each(wipe),
        _ => {}
    }
}

/// Reads one value of a document: the seed of [`parse`], and of every value inside it.
#[derive(Clone, Copy)]
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(value.into())
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(value.into())
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(value.into())
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(value.into())
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(value.into())
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(value.into())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        // Growing the list moves its items' pointers, never their strings' bytes.
        let mut list = Wiped(Vec::new());
        while let Some(item) = items.next_element_seed(self)? {
            list.push(item);
        }
        Ok(list.into_value())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let mut object = Wiped(Map::new());
        while let Some(name) = entries.next_key::<String>()? {
            // Refused before its value is read: the second value is never held.
            if object.contains_key(&name) {
                return Err(A::Error::custom(format_args!(
                    "the name {name:?} is written twice in it"
                )));
            }
            let value = entries.next_value_seed(self)?;
            object.insert(name, value);
        }
        Ok(object.into_value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_read_as_serde_json_reads_it_but_a_name_twice_is_refused() {
        let text = r#"{"a": [1, -2, 3.5, true, null, "x\n"], "b": {"c": "d"}}"#;
        let expected: Value = serde_json::from_str(text).unwrap();
        assert_eq!(*parse(text.as_bytes()).unwrap(), expected);
        for (text, duplicate) in [
            (r#"{"a": 1, "a": 2}"#, r#""a""#),
            (r#"{"x": [{"b": "SECRET", "b": "OTHER"}]}"#, r#""b""#),
        ] {
            let error = parse(text.as_bytes()).err().unwrap();
            assert!(error.is_data(), "{text}");
            let reason = error.to_string();
            assert!(reason.contains(&format!("the name {duplicate} is written twice")));
            assert!(
                !reason.contains("SECRET") && !reason.contains("OTHER"),
                "{reason}"
            );
        }
        for broken in [
            &br#"{"a": "SECRET""#[..],
            br#"{"a": "SECRET"} x"#,
            b"",
            b"[1,",
        ] {
            let error = parse(broken).err().unwrap();
            assert!(error.is_syntax() || error.is_eof(), "{error}");
            assert!(!error.to_string().contains("SECRET"), "{error}");
        }
    }

    #[test]
    fn every_string_is_wiped() {
        let mut document =
            serde_json::json!({"k": "SECRET", "l": [["SECRET"], {"m": "SECRET"}], "n": 1});
        wipe(&mut document);
        assert_eq!(
            document,
            serde_json::json!({"k": "", "l": [[""], {"m": ""}], "n": 1})
        );
    }
}
