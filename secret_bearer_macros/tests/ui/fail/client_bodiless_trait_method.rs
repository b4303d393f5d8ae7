use secret_bearer::secret_bearer;

trait Api {
    #[secret_bearer(env = "MY_SECRET")]
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<(), secret_bearer::Error>;
}

fn main() {}
