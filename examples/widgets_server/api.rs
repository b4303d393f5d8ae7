//! The reference's widgets server: clearskies' `RestfulApi` over a `Widget` model in memory,
//! every route protected by the named bearer [`WidgetsKey`] (`#[secret_bearer(WidgetsKey)]`),
//! whose keys are written once: `env = "MY_SECRET", alt_env = "MY_ALT_SECRET"`.
//! `MY_ALT_SECRET` is the rotation path: set it to the old secret while clients move to the
//! new one in `MY_SECRET` (the example sets it to `MY_SECRET`'s value when it is unset).
//!
//! | route | does |
//! | --- | --- |
//! | `POST /widgets` | creates a widget from a JSON object of writeable columns |
//! | `GET /widgets` | lists widgets: `sort` + `direction` (`name`, `category`, `cost`; default `name` ascending), search by `id`, `name`, `category`, `cost` (exact), `limit` (default 50, at most 200) and `start` |
//! | `GET /widgets/{id}` | one widget |
//! | `PATCH /widgets/{id}`, `PUT /widgets/{id}` | updates the writeable columns given |
//! | `DELETE /widgets/{id}` | deletes it |
//!
//! Answers, their statuses and their messages are clearskies 2.2.1's, recorded against the
//! reference's server: input errors are a 200 with status `input_errors`, an unknown id is a
//! 404 `Not Found`, a bad query parameter a 400. Where clearskies 2.2.1 fails (a `PUT` answers
//! 500; sorting by `cost` descending, and searching by `cost`, do not work), this server does
//! what the API declares.
//!
//! (A module of the example, not of the workspace's library: its handlers would otherwise be
//! in every example's list of handlers for `resolve_all`. `tests/widgets.rs` includes it.)

use std::sync::{Mutex, PoisonError};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, delete, get, post, route, web};
use chrono::{SecondsFormat, Utc};
use secret_bearer::secret_bearer;
use serde::Serialize;
use serde_json::{Map, Value};

use secret_bearer_workspace::{client_error, empty, envelope, success};

/// The widgets API's key, named by each of its handlers: one configuration, one bearer.
#[secret_bearer(env = "MY_SECRET", alt_env = "MY_ALT_SECRET")]
pub struct WidgetsKey;

/// The columns a client may write.
const WRITEABLE: [&str; 3] = ["name", "category", "cost"];
/// The columns a list may be sorted by.
const SORTABLE: [&str; 3] = ["name", "category", "cost"];
/// The list's page size when none is asked for, and the largest one allowed.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 200;

/// One widget, with its columns in clearskies' order. The server sets the id and the
/// timestamps; a column never written is `null`.
#[derive(Clone, Debug, Serialize)]
pub struct Widget {
    id: String,
    name: Option<String>,
    category: Option<String>,
    cost: Option<f64>,
    created_at: String,
    updated_at: String,
}

/// The in-memory backend: widgets in the order they were created.
#[derive(Debug, Default)]
pub struct Widgets(Mutex<Vec<Widget>>);

impl Widgets {
    fn with<T>(&self, work: impl FnOnce(&mut Vec<Widget>) -> T) -> T {
        work(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Registers the API's routes on the shared `store` (made once, outside the server's
/// factory, so that every worker sees the same widgets).
pub fn configure(routes: &mut web::ServiceConfig, store: web::Data<Widgets>) {
    routes
        .app_data(store)
        .service(create)
        .service(list)
        .service(show)
        .service(update)
        .service(remove);
}

/// Why a request is refused, in clearskies' words: a client error (with its status), or input
/// errors by column (a 200, as clearskies answers them).
#[derive(Debug)]
enum Refusal {
    Client(StatusCode, String),
    Input(Map<String, Value>),
}

impl Refusal {
    fn bad_request(error: &str) -> Self {
        Self::Client(StatusCode::BAD_REQUEST, error.to_owned())
    }

    fn input(column: &str, problem: &str) -> Self {
        Self::Input(Map::from_iter([(column.to_owned(), Value::from(problem))]))
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Client(_, error) => f.write_str(error),
            Self::Input(errors) => write!(f, "input errors: {}", Value::Object(errors.clone())),
        }
    }
}

impl ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Client(status, _) => *status,
            Self::Input(_) => StatusCode::OK,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Client(status, error) => client_error(*status, error),
            Self::Input(errors) => envelope(
                StatusCode::OK,
                "input_errors",
                "",
                [(); 0],
                empty(),
                Value::Object(errors.clone()),
            ),
        }
    }
}

