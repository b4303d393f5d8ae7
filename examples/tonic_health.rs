//! A tonic gRPC service (the standard health service, which needs no code generation) behind
//! `SecretBearerLayer`: a call without the key is refused as `UNAUTHENTICATED`, a call with
//! `authorization: Bearer SUPERSECRET` is answered.
//!
//! ```text
//! cargo run -p secret_bearer_tests --example tonic_health
//! grpcurl -plaintext -H 'authorization: Bearer SUPERSECRET' localhost:8080 grpc.health.v1.Health/Check
//! ```
//!
//! At start-up it makes both calls itself, and prints what each got.

use secret_bearer::SecretBearer;
use secret_bearer::tower::SecretBearerLayer;
use secret_bearer_workspace::{init_logs, port, seed_env};
use tonic::metadata::MetadataValue;
use tonic::transport::{Channel, Server};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    seed_env(&[("MY_AUTH_SECRET", "SUPERSECRET")]);
    init_logs();
    let port = port()?;
    let bearer = SecretBearer::builder()
        .env("MY_AUTH_SECRET")
        .prefix("Bearer ")
        .build()?;
    bearer.resolve()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (_, health) = tonic_health::server::health_reporter();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        let server = Server::builder()
            .layer(SecretBearerLayer::new(bearer))
            .add_service(health)
            .serve_with_incoming(incoming);
        let server = tokio::spawn(server);
        tracing::info!("listening on http://127.0.0.1:{port}");

        let channel = Channel::from_shared(format!("http://127.0.0.1:{port}"))?
            .connect()
            .await?;
        let refused = HealthClient::new(channel.clone())
            .check(HealthCheckRequest::default())
            .await;
        println!(
            "without the key: {:?}",
            refused.map_err(|status| status.code())
        );
        let key: MetadataValue<_> = "Bearer SUPERSECRET".parse()?;
        let mut client =
            HealthClient::with_interceptor(channel, move |mut request: tonic::Request<()>| {
                request.metadata_mut().insert("authorization", key.clone());
                Ok(request)
            });
        let accepted = client.check(HealthCheckRequest::default()).await?;
        println!("with the key: {:?}", accepted.into_inner().status());
        server.await??;
        Ok(())
    })
}
