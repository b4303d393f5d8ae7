use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET")]
fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
