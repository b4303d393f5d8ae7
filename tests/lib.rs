//! The end-to-end tests' package (not published). Its library only compiles the README's Rust
//! snippets as doc tests, with the dependencies a user of each snippet's features has.

/// The README's Rust snippets compile, as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
