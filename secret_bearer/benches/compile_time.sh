#!/usr/bin/env bash
# What #[secret_bearer] costs a user's build, on actix-web and on axum: a scratch crate of N
# handlers (each with a Query and a Path extractor), plain and with the attribute, rebuilt R times
# each (debug, the crate alone, dependencies already built), alternating. Prints the medians and
# their ratio for each framework, of wall time and of CPU time (user + system, which the load of
# a shared machine moves less). The actix-web crate is ../shared/bench/compile-time.sh's.
# Usage, from the project's root: secret_bearer/benches/compile_time.sh [N=100] [R=3] [FRAMEWORKS="actix axum"]
set -eu
N=${1:-100}; R=${2:-3}; FRAMEWORKS=${3:-actix axum}
runtime=$(pwd)/secret_bearer
[ -f "$runtime/Cargo.toml" ] || { echo "run it from the project's root" >&2; exit 2; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/compile-time-target}
ATTRIBUTE='#[secret_bearer::secret_bearer(env = "MY_AUTH_SECRET")]'

manifest() {  # manifest FRAMEWORK
  echo '[package]'; echo 'name = "compile_time"'; echo 'version = "0.0.0"'; echo 'edition = "2024"'
  echo '[dependencies]'; echo 'serde = { version = "1", features = ["derive"] }'
  case $1 in
    actix) echo 'actix-web = { version = "4.9", default-features = false, features = ["macros"] }'
           echo "secret_bearer = { path = \"$runtime\" }" ;;
    axum)  echo 'axum = { version = "0.8", default-features = false, features = ["query"] }'
           echo "secret_bearer = { path = \"$runtime\", default-features = false, features = [\"axum\"] }" ;;
  esac
  echo '[workspace]'
}

handlers() {  # handlers FRAMEWORK ATTRIBUTE: the N handlers, each under ATTRIBUTE (may be empty)
  echo '#[derive(serde::Deserialize)] pub struct Q { pub n: Option<u32> }'
  case $1 in
    actix) echo 'use actix_web::{HttpResponse, get, web};'
      for i in $(seq "$N"); do
        echo "#[get(\"/h$i\")]"; [ -n "$2" ] && echo "$2"
        echo "pub async fn h$i(q: web::Query<Q>, p: web::Path<()>) -> HttpResponse { let _ = p; HttpResponse::Ok().body(format!(\"{}\", q.n.unwrap_or($i))) }"
      done
      echo 'pub fn configure(c: &mut web::ServiceConfig) {'
      for i in $(seq "$N"); do echo "  c.service(h$i);"; done
      echo '}' ;;
    axum) echo 'use axum::{Router, extract::{Path, Query}, routing::get};'
      for i in $(seq "$N"); do
        [ -n "$2" ] && echo "$2"
        echo "pub async fn h$i(q: Query<Q>, p: Path<u32>) -> String { format!(\"{} {}\", q.n.unwrap_or($i), p.0) }"
      done
      echo 'pub fn router() -> Router {'; echo '  Router::new()'
      for i in $(seq "$N"); do echo "    .route(\"/h$i/{n}\", get(h$i))"; done
      echo '}' ;;
  esac
}

for framework in $FRAMEWORKS; do
  dir=$(mktemp -d); mkdir -p "$dir/src"
  manifest "$framework" > "$dir/Cargo.toml"
  # One build's wall and CPU (user + system, rustc included) seconds. Called in "$(...)", where
  # `set -e` does not reach: a failed build must stop the script, not be timed.
  timed() {
    local TIMEFORMAT='%R %U %S' times
    times=$( { time cargo build -q --manifest-path "$dir/Cargo.toml" 2>&3 >&3; } 3>&2 2>&1 ) || exit 1
    echo "$times" | awk '{ printf "%s:%.3f\n", $1, $2 + $3 }'
  }
  handlers "$framework" "$ATTRIBUTE" > "$dir/src/lib.rs"; (cd "$dir" && cargo build -q)  # dependencies
  plain=(); attr=()
  for _ in $(seq "$R"); do
    handlers "$framework" '' > "$dir/src/lib.rs"; plain+=("$(timed)")
    handlers "$framework" "$ATTRIBUTE" > "$dir/src/lib.rs"; attr+=("$(timed)")
  done
  rm -rf "$dir"
  python3 - "${plain[*]}" "${attr[*]}" "$N" "$framework" <<'PY'
import statistics, sys
def medians(runs):  # "wall:cpu wall:cpu ..." -> (median wall, median CPU)
    pairs = [tuple(map(float, run.split(":"))) for run in runs.split()]
    return [statistics.median(column) for column in zip(*pairs)]
(pw, pc), (aw, ac) = medians(sys.argv[1]), medians(sys.argv[2])
print(f"{sys.argv[4]}, {sys.argv[3]} handlers: plain {pw:.2f} s, with the attribute {aw:.2f} s, ratio {aw / pw:.3f}"
      f" (CPU: {pc:.2f} s, {ac:.2f} s, ratio {ac / pc:.3f})")
PY
done
