//! Start-up shared by the axum examples, as `secret_bearer_workspace::serve` is by actix-web's:
//! a Tokio runtime, the secrets checked (`resolve_all!`'s answer, logged), and the router served
//! on `PORT` (8080 by default).

use std::io;

use axum::Router;
use secret_bearer::Error;
use secret_bearer_workspace::{init_logs, port, report_secrets};

pub fn serve(checked: impl Future<Output = Result<usize, Error>>, app: Router) -> io::Result<()> {
    init_logs();
    let port = port()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        report_secrets(checked.await);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        tracing::info!("listening on http://127.0.0.1:{port}");
        axum::serve(listener, app).await
    })
}
