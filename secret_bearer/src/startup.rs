//! [`resolve_all!`](crate::resolve_all): read the secrets of a crate's annotated handlers at
//! start-up, so a misconfigured service can refuse to start instead of answering 500.

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
pub async fn resolve_handlers(caller: &'static str) -> Result<usize, Error> {
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
        Err(Error::Unresolved { errors })
    }
}
