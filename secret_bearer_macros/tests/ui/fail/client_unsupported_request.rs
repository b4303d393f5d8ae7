use secret_bearer::secret_bearer;

mod mine {
    pub struct RequestBuilder;
}

#[secret_bearer(env = "MY_SECRET")]
fn authorize(request: mine::RequestBuilder) -> Result<mine::RequestBuilder, secret_bearer::Error> {
    Ok(request)
}

fn main() {}
