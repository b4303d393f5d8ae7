//! The secret managers this crate ships: files under a directory (always), Vault/OpenBao KV
//! version 2 (feature `vault`) and AWS Secrets Manager (feature `aws`).

#[cfg(feature = "aws")]
mod aws;
mod file;
#[cfg(feature = "vault")]
mod vault;

#[cfg(feature = "aws")]
pub use aws::AwsSecretsManager;
pub use file::FileManager;
#[cfg(feature = "vault")]
pub use vault::VaultManager;
