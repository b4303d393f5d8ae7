//! `AwsSecretsManager` against a real implementation of the Secrets Manager API (`moto_server`,
//! from PyPI's `moto[server]`) on loopback: string and key/value secrets, `AWSCURRENT` and
//! `AWSPREVIOUS` across `put-secret-value` rotations, a missing secret, the standard
//! configuration chain's endpoint override, and a server that stops.

mod stores;
mod support;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use secret_bearer::{
    AwsSecretsManager, ManagerErrorKind, SecretBearer, SecretManager, SecretStore,
};
use support::servers::Server;

fn moto() -> Server {
    moto_with(&[])
}

fn moto_with(env: &[(&str, &str)]) -> Server {
    Server::start_with_env(
        "moto_server",
        &["-H", "127.0.0.1", "-p", "{port}"],
        env,
        "python3 -m pip install 'moto[server]'",
    )
}

/// An SDK client for the moto server, configured in code (tests share one environment).
async fn client(server: &Server) -> Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.url())
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await;
    Client::new(&config)
}

/// Creates the secret, or puts a new version of it (the old one becomes `AWSPREVIOUS`), as
/// `aws secretsmanager create-secret` and `put-secret-value` do.
async fn put(client: &Client, name: &str, value: &str) {
    let exists = client
        .describe_secret()
        .secret_id(name)
        .send()
        .await
        .is_ok();
    if exists {
        client
            .put_secret_value()
            .secret_id(name)
            .secret_string(value)
            .send()
            .await
            .unwrap();
    } else {
        client
            .create_secret()
            .name(name)
            .secret_string(value)
            .send()
            .await
            .unwrap();
    }
}

#[actix_web::test]
#[ignore = "needs moto_server; .ci/run installs it"]
async fn string_and_key_value_secrets_are_read_and_a_missing_one_named() {
    let server = moto();
    let client = client(&server).await;
    put(&client, "widgets/api", "SUPERSECRET").await;
    put(
        &client,
        "widgets/keys",
        r#"{"api_key":"KEY-1","region":"eu"}"#,
    )
    .await;
    let aws = AwsSecretsManager::new(client.clone());
    assert_eq!(aws.get("widgets/api").await.unwrap(), "SUPERSECRET");

    let store = SecretStore::new(aws.clone());
    let bearer = SecretBearer::builder()
        .secret("widgets/keys#api_key")
        .alt_secret("widgets/api")
        .build()
        .unwrap();
    assert!(stores::accepts(&bearer, &store, "KEY-1").await);
    assert!(stores::accepts(&bearer, &store, "SUPERSECRET").await);
    assert!(!stores::accepts(&bearer, &store, "eu").await);

    let missing = aws.get("widgets/none").await.unwrap_err();
    assert_eq!(missing.kind(), ManagerErrorKind::NotFound, "{missing}");
    assert!(
        missing.message().starts_with(
            "secret `widgets/none` (AWSCURRENT): AWS Secrets Manager has no such secret"
        ),
        "{missing}"
    );
}

#[actix_web::test]
#[ignore = "needs moto_server; .ci/run installs it"]
async fn awsprevious_follows_put_secret_value() {
    let server = moto();
    let client = client(&server).await;
    let aws = AwsSecretsManager::new(client.clone());
    put(&client, "rotated", "FIRST").await;
    assert_eq!(
        aws.get_previous("rotated").await.unwrap(),
        "FIRST",
        "never rotated"
    );
    put(&client, "rotated", "SECOND").await;
    assert_eq!(aws.get("rotated").await.unwrap(), "SECOND");
    assert_eq!(aws.get_previous("rotated").await.unwrap(), "FIRST");
    put(&client, "rotated", "THIRD").await;
    assert_eq!(aws.get_previous("rotated").await.unwrap(), "SECOND");
    let missing = aws.get_previous("none").await.unwrap_err();
    assert_eq!(missing.kind(), ManagerErrorKind::NotFound);
}

#[actix_web::test]
#[ignore = "needs moto_server; .ci/run installs it"]
async fn a_handler_accepts_the_new_key_right_after_a_rotation_and_still_the_old_one() {
    let server = moto();
    let client = client(&server).await;
    let manager = AwsSecretsManager::new(client.clone());
    stores::a_handler_follows_rotations(manager, async |token| {
        put(&client, stores::PATH, &stores::document(token).to_string()).await
    })
    .await;
}

#[actix_web::test]
#[ignore = "needs moto_server; .ci/run installs it"]
async fn the_standard_chain_reads_the_endpoint_override_from_the_environment() {
    let server = moto();
    put(&client(&server).await, "from/env", "ENV-SECRET").await;
    for (name, value) in [
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", server.url().as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ] {
        // SAFETY: the standard library serialises its own environment accesses; the other
        // tests configure their clients in code.
        unsafe { std::env::set_var(name, value) };
    }
    let aws = AwsSecretsManager::from_env().await;
    assert_eq!(aws.get("from/env").await.unwrap(), "ENV-SECRET");
}

#[actix_web::test]
#[ignore = "needs moto_server; .ci/run installs it"]
async fn a_stopped_server_leaves_cached_secrets_serving_and_fails_closed_otherwise() {
    let mut server = moto();
    let client = client(&server).await;
    put(
        &client,
        stores::PATH,
        &stores::document("FIRST").to_string(),
    )
    .await;
    let aws = AwsSecretsManager::new(client);
    stores::a_stopped_store_serves_stale_and_fails_closed(
        &mut server,
        aws,
        "cannot reach AWS Secrets Manager",
    )
    .await;
}

#[actix_web::test]
#[ignore = "needs moto_server; .ci/run installs it"]
async fn credentials_the_service_does_not_know_are_refused() {
    // moto checks every request against its IAM users once this count of requests is spent.
    let server = moto_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]);
    let aws = AwsSecretsManager::new(client(&server).await);
    let refused = aws.get("widgets/api").await.unwrap_err();
    assert_eq!(refused.kind(), ManagerErrorKind::Denied, "{refused}");
    assert!(
        refused
            .message()
            .starts_with("secret `widgets/api` (AWSCURRENT): access denied"),
        "{refused}"
    );
}
