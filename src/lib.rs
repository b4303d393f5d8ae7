//! Helpers shared by this workspace's examples and tests (not published): clearskies' response
//! envelope and the examples' start-up conventions.

pub mod widgets_client;

use std::io;

use actix_web::{App, HttpResponse, HttpServer, web};
use serde::Serialize;

/// `{}`, as clearskies writes an empty `pagination` or `input_errors`.
#[derive(Serialize)]
struct Empty {}

/// clearskies' response envelope, in clearskies' field order.
#[derive(Serialize)]
struct Envelope<T> {
    status: &'static str,
    error: &'static str,
    data: T,
    pagination: Empty,
    input_errors: Empty,
}

/// A 200 with `data` in clearskies' success envelope.
pub fn success(data: impl Serialize) -> HttpResponse {
    HttpResponse::Ok().json(Envelope {
        status: "success",
        error: "",
        data,
        pagination: Empty {},
        input_errors: Empty {},
    })
}

/// The reference's hello handler's answer: `{"hello": "world"}` in the success envelope.
pub fn hello_world() -> HttpResponse {
    success(serde_json::json!({ "hello": "world" }))
}

/// Sets each variable to the reference's value unless the environment already sets it, so an
/// example runs as-is and the same variables override it.
///
/// Call it first thing in `main`, before any thread starts: setting the environment is only
/// sound while nothing else reads it.
pub fn seed_env(defaults: &[(&str, &str)]) {
    for (name, value) in defaults {
        if std::env::var_os(name).is_none() {
            // SAFETY: called before any other thread exists (see above).
            unsafe { std::env::set_var(name, value) };
        }
    }
}

/// Serves `routes` on 127.0.0.1, port `PORT` (default 8080), until the process is stopped.
pub fn serve<F>(routes: F) -> io::Result<()>
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let port = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("PORT={port:?} is not a port"),
            )
        })?,
        Err(_) => 8080,
    };
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || App::new().configure(routes.clone()))
            .workers(2)
            .bind(("127.0.0.1", port))?;
        println!("listening on http://127.0.0.1:{port}");
        server.run().await
    })
}

/// The README's Rust snippets compile, as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
