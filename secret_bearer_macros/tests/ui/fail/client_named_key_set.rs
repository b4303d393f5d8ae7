use secret_bearer::secret_bearer;

#[secret_bearer(keys_env = "API_KEYS")]
pub struct Callers;

#[secret_bearer(Callers)]
fn sign(headers: &mut http::HeaderMap) -> Result<(), secret_bearer::Error> {
    let _ = headers;
    Ok(())
}

fn main() {}
