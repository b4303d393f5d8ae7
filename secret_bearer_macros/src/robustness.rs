//! The attribute on arbitrary token streams: it never panics, and its answer is either an
//! expansion (items that parse, with no `compile_error!` in them) or a refusal (the item as
//! written, then exactly one `compile_error!`).
//!
//! A proc-macro crate cannot be linked into a cargo-fuzz binary, so this is where the
//! attribute's parser is fuzzed: a property test that feeds its entry point,
//! [`crate::attribute::secret_bearer`], the arguments and items a user could write, and the
//! same with tokens replaced, inserted, deleted or nested, and streams of random tokens.

use std::str::FromStr;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use proptest::prelude::*;

use crate::attribute::secret_bearer;

/// Every spelling of every key, some misspelt, and names of bearers.
const KEYS: &[&str] = &[
    "env",
    "alt_env",
    "secret",
    "alt_secret",
    "keys_env",
    "keys_secret",
    "prefix",
    "doc",
    "rotating",
    "environment_key",
    "alternate_environment_key",
    "secret_key",
    "alternate_secret_key",
    "header_prefix",
    "documentation_security_name",
    "rotatin",
    "envv",
    "Env",
    "WidgetsKey",
    "crate::keys::WidgetsKey",
    "::keys::widgets",
    "self",
    "r#env",
];

/// String values, valid and not: names with `=` or NUL, prefixes with a leading space or a
/// non-ASCII letter, JSON keys with an empty part.
const VALUES: &[&str] = &[
    "MY_SECRET",
    "",
    " ",
    "A=B",
    "a\0b",
    "Bearer ",
    " Bearer",
    "Bé ",
    "prod/api#keys.current",
    "p#a..b",
    "p#",
    "#a",
    "ApiKey",
    "bad name!",
    "line\nbreak",
];

/// Items the attribute expands with a valid configuration: handlers, client functions and
/// methods, a named bearer.
const EXPANDED: &[&str] = &[
    "async fn hello() -> impl Responder { \"hi\" }",
    "#[get(\"/{id}\")] pub async fn show<T: Clone>(id: web::Path<u32>, data: web::Data<T>) -> HttpResponse where T: 'static { todo!() }",
    "async fn pattern((a, b): web::Path<(u32, u32)>, mut c: Json<C>, _: HttpRequest) {}",
    "async fn state(State(s): State<AppState>, caller: secret_bearer::Caller) -> String { s }",
    "async fn client(request: reqwest::RequestBuilder) -> Result<Response, Error> { request.send().await }",
    "fn client(request: http::request::Builder) -> Result<Request<()>, Error> { request.body(()) }",
    "async fn client(tag: &str, headers: &mut http::HeaderMap) -> Result<(), Error> { Ok(()) }",
    "async fn client(request: awc::ClientRequest, tag: &mut String) -> Result<(), Error> { Ok(()) }",
    "fn method(&self, request: (reqwest::RequestBuilder)) -> Result<(), Error> { Ok(()) }",
    "pub struct WidgetsKey;",
];

/// Items it refuses whatever the configuration.
const REFUSED: &[&str] = &[
    "trait Api { async fn call(&self, request: awc::ClientRequest) -> Result<(), Error> { Ok(()) } }",
    "async fn with_self(self) {}",
    "#[secret_bearer(env = \"A\")] async fn twice() {}",
    "async fn cfg(#[cfg(test)] a: A) {}",
    "struct WithFields { a: u8 }",
    "struct Generic<T>;",
    "enum E {}",
    "const X: u8 = 1;",
    "impl Api { fn call(&self) {} }",
    "mod m {}",
    "",
];

const PUNCTS: &[char] = &[
    '=', ',', ';', ':', '#', '!', '&', '<', '>', '.', '-', '+', '*', '/', '\'', '@', '?', '|', '%',
    '^', '~', '$',
];

/// Identifiers: keys, keywords, and the names the attribute looks for in an item.
const IDENTS: &[&str] = &[
    "env",
    "prefix",
    "rotating",
    "fn",
    "async",
    "pub",
    "struct",
    "self",
    "Self",
    "impl",
    "where",
    "mut",
    "dyn",
    "x",
    "WidgetsKey",
    "reqwest",
    "RequestBuilder",
    "HeaderMap",
    "Builder",
    "SecretStore",
    "_",
];

/// Literals of every kind but plain strings.
const LITERALS: &[&str] = &[
    "1",
    "1u8",
    "1.5e3",
    "'c'",
    "b\"bytes\"",
    "r#\"raw\"#",
    "c\"c string\"",
    "\"x\"suffix",
    "b'b'",
    "0x_ff",
];

fn ident() -> impl Strategy<Value = TokenTree> {
    (proptest::sample::select(IDENTS), any::<bool>()).prop_map(|(name, raw)| {
        let ident = match raw && !matches!(name, "self" | "Self" | "_") {
            true => Ident::new_raw(name, Span::call_site()),
            false => Ident::new(name, Span::call_site()),
        };
        TokenTree::Ident(ident)
    })
}

