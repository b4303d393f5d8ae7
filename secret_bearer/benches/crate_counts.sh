#!/usr/bin/env bash
# How many crates a user's build compiles, from a fresh target directory (debug), for scratch
# crates that use secret_bearer as each kind of user does:
#   client   features = ["reqwest"]: a client-only build
#   axum     examples/axum_hello's server: axum and the attribute, features = ["axum"]
#   actix    examples/hello's server: actix-web and the attribute, features = ["actix"]
# Prints each count and whether any actix crate is among them.
# Usage, from the project's root: secret_bearer/benches/crate_counts.sh [KINDS="client axum actix"]
set -eu
KINDS=${1:-client axum actix}
runtime=$(pwd)/secret_bearer
[ -f "$runtime/Cargo.toml" ] || { echo "run it from the project's root" >&2; exit 2; }

for kind in $KINDS; do
  dir=$(mktemp -d); mkdir -p "$dir/src"
  {
    echo '[package]'; echo 'name = "crate_counts"'; echo 'version = "0.0.0"'; echo 'edition = "2024"'
    echo '[dependencies]'
    case $kind in
      client) echo "secret_bearer = { path = \"$runtime\", features = [\"reqwest\"] }"
              echo 'reqwest = { version = "0.13", default-features = false }' ;;
      axum)   echo "secret_bearer = { path = \"$runtime\", features = [\"axum\"] }"
              echo 'axum = { version = "0.8", default-features = false, features = ["tokio", "http1"] }'
              echo 'tokio = { version = "1", features = ["rt-multi-thread", "net"] }' ;;
      actix)  echo "secret_bearer = { path = \"$runtime\", features = [\"actix\"] }"
              echo 'actix-web = { version = "4.9", default-features = false, features = ["macros"] }' ;;
    esac
    echo '[workspace]'
  } > "$dir/Cargo.toml"
  case $kind in
    client) cat > "$dir/src/main.rs" <<'RS'
#[secret_bearer::secret_bearer(env = "MY_SECRET", prefix = "Bearer ")]
async fn send(request: reqwest::RequestBuilder) -> Result<reqwest::Response, Box<dyn std::error::Error>> {
    Ok(request.send().await?)
}
fn main() { let _ = send(reqwest::Client::new().get("http://localhost:8080/")); }
RS
    ;;
    axum) cat > "$dir/src/main.rs" <<'RS'
#[secret_bearer::secret_bearer(env = "MY_AUTH_SECRET")]
async fn hello() -> &'static str { "hello" }
#[tokio::main]
async fn main() -> std::io::Result<()> {
    let app = axum::Router::new().route("/", axum::routing::get(hello));
    axum::serve(tokio::net::TcpListener::bind(("127.0.0.1", 8080)).await?, app).await
}
RS
    ;;
    actix) cat > "$dir/src/main.rs" <<'RS'
#[actix_web::get("/")]
#[secret_bearer::secret_bearer(env = "MY_AUTH_SECRET")]
async fn hello() -> &'static str { "hello" }
#[actix_web::main]
async fn main() -> std::io::Result<()> {
    actix_web::HttpServer::new(|| actix_web::App::new().service(hello)).bind(("127.0.0.1", 8080))?.run().await
}
RS
    ;;
  esac
  log=$(CARGO_TARGET_DIR="$dir/target" cargo build --manifest-path "$dir/Cargo.toml" 2>&1) || { echo "$log" >&2; exit 1; }
  compiled=$(grep -E '^ *Compiling ' <<<"$log" | awk '{ print $2 }')
  actix=$(grep -c '^actix' <<<"$compiled" || true)
  echo "$kind: $(wc -l <<<"$compiled") crates compiled (the scratch crate included), $actix of them actix-*"
  rm -rf "$dir"
done
