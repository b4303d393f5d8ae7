use actix_web::{HttpResponse, get};
use secret_bearer::secret_bearer;

#[get("/")]
#[secret_bearer(keys::WidgetsKey)]
async fn hello() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
