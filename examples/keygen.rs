//! Makes a key for a caller: the key on the first line, to give the caller, and its `sha256:`
//! digest on the second, to put in the key set (or a secret) instead of the key.
//!
//! ```text
//! cargo run --example keygen -- acme
//! ```
//!
//! The key is the prefix, `_`, 30 random base62 characters and a 6-character checksum
//! (`secret_bearer::generate_key`); a secret scanner finds it with `\bacme_[0-9A-Za-z]{36}\b`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut arguments = std::env::args().skip(1);
    let (Some(prefix), None) = (arguments.next(), arguments.next()) else {
        eprintln!("usage: cargo run --example keygen -- <prefix>");
        return ExitCode::from(2);
    };
    match secret_bearer::generate_key(&prefix) {
        Ok((key, digest)) => {
            println!("{}\n{digest}", key.as_str());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(2)
        }
    }
}
