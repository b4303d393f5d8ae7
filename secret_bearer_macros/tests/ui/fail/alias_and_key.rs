use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET", environment_key = "MY_OTHER_SECRET")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
