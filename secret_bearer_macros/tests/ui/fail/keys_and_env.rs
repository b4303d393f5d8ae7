use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET", keys_env = "API_KEYS")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