/// clearskies' timestamp format: `2025-06-13T15:19:27+00:00`.
fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A request body as clearskies reads it: a non-empty JSON object.
fn object(body: &[u8]) -> Result<Map<String, Value>, Refusal> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) if !object.is_empty() => Ok(object),
        // clearskies treats `{}` as no body at all.
        Ok(Value::Object(_)) | Err(_) => {
            Err(Refusal::bad_request("Request body was not valid JSON"))
        }
        Ok(_) => Err(Refusal::bad_request(
            "Request body was not a JSON dictionary.",
        )),
    }
}

/// Writes `input` to `widget`, or answers clearskies' input errors and writes nothing.
fn write(widget: &mut Widget, input: &Map<String, Value>) -> Result<(), Refusal> {
    let mut errors = Map::new();
    for (column, value) in input {
        let problem = match (column.as_str(), value) {
            (column, _) if !WRITEABLE.contains(&column) => {
                format!("Input column {column} is not an allowed input column.")
            }
            ("name" | "category", Value::String(_) | Value::Null) => continue,
            ("cost", Value::Number(_) | Value::Null) => continue,
            ("cost", _) => "value should be an integer or float".to_owned(),
            _ => "value should be a string".to_owned(),
        };
        errors.insert(column.clone(), Value::String(problem));
    }
    if !errors.is_empty() {
        return Err(Refusal::Input(errors));
    }
    for (column, value) in input {
        match column.as_str() {
            "name" => widget.name = value.as_str().map(str::to_owned),
            "category" => widget.category = value.as_str().map(str::to_owned),
            _ => widget.cost = value.as_f64(),
        }
    }
    Ok(())
}

fn not_found() -> Refusal {
    Refusal::Client(StatusCode::NOT_FOUND, "Not Found".to_owned())
}

#[post("/widgets")]
#[secret_bearer(WidgetsKey)]
async fn create(store: web::Data<Widgets>, body: web::Bytes) -> Result<HttpResponse, Refusal> {
    let input = object(&body)?;
    let created_at = now();
    let mut widget = Widget {
        id: uuid::Uuid::new_v4().to_string(),
        name: None,
        category: None,
        cost: None,
        updated_at: created_at.clone(),
        created_at,
    };
    write(&mut widget, &input)?;
    store.with(|widgets| widgets.push(widget.clone()));
    Ok(success(widget))
}

/// `pagination` of a non-empty list, in clearskies' field order.
#[derive(Serialize)]
struct Pagination {
    number_results: usize,
    limit: usize,
    next_page: Value,
}

/// What a list asks for.
struct ListQuery {
    sort: &'static str,
    descending: bool,
    limit: usize,
    start: usize,
    search: Vec<(String, Value)>,
}

impl ListQuery {
    fn parse(pairs: &[(String, String)]) -> Result<Self, Refusal> {
        let bad = Refusal::bad_request;
        let mut query = Self {
            sort: "name",
            descending: false,
            limit: DEFAULT_LIMIT,
            start: 0,
            search: Vec::new(),
        };
        let (mut sort, mut direction) = (None, None);
        for (name, value) in pairs {
            match name.as_str() {
                "sort" => sort = Some(value.as_str()),
                "direction" => direction = Some(value.to_ascii_lowercase()),
                "limit" => {
                    let limit: usize = value
                        .parse()
                        .map_err(|_| bad("Invalid request: 'limit' should be an integer"))?;
                    if limit > MAX_LIMIT {
                        return Err(bad("Invalid request: 'limit' must be at most 200"));
                    }
                    // As in clearskies, 0 means the default.
                    query.limit = if limit == 0 { DEFAULT_LIMIT } else { limit };
                }
                "start" => {
                    query.start = value
                        .parse()
                        .map_err(|_| bad("Invalid pagination data: 'start' must be a number"))?;
                }
                "cost" => match value.parse::<f64>() {
                    Ok(cost) => query.search.push((name.clone(), Value::from(cost))),
                    Err(_) => {
                        return Err(Refusal::input(
                            "cost",
                            "value should be an integer or float",
                        ));
                    }
                },
                "id" | "name" | "category" => {
                    query
                        .search
                        .push((name.clone(), Value::from(value.as_str())));
                }
                other => {
                    return Err(bad(&format!(
                        "Invalid request parameter found in URL data: '{other}'"
                    )));
                }
            }
        }
        match (sort, direction) {
            (None, None) => {}
            (Some(sort), Some(direction)) => {
                query.sort = SORTABLE
                    .into_iter()
                    .find(|column| *column == sort)
                    .ok_or_else(|| bad("Invalid request: invalid sort column"))?;
                query.descending = match direction.as_str() {
                    "asc" => false,
                    "desc" => true,
                    _ => return Err(bad("Invalid request: direction must be 'asc' or 'desc'")),
                };
            }
            _ => {
                return Err(bad(
                    "You must specify 'sort' and 'direction' together in the request - not \
                     just one of them",
                ));
            }
        }
        Ok(query)
    }
}

