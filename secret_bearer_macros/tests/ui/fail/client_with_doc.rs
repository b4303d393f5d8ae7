use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET", doc = "ApiKey")]
async fn send(request: awc::ClientRequest) -> Result<(), secret_bearer::Error> {
    drop(request);
    Ok(())
}

fn main() {}
