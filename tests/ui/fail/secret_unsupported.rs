use secret_bearer::secret_bearer;

#[secret_bearer(secret = "/path/to/my/secret")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
