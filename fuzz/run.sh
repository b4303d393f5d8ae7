#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (FUZZ_SECONDS, 20 by default) on a copy of its
# committed seed corpus, so that a run does not grow the repository; any crash, failed oracle
# or input slower than 10 s fails the script, leaving the input in fuzz/artifacts/<target>/.
# cargo-fuzz needs a nightly toolchain (sanitizer and coverage flags): without one, fuzzing is
# skipped, and the script says so and succeeds.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-20}"

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz/run.sh: fuzzing skipped: no nightly toolchain (cargo +nightly), which cargo-fuzz needs;" \
        "install one with \`rustup toolchain install nightly\`"
    exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi

# cargo-fuzz has no --locked: fetching with it first fails if fuzz/Cargo.lock is out of date.
cargo +nightly fetch --locked
cargo +nightly fuzz build

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for target in $(cargo +nightly fuzz list); do
    cp -R "corpus/$target" "$work/$target"
    echo "fuzz/run.sh: $target for ${seconds}s"
    log="$work/$target.log"
    # JSON's tokens and the edges of the key rules: mutations alone seldom write `\u2069`.
    case "$target" in
    key_set | json_secret) dictionary=(-dict=json.dict) ;;
    *) dictionary=() ;;
    esac
    if ! cargo +nightly fuzz run "$target" "$work/$target" -- ${dictionary[@]+"${dictionary[@]}"} \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
        # The panic (the oracle's message names the input) and libFuzzer's verdict; the rest
        # (the progress lines, the stack) is in the log.
        grep -E -A4 "panicked at|ERROR: libFuzzer|SUMMARY|Test unit written" "$log" | head -n 60
        echo "fuzz/run.sh: $target failed; the input is in fuzz/artifacts/$target/"
        exit 1
    fi
    grep -E '^(Done |stat::number_of_executed_units|stat::new_units_added)' "$log"
done
