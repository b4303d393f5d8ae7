use secret_bearer::secret_bearer;

pub struct Remote;

impl Remote {
    // Not async and without a store either: the key set is the one error.
    #[secret_bearer(keys_secret = "prod/api-keys")]
    pub fn build(&self, request: http::request::Builder) -> Result<http::request::Builder, secret_bearer::Error> {
        Ok(request)
    }
}

fn main() {
    let _ = Remote::build;
}
