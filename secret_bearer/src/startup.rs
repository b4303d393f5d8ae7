//! [`resolve_all!`](crate::resolve_all): read the secrets of a crate's annotated handlers at
//! start-up, so a misconfigured service can refuse to start instead of answering 500.

use std::fmt;

use crate::bearer::SecretBearer;
use crate::error::Error;

/// An annotated handler, listed (with the module that defines it) for `resolve_all!`.
#[doc(hidden)]
pub struct RegisteredHandler {
    /// `module_path!()` where the handler is defined.
    pub module: &'static str,
    /// Builds (once) and returns the handler's bearer.
    pub bearer: fn() -> Result<&'static SecretBearer, Error>,
}

inventory::collect!(RegisteredHandler);

/// The work of `resolve_all!`: every handler defined in the crate `caller` (a module path)
/// names, in the order they were linked, read through the installed store.
#[doc(hidden)]
pub async fn resolve_handlers(caller: &'static str) -> Result<usize, Unresolved> {
    let krate = caller.split("::").next().unwrap_or(caller);
    let mut errors = Vec::new();
    let mut checked = 0;
    let handlers = inventory::iter::<RegisteredHandler>
        .into_iter()
        .filter(|handler| handler.module.split("::").next() == Some(krate));
    for handler in handlers {
        checked += 1;
        let resolved = match (handler.bearer)() {
            Ok(bearer) => bearer.resolve_with(None).await,
            Err(error) => Err(error),
        };
        if let Err(error) = resolved
            && !errors.contains(&error)
        {
            errors.push(error);
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(Unresolved { errors })
    }
}

/// The secrets [`resolve_all!`](crate::resolve_all) could not read: each error names its
/// source, never a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    errors: Vec<Error>,
}

impl Unresolved {
    /// Every problem, one per source.
    pub fn errors(&self) -> &[Error] {
        &self.errors
    }
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("secrets that cannot be read at start-up: ")?;
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Unresolved {}
