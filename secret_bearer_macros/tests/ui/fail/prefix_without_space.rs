use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET", prefix = "Bearer")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
