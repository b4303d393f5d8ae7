use secret_bearer::secret_bearer;

#[secret_bearer]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
