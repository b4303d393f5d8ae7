use actix_web::{HttpResponse, get};
use secret_bearer::secret_bearer;

#[get("/")]
#[secret_bearer(env = "MY_AUTH_SECRET")]
async fn hello(n: u32) -> HttpResponse {
    HttpResponse::Ok().body(n.to_string())
}

fn main() {}
