use secret_bearer::secret_bearer;

#[secret_bearer(keys_secret = "prod/api-keys#callers..keys")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
