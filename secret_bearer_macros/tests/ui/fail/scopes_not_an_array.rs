use actix_web::{HttpResponse, get};
use secret_bearer::secret_bearer;

#[get("/admin")]
#[secret_bearer(keys_env = "API_KEYS", scopes = "admin")]
async fn admin() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
