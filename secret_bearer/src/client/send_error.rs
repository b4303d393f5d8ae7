//! The error of the `send` helpers, which read a secret and then send.

use std::fmt;

use crate::error::Error;

/// Why sending through a client's `send` helper failed: the secret could not be read, or the
/// client could not send.
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError<E> {
    /// The secret could not be read (it names its source, never its value).
    Secret(Error),
    /// The client failed to send the request or to read the answer's head.
    Client(E),
}

impl<E: fmt::Display> fmt::Display for SendError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secret(error) => write!(f, "cannot authorize the request: {error}"),
            Self::Client(error) => write!(f, "cannot send the request: {error}"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for SendError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Secret(error) => Some(error),
            Self::Client(error) => Some(error),
        }
    }
}

impl<E> From<Error> for SendError<E> {
    fn from(error: Error) -> Self {
        Self::Secret(error)
    }
}
