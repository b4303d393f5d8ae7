use axum::Router;
use axum::routing::get;
use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_AUTH_SECRET")]
async fn hello(n: u32) -> String {
    n.to_string()
}

fn main() {
    let _: Router = Router::new().route("/", get(hello));
}
