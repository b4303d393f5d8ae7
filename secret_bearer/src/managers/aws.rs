//! [`AwsSecretsManager`]: secrets in AWS Secrets Manager, through the official SDK.

use std::fmt;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use secrecy::zeroize::{Zeroize, Zeroizing};

use crate::manager::{ManagerError, ManagerErrorKind, SecretManager};

/// How long one read may take, retries included: requests waiting for a secret wait for it.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A [`SecretManager`] over AWS Secrets Manager (feature `aws`).
///
/// A path is a secret's name or ARN. [`get`](SecretManager::get) reads its `AWSCURRENT`
/// version and [`get_previous`](SecretManager::get_previous), which `rotating` reads, its
/// `AWSPREVIOUS` version (the current one for a secret never rotated), so a rotation done by
/// the secret's rotation function or by `put-secret-value` is accepted without a change of
/// configuration, while clients holding the old value keep working until the next one.
/// Key/value secrets are JSON objects: pick a key with `#`, as in
/// `#[secret_bearer(secret = "prod/widgets#api_key", rotating)]`.
///
/// Errors say which secret, and whether it is missing, refused (IAM: the caller needs
/// `secretsmanager:GetSecretValue`, and `kms:Decrypt` for a customer-managed key), or the
/// service unreachable; they never hold a value.
///
/// # What crosses the network, and to whom
///
/// `GetSecretValue` requests, over HTTPS (rustls), to the Secrets Manager endpoint of the
/// configured region (or the endpoint the standard variables name), each signed with SigV4: the
/// credentials sign a request and are never sent themselves; a signature is good for that one
/// request only. The answer carries the secret's value, which the store keeps as its digest (or
/// its key, for a client). Nothing else is sent, and nothing is sent again except as the
/// [`SecretStore`](crate::SecretStore)'s cache asks (its refreshes), through the SDK's own retries.
#[derive(Clone)]
pub struct AwsSecretsManager {
    client: Client,
}

impl AwsSecretsManager {
    /// Configured by the standard AWS chain: credentials from the environment, profiles, web
    /// identity, containers or instance metadata; the region from `AWS_REGION` or the profile;
    /// the endpoint from `AWS_ENDPOINT_URL_SECRETS_MANAGER` or `AWS_ENDPOINT_URL` when set. A
    /// read times out after 10 seconds.
    pub async fn from_env() -> Self {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(TimeoutConfig::builder().operation_timeout(TIMEOUT).build())
            .load()
            .await;
        Self::new(Client::new(&config))
    }

    /// Reads through this client (for settings of your own: region, credentials, endpoint,
    /// timeouts).
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The secret's value at a version stage.
    ///
    /// The value we are given is wiped, or becomes the answer, which the store wipes. The SDK
    /// reads it out of buffers of its own (the HTTP body, the JSON it parses, the base64 text
    /// of a binary secret) and frees them unwiped: those we cannot reach.
    async fn read(&self, path: &str, stage: &str) -> Result<String, ManagerError> {
        let mut output = self
            .client
            .get_secret_value()
            .secret_id(path)
            .version_stage(stage)
            .send()
            .await
            .map_err(|error| manager_error(path, stage, error))?;
        // Taken out of the output, not copied as its getters would make us.
        let text = output.secret_string.take();
        let binary = output
            .secret_binary
            .take()
            .map(|binary| Zeroizing::new(binary.into_inner()));
        match (text, binary) {
            (Some(text), _) => Ok(text),
            (None, Some(mut binary)) => {
                String::from_utf8(std::mem::take(&mut *binary)).map_err(|error| {
                    error.into_bytes().zeroize();
                    ManagerError::new(
                        ManagerErrorKind::Invalid,
                        format!("secret `{path}` ({stage}) is binary, not text"),
                    )
                })
            }
            (None, None) => Err(ManagerError::new(
                ManagerErrorKind::Invalid,
                format!("secret `{path}` ({stage}) holds no value"),
            )),
        }
    }
}

/// What a failed read means to someone who must fix it.
fn manager_error(path: &str, stage: &str, error: SdkError<GetSecretValueError>) -> ManagerError {
    let code = error.code().unwrap_or_default();
    let (kind, what) = match &error {
        SdkError::ServiceError(service) => match service.err() {
            GetSecretValueError::ResourceNotFoundException(_) => (
                ManagerErrorKind::NotFound,
                "AWS Secrets Manager has no such secret (or no version at this stage)",
            ),
            GetSecretValueError::DecryptionFailure(_) => (
                ManagerErrorKind::Denied,
                "AWS Secrets Manager cannot decrypt it (check the KMS key's policy)",
            ),
            GetSecretValueError::InvalidRequestException(_) => (
                ManagerErrorKind::Invalid,
                "AWS Secrets Manager refused the request (is the secret scheduled for deletion?)",
            ),
            // Some refusals come with a body the SDK cannot read: their status still says.
            _ if DENIED.contains(&code) || service.raw().status().as_u16() == 403 => (
                ManagerErrorKind::Denied,
                "access denied (check the credentials, and that they allow \
                 secretsmanager:GetSecretValue)",
            ),
            _ if code.contains("Throttling") || code == "InternalServiceError" => (
                ManagerErrorKind::Unavailable,
                "AWS Secrets Manager is throttling or failing",
            ),
            _ => (
                ManagerErrorKind::Other,
                "AWS Secrets Manager refused to read it",
            ),
        },
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => (
            ManagerErrorKind::Unavailable,
            "cannot reach AWS Secrets Manager",
        ),
        SdkError::ConstructionFailure(_) => (
            ManagerErrorKind::Invalid,
            "cannot build the request (is a region configured?)",
        ),
        _ => (ManagerErrorKind::Other, "the read failed"),
    };
    // The service's code and message, or the transport's error chain. Never a response's body
    // or headers, which an unreadable answer would carry: a body may hold the secret.
    let detail = match &error {
        SdkError::ServiceError(service) if code.is_empty() => {
            format!("HTTP {}", service.raw().status().as_u16())
        }
        SdkError::ServiceError(_) => {
            format!("{code}: {}", error.message().unwrap_or_default())
        }
        SdkError::ResponseError(_) => "its answer could not be read".to_owned(),
        _ => DisplayErrorContext(&error).to_string(),
    };
    ManagerError::new(kind, format!("secret `{path}` ({stage}): {what}: {detail}"))
}

/// The codes AWS answers for credentials it does not know or that may not read the secret.
const DENIED: [&str; 5] = [
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "ExpiredTokenException",
];

impl SecretManager for AwsSecretsManager {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        self.read(path, "AWSCURRENT").await
    }

    async fn get_previous(&self, path: &str) -> Result<String, ManagerError> {
        match self.read(path, "AWSPREVIOUS").await {
            // Never rotated: the current version is the only one to accept.
            Err(error) if error.kind() == ManagerErrorKind::NotFound => self.get(path).await,
            read => read,
        }
    }
}

impl fmt::Debug for AwsSecretsManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsSecretsManager").finish_non_exhaustive()
    }
}
