use secret_bearer::secret_bearer;

#[secret_bearer(secret = "/api/key", alt_secret = "/api/old", rotating)]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