fn punct() -> impl Strategy<Value = TokenTree> {
    (proptest::sample::select(PUNCTS), any::<bool>()).prop_map(|(punct, joint)| {
        let spacing = if joint {
            Spacing::Joint
        } else {
            Spacing::Alone
        };
        TokenTree::Punct(Punct::new(punct, spacing))
    })
}

fn literal() -> impl Strategy<Value = TokenTree> {
    prop_oneof![
        proptest::sample::select(VALUES).prop_map(Literal::string),
        any::<String>().prop_map(|text| Literal::string(&text)),
        proptest::sample::select(LITERALS)
            .prop_map(|text| Literal::from_str(text).expect("a literal")),
    ]
    .prop_map(TokenTree::Literal)
}

/// A token tree, groups nested up to four deep.
fn tree() -> impl Strategy<Value = TokenTree> {
    let leaf = prop_oneof![ident(), punct(), literal()];
    leaf.prop_recursive(4, 48, 6, |inner| {
        (
            proptest::sample::select(
                &[
                    Delimiter::Parenthesis,
                    Delimiter::Brace,
                    Delimiter::Bracket,
                    Delimiter::None,
                ][..],
            ),
            proptest::collection::vec(inner, 0..6),
        )
            .prop_map(|(delimiter, trees)| {
                TokenTree::Group(Group::new(delimiter, trees.into_iter().collect()))
            })
    })
}

fn stream() -> impl Strategy<Value = TokenStream> {
    proptest::collection::vec(tree(), 0..10).prop_map(|trees| trees.into_iter().collect())
}

/// `key = value` settings, or keys alone, separated by commas (or not).
fn settings() -> impl Strategy<Value = TokenStream> {
    let value = prop_oneof![
        4 => proptest::sample::select(VALUES).prop_map(|value| Some(Literal::string(value).into())),
        1 => Just(None),
        1 => tree().prop_map(Some),
    ];
    let setting = (proptest::sample::select(KEYS), value, any::<bool>());
    proptest::collection::vec(setting, 0..6).prop_map(|settings| {
        let mut tokens = TokenStream::new();
        for (key, value, comma) in settings {
            tokens.extend(TokenStream::from_str(key).expect("a key"));
            if let Some(value) = value {
                tokens.extend([TokenTree::Punct(Punct::new('=', Spacing::Alone)), value]);
            }
            if comma {
                tokens.extend([TokenTree::Punct(Punct::new(',', Spacing::Alone))]);
            }
        }
        tokens
    })
}

/// One change to a stream: a tree replaced, inserted or deleted at an index (modulo the
/// length), at the top level or inside the group found there.
#[derive(Clone, Debug)]
enum Change {
    Replace(usize, TokenTree),
    Insert(usize, TokenTree),
    Delete(usize),
    Inside(usize, Box<Change>),
}

fn change() -> impl Strategy<Value = Change> {
    let flat = prop_oneof![
        (any::<usize>(), tree()).prop_map(|(at, tree)| Change::Replace(at, tree)),
        (any::<usize>(), tree()).prop_map(|(at, tree)| Change::Insert(at, tree)),
        any::<usize>().prop_map(Change::Delete),
    ];
    flat.prop_recursive(2, 4, 1, |inner| {
        (any::<usize>(), inner).prop_map(|(at, change)| Change::Inside(at, Box::new(change)))
    })
}

fn apply(stream: TokenStream, change: &Change) -> TokenStream {
    let mut trees: Vec<TokenTree> = stream.into_iter().collect();
    let at = |index: usize, len: usize| index % len.max(1);
    match change {
        Change::Replace(index, tree) if !trees.is_empty() => {
            let index = at(*index, trees.len());
            trees[index] = tree.clone();
        }
        Change::Insert(index, tree) => trees.insert(at(*index, trees.len() + 1), tree.clone()),
        Change::Delete(index) if !trees.is_empty() => drop(trees.remove(at(*index, trees.len()))),
        Change::Inside(index, change) if !trees.is_empty() => {
            let index = at(*index, trees.len());
            if let TokenTree::Group(group) = &trees[index] {
                let inner = apply(group.stream(), change);
                trees[index] = TokenTree::Group(Group::new(group.delimiter(), inner));
            }
        }
        _ => {}
    }
    trees.into_iter().collect()
}

