#!/usr/bin/env python3
"""The MSRV, checked without the old toolchain (only one Rust toolchain can be installed here).

Three checks cover it, each a part:
- library APIs newer than `rust-version`: clippy's `incompatible_msrv` lint (warn by default,
  an error under `.ci/run`'s `-D warnings`), which reads `rust-version` from the manifests, on
  every feature set `.ci/run` lints;
- dependencies: this script. No package in the lock file may declare a newer `rust-version`
  than ours (a dependency that declares none is not checked; its own CI is its word);
- language features and the edition: unchecked by a tool. Edition 2024 needs 1.85, `let`
  chains 1.88; a newer syntax would need the old compiler to find, which this machine cannot
  install. Reviewers check the CHANGELOG's MSRV line against the features a change uses.
"""
import json
import subprocess
import sys


def version(text):
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


metadata = json.loads(
    subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
)
ours = {
    package["name"]: version(package["rust_version"])
    for package in metadata["packages"]
    if package["name"] in ("secret_bearer", "secret_bearer_macros", "secret_bearer_rules")
}
msrv = max(ours.values())
newer = [
    f'{package["name"]} {package["version"]} declares rust-version {package["rust_version"]}'
    for package in metadata["packages"]
    if package.get("rust_version") and version(package["rust_version"]) > msrv
]
declared = sum(1 for package in metadata["packages"] if package.get("rust_version"))
print(
    f"MSRV {'.'.join(map(str, msrv))}: {declared} of {len(metadata['packages'])} locked "
    f"packages declare a rust-version, none newer" if not newer else "",
    end="",
)
if newer:
    print("locked dependencies newer than our MSRV:", *newer, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print()
