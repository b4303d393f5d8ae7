use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET", prefix = "Bearer ", no_space)]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = hello;
}
