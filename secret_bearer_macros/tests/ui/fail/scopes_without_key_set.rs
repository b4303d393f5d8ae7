use actix_web::{HttpResponse, get};
use secret_bearer::secret_bearer;

#[get("/admin")]
#[secret_bearer(env = "MY_SECRET", scopes = ["admin"])]
async fn admin() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
