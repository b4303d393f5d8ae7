use secret_bearer::secret_bearer;

// An alias hides the request's type from the attribute, which reads names, not types.
type Request = reqwest::RequestBuilder;

pub trait Api {
    #[secret_bearer(env = "MY_SECRET")]
    async fn send(&self, request: Request) -> Result<reqwest::Response, Box<dyn std::error::Error>> {
        Ok(request.send().await?)
    }
}

fn main() {}
