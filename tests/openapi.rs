//! OpenAPI documentation (SPEC §5): the scheme, the requirement and the 401 land on annotated
//! operations only, for the default name, a custom name, `doc = ""`, the bearer prefix, the
//! middleware and the extractor; and the document passes a real OpenAPI validator.

mod support;

use actix_web::Responder;
use secret_bearer::{Authenticated, SecretBearer, secret_bearer};
use serde_json::{Value, json};
use support::validate_openapi as validate;
use utoipa::OpenApi;

#[utoipa::path(get, path = "/default", responses((status = 200, description = "Hello")))]
#[secret_bearer(env = "SB_TEST_PRIMARY")]
async fn default_name() -> impl Responder {
    "hello"
}

// The other order of the two attributes.
#[allow(dead_code)] // documented, never mounted
#[secret_bearer(env = "SB_TEST_PRIMARY", doc = "PartnerKey", prefix = "secret-token ")]
#[utoipa::path(post, path = "/custom", responses((status = 201, description = "Made")))]
async fn custom_name() -> impl Responder {
    "made"
}

#[allow(dead_code)] // documented, never mounted
#[utoipa::path(get, path = "/bearer", responses((status = 200, description = "Hello")))]
#[secret_bearer(env = "SB_TEST_PRIMARY", prefix = "BEARER ", doc = "BearerAuth")]
async fn bearer_prefix() -> impl Responder {
    "hello"
}

#[allow(dead_code)] // documented, never mounted
#[utoipa::path(get, path = "/undocumented", responses((status = 200, description = "Hello")))]
#[secret_bearer(env = "SB_TEST_PRIMARY", doc = "")]
async fn undocumented() -> impl Responder {
    "hello"
}

/// Named by two operations: one scheme, both operations.
#[secret_bearer(env = "SB_TEST_PRIMARY", prefix = "Bearer ", doc = "WidgetsKey")]
struct WidgetsKey;

#[allow(dead_code)] // documented, never mounted
#[utoipa::path(get, path = "/widgets", responses((status = 200, description = "Widgets")))]
#[secret_bearer(WidgetsKey)]
async fn list_widgets() -> impl Responder {
    "[]"
}

#[allow(dead_code)] // documented, never mounted
#[secret_bearer(WidgetsKey)]
#[utoipa::path(delete, path = "/widgets/{id}", params(("id" = u32, Path)), responses((status = 204, description = "Gone")))]
async fn delete_widget(id: actix_web::web::Path<u32>) -> impl Responder {
    id.to_string()
}

/// A key set, whose callers may be granted scopes.
#[secret_bearer(keys_env = "SB_TEST_KEYS", prefix = "Bearer ", doc = "CallerKey")]
struct CallerKey;

#[allow(dead_code)] // documented, never mounted
#[utoipa::path(post, path = "/invoices", responses((status = 201, description = "Created")))]
#[secret_bearer(CallerKey, scopes = ["invoices:write", "admin"])]
async fn create_invoice() -> impl Responder {
    "created"
}

#[utoipa::path(get, path = "/public", responses((status = 200, description = "Hello")))]
async fn public() -> impl Responder {
    "hello"
}

#[utoipa::path(get, path = "/api/items", responses((status = 200, description = "Items")))]
async fn api_items() -> impl Responder {
    "items"
}

#[utoipa::path(get, path = "/extracted", responses((status = 200, description = "Hello")))]
async fn extracted(_: Authenticated) -> impl Responder {
    "hello"
}

#[derive(OpenApi)]
#[openapi(paths(
    default_name,
    custom_name,
    bearer_prefix,
    undocumented,
    list_widgets,
    delete_widget,
    create_invoice,
    public,
    api_items,
    extracted
))]
struct ApiDoc;

fn documented() -> Value {
    let mut doc = ApiDoc::openapi();
    assert_eq!(secret_bearer::openapi::document_handlers(&mut doc), Ok(6));
    let scope = SecretBearer::builder()
        .env("A")
        .prefix("Bearer ")
        .doc("ScopeAuth")
        .build()
        .unwrap();
    assert_eq!(scope.document_paths(&mut doc, "/api"), Ok(1));
    let extractor = SecretBearer::builder().env("A").build().unwrap();
    assert_eq!(extractor.document_operation(&mut doc, "extracted"), Ok(1));
    let silent = SecretBearer::builder().env("A").doc("").build().unwrap();
    assert_eq!(silent.document_paths(&mut doc, ""), Ok(0));
    serde_json::to_value(&doc).unwrap()
}

fn operation<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    &doc["paths"][path][method]
}

