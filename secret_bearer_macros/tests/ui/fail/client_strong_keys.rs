use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET", strong_keys)]
async fn send(request: awc::ClientRequest) -> Result<(), secret_bearer::Error> {
    drop(request);
    Ok(())
}

fn main() {}
