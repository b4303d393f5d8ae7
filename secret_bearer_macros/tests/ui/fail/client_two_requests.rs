use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET")]
async fn send(
    first: reqwest::RequestBuilder,
    second: reqwest::RequestBuilder,
) -> Result<(), secret_bearer::Error> {
    drop((first, second));
    Ok(())
}

fn main() {}
