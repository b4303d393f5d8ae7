use actix_web::{HttpResponse, get};
use secret_bearer::secret_bearer;

#[get("/invoices")]
#[secret_bearer(keys_env = "API_KEYS", scopes = ["invoices:read", "invoices write"])]
async fn invoices() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
