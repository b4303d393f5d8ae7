use secret_bearer::secret_bearer;

#[secret_bearer(secret = "/path/to/secret", alt_secret = "prod/api#keys..current")]
async fn handler() -> &'static str {
    "hello"
}

fn main() {}
