use actix_web::{HttpResponse, get};
use secret_bearer::secret_bearer;

/// A struct, but not a named bearer.
pub struct Widget;

#[get("/")]
#[secret_bearer(Widget)]
async fn hello() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
