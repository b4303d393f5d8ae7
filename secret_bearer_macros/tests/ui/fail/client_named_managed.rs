use secret_bearer::secret_bearer;

#[secret_bearer(secret = "prod/widgets")]
pub struct WidgetsKey;

// Not `async`: a secret in a manager cannot be fetched here.
#[secret_bearer(WidgetsKey)]
fn sign(headers: &mut http::HeaderMap) -> Result<(), secret_bearer::Error> {
    let _ = headers;
    Ok(())
}

// `async`: fetched through the installed store.
#[secret_bearer(WidgetsKey)]
async fn send(request: reqwest::RequestBuilder) -> Result<reqwest::Response, Box<dyn std::error::Error>> {
    Ok(request.send().await?)
}

fn main() {}
