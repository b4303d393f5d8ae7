use secret_bearer::secret_bearer;

/// The key this client sends.
#[secret_bearer(env = "MY_SECRET")]
pub struct MyKey;

#[secret_bearer(MyKey, scopes = ["admin"])]
async fn send(request: awc::ClientRequest) -> Result<(), secret_bearer::Error> {
    drop(request);
    Ok(())
}

fn main() {}
