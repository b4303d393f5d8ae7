use secret_bearer::secret_bearer;

#[secret_bearer(secret = "/path/to/my/secret")]
async fn send(request: reqwest::RequestBuilder) -> Result<reqwest::Response, Box<dyn std::error::Error>> {
    Ok(request.send().await?)
}

fn main() {}
