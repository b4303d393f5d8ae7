use secret_bearer::secret_bearer;

struct Client;

impl Client {
    #[secret_bearer(env = "MY_SECRET")]
    async fn send(&self) {}
}

fn main() {
    let _ = Client.send();
}
