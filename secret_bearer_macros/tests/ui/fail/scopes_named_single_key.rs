use actix_web::{HttpResponse, get};
use secret_bearer::secret_bearer;

/// One key: it names no caller, so it grants no scopes.
#[secret_bearer(env = "WIDGETS_KEY")]
pub struct WidgetsKey;

#[get("/admin")]
#[secret_bearer(WidgetsKey, scopes = ["admin"])]
async fn admin() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
