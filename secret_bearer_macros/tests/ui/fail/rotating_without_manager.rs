use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET", rotating)]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
