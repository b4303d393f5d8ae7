use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET", secret = "/path/to/my/secret")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
