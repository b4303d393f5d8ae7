use actix_web::web;
use secret_bearer::secret_bearer;

#[secret_bearer(env = "MY_SECRET")]
async fn handler(#[cfg(any())] id: web::Path<u32>, name: web::Query<String>) -> String {
    name.into_inner()
}

fn main() {}
