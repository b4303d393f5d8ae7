//! The `#[secret_bearer]` attribute. Use it through the `secret_bearer` crate, which documents
//! it and holds everything it expands to: this crate only reads the attribute, checks it, and
//! writes calls into `::secret_bearer::__private`.
//!
//! Parsing (`args`), checking (`validate`, `item`) and writing (`expand` for handlers,
//! `client` for client functions, both through `builder`) are separate steps, which
//! `attribute` runs in turn;
//! any error returns the annotated item unchanged beside one `compile_error!`, so one mistake
//! gives one error.

#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod args;
mod attribute;
mod builder;
mod client;
mod expand;
mod function;
mod item;
mod named;
#[cfg(test)]
mod robustness;
mod validate;

/// See `secret_bearer::secret_bearer`.
#[proc_macro_attribute]
pub fn secret_bearer(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute::secret_bearer(args.into(), item.into()).into()
}
