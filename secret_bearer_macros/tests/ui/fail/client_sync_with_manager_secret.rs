use secret_bearer::secret_bearer;

#[secret_bearer(secret = "/path/to/my/secret")]
fn authorize(request: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder, secret_bearer::Error> {
    Ok(request)
}

fn main() {}
