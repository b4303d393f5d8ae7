//! Instructions per check of a key set of 1,000 callers, counted by valgrind (deterministic,
//! unlike wall time on a shared machine): the plain set; the same set with a lifecycle (each
//! caller an object with scopes and an expiry, its older key an object with an `id` and an
//! expiry); and that set checked by a bearer that requires a scope every caller has.
//!
//! `cargo bench -p secret_bearer --bench check_count` (needs valgrind). Each variant runs under
//! `valgrind --tool=cachegrind --cache-sim=no` twice, for 1,000 and for 11,000 checks of one
//! caller's right key; a check costs the difference over 10,000, so building the set cancels
//! out.

use std::hint::black_box;
use std::process::{Command, Stdio};

use secret_bearer::SecretBearer;

const CHECKS: [usize; 2] = [1_000, 11_000];
const VARIANTS: [&str; 3] = ["plain", "lifecycle", "lifecycle, scope required"];

/// The set, in the form `variant` names.
fn key_set(variant: &str) -> String {
    let callers: serde_json::Map<String, serde_json::Value> = (0..1000)
        .map(|n| {
            let new = format!("key-of-caller-{n}-0123456789abcdef0123456789abcdef");
            let old = format!("old-key-of-caller-{n}");
            let caller = match variant {
                "plain" => serde_json::json!([new, old]),
                _ => serde_json::json!({
                    "keys": [new, {"key": old, "id": "2026-q4", "expires": "2998-01-01T00:00:00Z"}],
                    "scopes": ["invoices:read", "invoices:write"],
                    "expires": "2999-06-30T00:00:00+02:00",
                }),
            };
            (format!("caller-{n}"), caller)
        })
        .collect();
    serde_json::to_string(&callers).unwrap()
}

/// `checks` checks of caller 777's right key, with the bearer `variant` names.
fn run(variant: &str, checks: usize) {
    // SAFETY: before any other thread exists, and before the bearer reads it.
    unsafe { std::env::set_var("SB_COUNT_KEYS", key_set(variant)) };
    let builder = SecretBearer::builder().keys_env("SB_COUNT_KEYS");
    let bearer = match variant {
        "lifecycle, scope required" => builder.scopes(["invoices:read"]),
        _ => builder,
    }
    .build()
    .unwrap();
    let header = b"key-of-caller-777-0123456789abcdef0123456789abcdef";
    for _ in 0..checks {
        assert!(bearer.check(black_box([&header[..]])).is_ok());
    }
}

/// Instructions the process ran for `checks` checks, building the set included.
fn count(variant: &str, checks: usize) -> u64 {
    let output = Command::new("valgrind")
        .args([
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
        ])
        .arg(std::env::current_exe().unwrap())
        .args(["--run", variant, &checks.to_string()])
        .stdout(Stdio::null())
        .output()
        .expect("valgrind runs (apt-get install valgrind)");
    let report = String::from_utf8_lossy(&output.stderr);
    let refs = report.lines().find_map(|line| {
        let (label, count) = line.split_once("refs:")?;
        label
            .trim_end()
            .ends_with(" I")
            .then(|| count.trim().replace(',', ""))
    });
    refs.unwrap_or_else(|| panic!("no instruction count from valgrind:\n{report}"))
        .parse()
        .unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, variant, checks] = args.as_slice()
        && flag == "--run"
    {
        return run(variant, checks.parse().unwrap());
    }
    println!("instructions per check, a set of 1,000 callers (valgrind; {CHECKS:?} checks)");
    let mut baseline = None;
    for variant in VARIANTS {
        let [few, many] = CHECKS.map(|checks| count(variant, checks));
        let per_check = (many - few) as f64 / (CHECKS[1] - CHECKS[0]) as f64;
        let base = *baseline.get_or_insert(per_check);
        println!(
            "{variant:>26}: {per_check:>7.0} instructions, {:.3}x the plain set",
            per_check / base
        );
    }
}
