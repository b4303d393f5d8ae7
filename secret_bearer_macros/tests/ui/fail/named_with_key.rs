use actix_web::{HttpResponse, get};
use secret_bearer::secret_bearer;

#[secret_bearer(env = "WIDGETS_KEY")]
pub struct WidgetsKey;

#[get("/")]
#[secret_bearer(WidgetsKey, prefix = "Bearer ")]
async fn hello() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