/// A configuration the attribute accepts (a primary, perhaps an alternate, a prefix and a doc
/// name, in any order), or a named bearer alone: so that expansions are reached often.
fn config() -> impl Strategy<Value = TokenStream> {
    let primary = proptest::sample::select(
        &[
            "env = \"MY_SECRET\"",
            "environment_key = \"MY_SECRET\"",
            "secret = \"prod/api#keys.current\"",
            "secret_key = \"prod/api\"",
            "keys_env = \"API_KEYS\"",
            "keys_secret = \"prod/keys#set\"",
        ][..],
    );
    let alternate = proptest::option::of(proptest::sample::select(
        &[
            "alt_env = \"OLD\"",
            "alternate_secret_key = \"prod/old\"",
            "rotating",
        ][..],
    ));
    let prefix = proptest::option::of(proptest::sample::select(
        &[
            "prefix = \"Bearer \"",
            "header_prefix = \"\"",
            "prefix = \"Token:\"",
        ][..],
    ));
    let doc = proptest::option::of(proptest::sample::select(
        &["doc = \"ApiKey\"", "documentation_security_name = \"\""][..],
    ));
    let keys = (primary, alternate, prefix, doc)
        .prop_map(|(primary, alternate, prefix, doc)| {
            [Some(primary), alternate, prefix, doc]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
        })
        .prop_shuffle()
        .prop_map(|keys| keys.join(", "));
    prop_oneof![
        4 => keys,
        1 => proptest::sample::select(&["WidgetsKey", "crate::keys::WidgetsKey"][..])
            .prop_map(str::to_owned),
    ]
    .prop_map(|args| TokenStream::from_str(&args).expect("a configuration"))
}

fn args() -> impl Strategy<Value = TokenStream> {
    prop_oneof![
        4 => config(),
        3 => settings(),
        2 => (settings(), proptest::collection::vec(change(), 1..3))
            .prop_map(|(args, changes)| changes.iter().fold(args, apply)),
        1 => stream(),
    ]
}

fn item() -> impl Strategy<Value = TokenStream> {
    let written = prop_oneof![
        3 => proptest::sample::select(EXPANDED),
        1 => proptest::sample::select(REFUSED),
    ]
    .prop_map(|item| TokenStream::from_str(item).expect("an item"));
    prop_oneof![
        5 => written.clone(),
        3 => (written, proptest::collection::vec(change(), 1..4))
            .prop_map(|(item, changes)| changes.iter().fold(item, apply)),
        1 => stream(),
    ]
}

/// Whether `compile_error` is written anywhere in the stream.
fn holds_compile_error(stream: &TokenStream) -> bool {
    stream.clone().into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == "compile_error",
        TokenTree::Group(group) => holds_compile_error(&group.stream()),
        _ => false,
    })
}

/// `::core::compile_error! { .. }`, as `syn::Error::to_compile_error` writes it: eight trees.
const COMPILE_ERROR_LEN: usize = 8;

fn is_compile_error(trees: &[TokenTree]) -> bool {
    let text = trees.iter().cloned().collect::<TokenStream>().to_string();
    trees.len() == COMPILE_ERROR_LEN && text.starts_with(":: core :: compile_error !")
}

/// The stream's tokens, a space between each: what it says, whether its punctuation was written
/// joined (`>,`) or apart (`> ,`), which re-printing a parsed item may change.
fn spaced(stream: &TokenStream) -> String {
    stream
        .clone()
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                };
                format!("{open} {} {close}", spaced(&group.stream()))
            }
            TokenTree::Punct(punct) => punct.as_char().to_string(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the item is Rust: items, or a method (a function with a receiver, as in an `impl`
/// block or a trait).
fn is_rust(item: &TokenStream) -> bool {
    syn::parse2::<syn::File>(item.clone()).is_ok()
        || syn::parse2::<syn::ImplItemFn>(item.clone()).is_ok()
        || syn::parse2::<syn::TraitItemFn>(item.clone()).is_ok()
}

fn check(args: TokenStream, item: TokenStream) -> Result<(), TestCaseError> {
    let output = secret_bearer(args, item.clone());
    let trees: Vec<TokenTree> = output.clone().into_iter().collect();
    let split = trees.len().saturating_sub(COMPILE_ERROR_LEN);
    let (before, last) = trees.split_at(split);
    if is_compile_error(last) {
        // A refusal: the item as written (less a repeated attribute), then one error.
        let before: TokenStream = before.iter().cloned().collect();
        prop_assert!(
            !holds_compile_error(&before),
            "more than one error: {output}"
        );
        if !item.to_string().contains("secret_bearer") {
            prop_assert_eq!(spaced(&before), spaced(&item));
        }
    } else {
        prop_assert!(!holds_compile_error(&output), "an error inside: {output}");
        // The body is moved, never parsed (`function.rs`): a body that is not Rust stays so,
        // for the compiler to point at. Around a body that is, the expansion is Rust.
        if is_rust(&item) {
            let parsed = syn::parse2::<syn::File>(output.clone());
            prop_assert!(parsed.is_ok(), "the expansion does not parse: {output}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn any_tokens_are_an_expansion_or_one_error(args in args(), item in item()) {
        check(args, item)?;
    }
}

#[test]
fn the_written_items_expand_or_are_refused_as_listed() {
    // Both halves of the property are reached: a change that refused everything, or let
    // everything through, fails here.
    for (items, expands) in [(EXPANDED, true), (REFUSED, false)] {
        for item in items {
            let item = TokenStream::from_str(item).unwrap();
            let output = secret_bearer(quote::quote!(env = "MY_SECRET"), item.clone());
            assert_eq!(!holds_compile_error(&output), expands, "{item}");
            check(quote::quote!(env = "MY_SECRET"), item).unwrap();
        }
    }
}
