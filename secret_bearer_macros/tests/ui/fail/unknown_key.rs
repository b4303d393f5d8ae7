use secret_bearer::secret_bearer;

#[secret_bearer(enviroment_key = "MY_SECRET")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