/// A widget's column as JSON, for searching and sorting.
fn column(widget: &Widget, name: &str) -> Value {
    match name {
        "id" => Value::from(widget.id.as_str()),
        "name" => widget.name.as_deref().map_or(Value::Null, Value::from),
        "category" => widget.category.as_deref().map_or(Value::Null, Value::from),
        _ => widget.cost.map_or(Value::Null, Value::from),
    }
}

/// Orders two values of one column: nulls first, then numbers or strings.
fn order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(std::cmp::Ordering::Equal),
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Null, Value::Null) => std::cmp::Ordering::Equal,
        (Value::Null, _) => std::cmp::Ordering::Less,
        _ => std::cmp::Ordering::Greater,
    }
}

#[get("/widgets")]
#[secret_bearer(WidgetsKey)]
async fn list(
    store: web::Data<Widgets>,
    pairs: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, Refusal> {
    let query = ListQuery::parse(&pairs)?;
    let mut found: Vec<Widget> = store.with(|widgets| {
        widgets
            .iter()
            .filter(|widget| {
                query
                    .search
                    .iter()
                    .all(|(name, wanted)| order(&column(widget, name), wanted).is_eq())
            })
            .cloned()
            .collect()
    });
    found.sort_by(|a, b| {
        let ordering = order(&column(a, query.sort), &column(b, query.sort));
        if query.descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    let number_results = found.len();
    let page: Vec<Widget> = found
        .into_iter()
        .skip(query.start)
        .take(query.limit)
        .collect();
    if page.is_empty() {
        // clearskies writes no pagination for an empty page.
        return Ok(success(page));
    }
    let next = query.start + query.limit;
    let pagination = Pagination {
        number_results,
        limit: query.limit,
        next_page: if next < number_results {
            serde_json::json!({ "start": next })
        } else {
            empty()
        },
    };
    Ok(envelope(
        StatusCode::OK,
        "success",
        "",
        page,
        pagination,
        empty(),
    ))
}

#[get("/widgets/{id}")]
#[secret_bearer(WidgetsKey)]
async fn show(store: web::Data<Widgets>, id: web::Path<String>) -> Result<HttpResponse, Refusal> {
    let found = store.with(|widgets| widgets.iter().find(|widget| widget.id == *id).cloned());
    found.map(success).ok_or_else(not_found)
}

#[route("/widgets/{id}", method = "PATCH", method = "PUT")]
#[secret_bearer(WidgetsKey)]
async fn update(
    store: web::Data<Widgets>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Refusal> {
    let input = object(&body)?;
    store.with(|widgets| {
        let widget = widgets
            .iter_mut()
            .find(|widget| widget.id == *id)
            .ok_or_else(not_found)?;
        let mut updated = widget.clone();
        write(&mut updated, &input)?;
        updated.updated_at = now();
        *widget = updated.clone();
        Ok(success(updated))
    })
}

#[delete("/widgets/{id}")]
#[secret_bearer(WidgetsKey)]
async fn remove(store: web::Data<Widgets>, id: web::Path<String>) -> Result<HttpResponse, Refusal> {
    store.with(|widgets| {
        let index = widgets
            .iter()
            .position(|widget| widget.id == *id)
            .ok_or_else(not_found)?;
        widgets.remove(index);
        Ok(success(empty()))
    })
}
