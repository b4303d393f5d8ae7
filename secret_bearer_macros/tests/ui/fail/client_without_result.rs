use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET")]
fn sign(headers: &mut http::HeaderMap) -> usize {
    headers.len()
}

fn main() {}
