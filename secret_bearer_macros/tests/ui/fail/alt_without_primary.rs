use secret_bearer::secret_bearer;

#[secret_bearer(alt_env = "MY_OLD_SECRET")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