#[test]
fn schemes_follow_the_name_and_the_prefix() {
    let doc = documented();
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    let mut names: Vec<_> = schemes.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "ApiKey",
            "BearerAuth",
            "CallerKey",
            "PartnerKey",
            "ScopeAuth",
            "WidgetsKey"
        ]
    );
    assert_eq!(
        schemes["ApiKey"],
        json!({
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "The secret is the whole `Authorization` header value."
        })
    );
    assert_eq!(schemes["PartnerKey"]["type"], "apiKey");
    assert_eq!(schemes["PartnerKey"]["name"], "Authorization");
    assert!(
        schemes["PartnerKey"]["description"]
            .as_str()
            .unwrap()
            .contains("`secret-token `")
    );
    assert_eq!(
        schemes["BearerAuth"],
        json!({ "type": "http", "scheme": "bearer" })
    );
    assert_eq!(
        schemes["ScopeAuth"],
        json!({ "type": "http", "scheme": "bearer" })
    );
    assert_eq!(
        schemes["WidgetsKey"],
        json!({ "type": "http", "scheme": "bearer" })
    );
}

#[test]
fn annotated_operations_and_only_those_require_the_scheme() {
    let doc = documented();
    for (path, method, scheme) in [
        ("/default", "get", "ApiKey"),
        ("/custom", "post", "PartnerKey"),
        ("/bearer", "get", "BearerAuth"),
        ("/api/items", "get", "ScopeAuth"),
        ("/extracted", "get", "ApiKey"),
        ("/widgets", "get", "WidgetsKey"),
        ("/widgets/{id}", "delete", "WidgetsKey"),
    ] {
        let operation = operation(&doc, path, method);
        assert_eq!(operation["security"], json!([{ scheme: [] }]), "{path}");
        let unauthorized = &operation["responses"]["401"];
        assert_eq!(unauthorized["description"], "Not Authenticated", "{path}");
        assert_eq!(
            unauthorized["content"]["application/json"]["example"],
            serde_json::from_str::<Value>(support::NOT_AUTHENTICATED).unwrap()
        );
        // The operation's own responses are kept.
        assert!(
            operation["responses"].as_object().unwrap().len() >= 2,
            "{path}"
        );
    }
    // Scopes: listed in the requirement, and the 403 documented beside the 401.
    let invoices = operation(&doc, "/invoices", "post");
    assert_eq!(
        invoices["security"],
        json!([{ "CallerKey": ["invoices:write", "admin"] }])
    );
    assert_eq!(
        invoices["responses"]["401"]["description"],
        "Not Authenticated"
    );
    let forbidden = &invoices["responses"]["403"];
    assert_eq!(
        forbidden["content"]["application/json"]["example"],
        serde_json::from_str::<Value>(support::NOT_AUTHORIZED).unwrap()
    );
    assert_eq!(
        forbidden["headers"]["WWW-Authenticate"]["schema"]["enum"],
        json!([r#"Bearer error="insufficient_scope", scope="invoices:write admin""#])
    );
    assert!(
        operation(&doc, "/widgets", "get")["responses"]
            .get("403")
            .is_none()
    );
    for path in ["/undocumented", "/public"] {
        let operation = operation(&doc, path, "get");
        assert!(operation.get("security").is_none(), "{path}: {operation}");
        assert!(operation["responses"].get("401").is_none(), "{path}");
    }
}

#[test]
fn documenting_twice_changes_nothing_more() {
    let mut doc = ApiDoc::openapi();
    secret_bearer::openapi::document_handlers(&mut doc).unwrap();
    let once = serde_json::to_value(&doc).unwrap();
    secret_bearer::openapi::document_handlers(&mut doc).unwrap();
    assert_eq!(serde_json::to_value(&doc).unwrap(), once);
}

#[test]
#[ignore = "needs openapi-spec-validator; .ci/run installs it"]
fn the_document_is_valid_openapi() {
    let doc = documented();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    validate(&doc).unwrap();
    // The validator does reject a broken document: one without its `info`.
    let mut broken = doc.clone();
    broken.as_object_mut().unwrap().remove("info");
    assert!(validate(&broken).is_err());
}

#[actix_web::test]
async fn the_documented_handlers_are_the_served_ones() {
    use actix_web::{App, test, web};
    let bearer = SecretBearer::builder()
        .env("SB_TEST_UNSET_OPENAPI")
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .route("/default", web::get().to(default_name))
            .route("/public", web::get().to(public))
            .route("/api/items", web::get().to(api_items))
            .route("/extracted", web::get().to(extracted))
            .app_data(bearer),
    )
    .await;
    for (path, status) in [
        ("/public", 200),
        ("/api/items", 200),
        ("/default", 500),
        ("/extracted", 500),
    ] {
        let request = test::TestRequest::get().uri(path).to_request();
        // This binary sets no secrets: the protected routes fail closed, which shows the check
        // runs where the document says it does.
        assert_eq!(
            test::call_service(&app, request).await.status(),
            status,
            "{path}"
        );
    }
}
