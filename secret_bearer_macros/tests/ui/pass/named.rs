//! Named bearers: defined once (with docs, attributes, any visibility, clearskies' key names),
//! named by path from actix-web and axum handlers, client functions and trait methods, the
//! extractor by hand, the middleware and the layer; without a single warning.
#![deny(warnings)]

use actix_web::{App, HttpResponse, get, web};
use secret_bearer::tower::SecretBearerLayer;
use secret_bearer::{Authenticated, NamedBearer, secret_bearer};

pub mod keys {
    use secret_bearer::secret_bearer;

    /// The widgets API's key.
    #[secret_bearer(environment_key = "WIDGETS_KEY", alt_env = "WIDGETS_KEY_OLD", header_prefix = "Bearer ")]
    #[derive(Clone, Copy, Debug)]
    pub struct WidgetsKey;

    /// One key per caller, in a secret manager.
    #[secret_bearer(keys_secret = "prod/api-keys#callers", doc = "Callers")]
    pub(crate) struct Callers;

    /// A key from a manager, for a client with a store.
    #[secret_bearer(secret = "prod/partner", rotating)]
    pub struct PartnerKey;
}

use keys::WidgetsKey;

#[get("/widgets")]
#[secret_bearer(WidgetsKey)]
async fn list() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/widgets/{id}")]
#[secret_bearer(crate::keys::WidgetsKey)]
pub async fn show(id: web::Path<u32>, caller: secret_bearer::Caller) -> String {
    format!("{id} {}", caller.name())
}

#[secret_bearer(keys::Callers)]
async fn who(caller: secret_bearer::Caller) -> String {
    caller.name().to_owned()
}

/// The extractor by hand, with the named bearer as its provider.
async fn by_hand(auth: Authenticated<web::Json<u32>, WidgetsKey>) -> String {
    auth.into_inner().to_string()
}

/// An axum handler naming it.
#[secret_bearer(WidgetsKey)]
async fn axum_show(axum::extract::Path(id): axum::extract::Path<u32>) -> String {
    id.to_string()
}

/// A client trait whose default methods name it.
#[allow(async_fn_in_trait)]
pub trait WidgetsApi {
    #[secret_bearer(WidgetsKey)]
    async fn list(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, Box<dyn std::error::Error>> {
        Ok(request.send().await?)
    }

    #[secret_bearer(WidgetsKey)]
    async fn show(&self, request: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder, secret_bearer::Error> {
        Ok(request)
    }
}

#[secret_bearer(keys::PartnerKey)]
async fn partner(request: awc::ClientRequest) -> Result<awc::ClientRequest, secret_bearer::Error> {
    Ok(request)
}

#[secret_bearer(WidgetsKey)]
fn sign(headers: &mut http::HeaderMap) -> Result<(), secret_bearer::Error> {
    let _ = headers;
    Ok(())
}

fn main() -> Result<(), secret_bearer::Error> {
    let _ = App::new()
        .service(list)
        .service(show)
        .route("/who", web::get().to(who))
        .route("/by-hand", web::post().to(by_hand))
        .service(web::scope("/admin").wrap(WidgetsKey::bearer()?.clone()));
    let _: axum::Router = axum::Router::new()
        .route("/widgets/{id}", axum::routing::get(axum_show))
        .layer(SecretBearerLayer::new(WidgetsKey::bearer()?.clone()));
    let _ = (partner, sign, WidgetsKey);
    Ok(())
}
