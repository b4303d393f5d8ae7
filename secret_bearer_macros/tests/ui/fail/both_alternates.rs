use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET", alt_env = "MY_OLD_SECRET", alt_secret = "/old")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
