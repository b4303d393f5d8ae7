use secret_bearer::secret_bearer;

#[secret_bearer(prefix = "Bearer ")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
