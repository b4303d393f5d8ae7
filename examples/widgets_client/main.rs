//! The reference's widgets client: creates Thinga and Mabob through the widgets API, lists
//! the widgets, and prints them in clearskies' envelope. Every request carries `MY_SECRET`
//! (default `SUPERSECRET`), attached by the client's `SecretBearerClientMiddleware` (see
//! `client.rs` beside it), which also sends a request once more after a 401 when the secret
//! read again differs.
//!
//! ```text
//! cargo run -p secret_bearer_tests --example widgets_server &
//! cargo run -p secret_bearer_tests --example widgets_client
//! ```
//!
//! `BASE_URL` (default `http://localhost:8080`) says where the API is.

use std::error::Error;
use std::process::ExitCode;

mod client;

use client::{Envelope, WidgetsClient, api_demo};
use secret_bearer::SecretBearer;
use secret_bearer_workspace::{init_logs, seed_env};

fn main() -> ExitCode {
    seed_env(&[("MY_SECRET", "SUPERSECRET")]);
    init_logs();
    // The client reads `MY_SECRET` for every request; say now if it cannot.
    let sent = SecretBearer::builder().env("MY_SECRET").build();
    if let Err(error) = sent.and_then(|bearer| bearer.resolve()) {
        tracing::warn!(%error, "requests to the widgets API will fail");
    }
    match run() {
        Ok(printed) => {
            println!("{printed}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<String, Box<dyn Error>> {
    let base_url = std::env::var("BASE_URL").unwrap_or_else(|_| "http://localhost:8080".to_owned());
    let client = WidgetsClient::new(base_url)?;
    let widgets = actix_web::rt::System::new().block_on(async { api_demo(&client).await })?;
    Ok(serde_json::to_string_pretty(&Envelope::success(widgets))?)
}
