#!/usr/bin/env bash
# What #[secret_bearer] costs a user's build: a scratch crate of N handlers (each with a Query and
# a Path extractor), written several ways, rebuilt R times each (debug, the crate alone,
# dependencies already built), the ways alternating within each round. Prints, per framework, each
# way's median wall and CPU time (user + system, which the load of a shared machine moves less),
# and the median of its per-round ratios to plain handlers (each round's builds are seconds apart,
# so the machine's drift cancels more than it does between medians). The actix-web crate is
# ../shared/bench/compile-time.sh's; the ways:
#   plain   no authentication
#   inline  #[secret_bearer(env = "MY_AUTH_SECRET")] on each handler
#   named   #[secret_bearer(Key)] on each handler, Key defined once with the same keys
#   grants  actix-web-grants' #[protect("ADMIN")] on each handler (actix-web only; it checks
#           after the extractors ran, so it gives a weaker guarantee)
# Usage, from the project's root:
#   secret_bearer/benches/compile_time.sh [N=100] [R=3] [FRAMEWORKS="actix axum"]
set -eu
N=${1:-100}; R=${2:-3}; FRAMEWORKS=${3:-actix axum}
runtime=$(pwd)/secret_bearer
[ -f "$runtime/Cargo.toml" ] || { echo "run it from the project's root" >&2; exit 2; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/compile-time-target}

manifest() {  # manifest FRAMEWORK
  echo '[package]'; echo 'name = "compile_time"'; echo 'version = "0.0.0"'; echo 'edition = "2024"'
  echo '[dependencies]'; echo 'serde = { version = "1", features = ["derive"] }'
  case $1 in
    actix) echo 'actix-web = { version = "4.9", default-features = false, features = ["macros"] }'
           echo 'actix-web-grants = "4.1"'
           echo "secret_bearer = { path = \"$runtime\", features = [\"actix\"] }" ;;
    axum)  echo 'axum = { version = "0.8", default-features = false, features = ["query"] }'
           echo "secret_bearer = { path = \"$runtime\", features = [\"axum\"] }" ;;
  esac
  echo '[workspace]'
}

ways() {  # ways FRAMEWORK: the ways measured on it
  case $1 in
    actix) echo plain inline named grants ;;
    axum) echo plain inline named ;;
  esac
}

attribute() {  # attribute WAY: what each handler is annotated with
  case $1 in
    plain) ;;
    inline) echo '#[secret_bearer::secret_bearer(env = "MY_AUTH_SECRET")]' ;;
    named) echo '#[secret_bearer::secret_bearer(Key)]' ;;
    grants) echo '#[actix_web_grants::protect("ADMIN")]' ;;
  esac
}

handlers() {  # handlers FRAMEWORK WAY: the crate's source
  local annotation; annotation=$(attribute "$2")
  echo '#[derive(serde::Deserialize)] pub struct Q { pub n: Option<u32> }'
  [ "$2" = named ] && echo '#[secret_bearer::secret_bearer(env = "MY_AUTH_SECRET")] pub struct Key;'
  case $1 in
    actix) echo 'use actix_web::{HttpResponse, get, web};'
      for i in $(seq "$N"); do
        echo "#[get(\"/h$i\")]"; [ -n "$annotation" ] && echo "$annotation"
        echo "pub async fn h$i(q: web::Query<Q>, p: web::Path<()>) -> HttpResponse { let _ = p; HttpResponse::Ok().body(format!(\"{}\", q.n.unwrap_or($i))) }"
      done
      echo 'pub fn configure(c: &mut web::ServiceConfig) {'
      for i in $(seq "$N"); do echo "  c.service(h$i);"; done
      echo '}' ;;
    axum) echo 'use axum::{Router, extract::{Path, Query}, routing::get};'
      for i in $(seq "$N"); do
        [ -n "$annotation" ] && echo "$annotation"
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
  # The dependencies, and each way once (so that a way that does not compile stops the script).
  for way in $(ways "$framework"); do
    handlers "$framework" "$way" > "$dir/src/lib.rs"; (cd "$dir" && cargo build -q)
  done
  declare -A runs=()
  for _ in $(seq "$R"); do
    for way in $(ways "$framework"); do
      handlers "$framework" "$way" > "$dir/src/lib.rs"; runs[$way]+="$(timed) "
    done
  done
  rm -rf "$dir"
  args=(); for way in $(ways "$framework"); do args+=("$way=${runs[$way]}"); done
  unset runs
  python3 - "$framework" "$N" "${args[@]}" <<'PY'
import statistics, sys
framework, n, ways = sys.argv[1], sys.argv[2], sys.argv[3:]
def runs(text):  # "wall:cpu wall:cpu ..." -> [(wall, cpu), ...], one per round
    return [tuple(map(float, run.split(":"))) for run in text.split()]
results = {way: runs(text) for way, text in (arg.split("=", 1) for arg in ways)}
plain = results["plain"]
print(f"{framework}, {n} handlers, {len(plain)} rounds (medians; ratios are the median of each "
      "round's ratio to plain, built next to it):")
for way, rounds in results.items():
    wall, cpu = (statistics.median(column) for column in zip(*rounds))
    ratio = [statistics.median(r[k] / p[k] for r, p in zip(rounds, plain)) for k in (0, 1)]
    print(f"  {way:>7}: {wall:.2f} s ({ratio[0]:.3f}x plain), CPU {cpu:.2f} s ({ratio[1]:.3f}x plain)")
PY
done
