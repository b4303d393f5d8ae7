use secret_bearer::secret_bearer;

#[secret_bearer(secret = "/api/key", rotating = "yes")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
