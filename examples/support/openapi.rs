//! What the `openapi` examples share, on actix-web and on axum: the widgets and their store, each
//! operation's answer (its status and its JSON bytes, which each server only sends), the schemas
//! of those answers, and the document's last steps. Sharing the answers is what makes the two
//! servers answer byte for byte alike; sharing the schemas, what makes their documents alike.
//!
//! The schemas below describe the bodies that `secret_bearer_workspace`'s `success_json` and
//! `client_error_json` write (clearskies' envelope); schemathesis checks, against both servers,
//! that every answer fits its documented schema (tests/schemathesis.rs).

use std::io;
use std::sync::Mutex;

use secret_bearer_workspace::{client_error_json, success_json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoResponses, ToSchema};

/// A widget as the API stores it.
#[derive(Clone, Serialize, ToSchema)]
pub struct Widget {
    id: String,
    name: String,
    category: String,
    cost: f64,
}

/// The writeable columns of a widget.
#[derive(Deserialize, ToSchema)]
pub struct NewWidget {
    name: String,
    category: String,
    cost: f64,
}

/// What the hello handler's envelope holds: `{"hello": "world"}`, the reference's.
#[derive(Serialize, ToSchema)]
pub struct Hello {
    #[schema(pattern = "^world$")]
    hello: &'static str,
}

/// clearskies' envelope of a 200: `data` is the answer, the other fields are fixed.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "a schema only: `success_json` writes the envelope"
)]
pub struct Success<T> {
    #[schema(pattern = "^success$")]
    status: String,
    /// Always `""` on success.
    #[schema(max_length = 0)]
    error: String,
    data: T,
    #[schema(inline)]
    pagination: Nothing,
    #[schema(inline)]
    input_errors: Nothing,
}

/// clearskies' envelope of a refused request: `error` says why, and there is no data.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "a schema only: `client_error_json` writes the envelope"
)]
pub struct ClientError {
    #[schema(pattern = "^client_error$")]
    status: String,
    error: String,
    /// Always `[]`.
    #[schema(max_items = 0)]
    data: Vec<String>,
    #[schema(inline)]
    pagination: Nothing,
    #[schema(inline)]
    input_errors: Nothing,
}

/// `{}`, as clearskies writes an empty `pagination` or `input_errors`.
#[derive(ToSchema)]
#[schema(max_properties = 0)]
pub struct Nothing {}

/// `GET /`'s answer, as each server's `#[utoipa::path]` names it. (`document` adds the 401.)
/// The bodies' schemas are written out in each response (`#[to_schema]`): a generic type's
/// reference would name a component that no document registers.
#[derive(IntoResponses)]
#[response(status = 200, description = "Hello, world")]
#[allow(dead_code, reason = "a schema only: `hello` writes the answer")]
pub struct HelloSaid(#[to_schema] Success<Hello>);

/// `GET /widgets`'s answer.
#[derive(IntoResponses)]
#[response(status = 200, description = "Widgets by name")]
#[allow(dead_code, reason = "a schema only: `Store::list` writes the answer")]
pub struct WidgetsListed(#[to_schema] Success<Vec<Widget>>);

/// `POST /widgets`'s answers.
#[derive(IntoResponses)]
#[allow(dead_code, reason = "schemas only: `Store::create` writes the answers")]
pub enum WidgetMade {
    #[response(status = 200, description = "The widget made")]
    Made(#[to_schema] Success<Widget>),
    #[response(
        status = 400,
        description = "The body is not a JSON widget, or not sent as `application/json`"
    )]
    BadBody(#[to_schema] ClientError),
}

/// The widgets API's key, named by its handlers on either server (one `ApiKey` scheme in the
/// document).
#[secret_bearer::secret_bearer(env = "MY_SECRET")]
pub struct WidgetsKey;

/// An operation's answer: its status and its JSON body, which each server sends as
/// `application/json`.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// `GET /`: the reference's hello, `{"hello": "world"}` in the success envelope.
pub fn hello() -> Answer {
    ok(Hello { hello: "world" })
}

/// The widgets, in memory.
#[derive(Default)]
pub struct Store(Mutex<Vec<Widget>>);

impl Store {
    /// `GET /widgets`: every widget, by name.
    pub fn list(&self) -> Answer {
        let mut widgets = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        widgets.sort_by(|a, b| a.name.cmp(&b.name));
        ok(&widgets)
    }

    /// `POST /widgets`: the widget made from a JSON body, or a 400 saying what is wrong with
    /// the body. Both servers read the body as bytes and parse it here, rather than with their
    /// own JSON extractors, whose refusals differ (actix-web answers 400 in plain text, axum 415
    /// or 422) and are no envelope.
    pub fn create(&self, content_type: Option<&[u8]>, body: &[u8]) -> Answer {
        if !content_type.is_some_and(is_json) {
            return bad_request("the body must be sent as application/json");
        }
        let NewWidget {
            name,
            category,
            cost,
        } = match serde_json::from_slice(body) {
            Ok(new) => new,
            Err(error) => return bad_request(&format!("the body is not a widget: {error}")),
        };
        let mut widgets = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let widget = Widget {
            id: (widgets.len() + 1).to_string(),
            name,
            category,
            cost,
        };
        widgets.push(widget.clone());
        ok(&widget)
    }
}

/// Whether a `Content-Type` value is `application/json`, with or without parameters (any
/// case, as media types are).
fn is_json(content_type: &[u8]) -> bool {
    let essence = content_type
        .split(|&byte| byte == b';')
        .next()
        .unwrap_or_default();
    essence
        .trim_ascii()
        .eq_ignore_ascii_case(b"application/json")
}

fn ok(data: impl Serialize) -> Answer {
    Answer {
        status: 200,
        body: success_json(data),
    }
}

fn bad_request(error: &str) -> Answer {
    Answer {
        status: 400,
        body: client_error_json(error),
    }
}

/// The served document: the handlers' operations as utoipa derived them, with the security
/// scheme, each protected operation's requirement and its 401 added, as JSON text.
pub fn document(mut doc: utoipa::openapi::OpenApi) -> io::Result<String> {
    secret_bearer::openapi::document_handlers(&mut doc).map_err(io::Error::other)?;
    doc.to_json().map_err(io::Error::other)
}

/// The variables the examples read, seeded with the reference's secret.
pub const SECRETS: &[(&str, &str)] = &[
    ("MY_AUTH_SECRET", "SUPERSECRET"),
    ("MY_SECRET", "SUPERSECRET"),
];
