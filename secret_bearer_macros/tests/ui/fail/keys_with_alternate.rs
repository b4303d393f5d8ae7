use secret_bearer::secret_bearer;

#[secret_bearer(keys_env = "API_KEYS", alt_env = "MY_OLD_KEYS")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
