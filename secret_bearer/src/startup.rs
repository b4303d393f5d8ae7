//! [`resolve_all!`](crate::resolve_all): read the secrets of a crate's annotated handlers at
//! start-up, so a misconfigured service can refuse to start instead of answering 500.

use std::collections::HashSet;

use crate::bearer::SecretBearer;
use crate::error::{Error, ErrorKind};
use crate::inline::{self, InlineHandler};

/// A named bearer, listed (with the module that defines it) for `resolve_all!`. (Handlers
/// written with their keys are listed as [`InlineHandler`]s.)
#[doc(hidden)]
pub struct RegisteredHandler {
    /// `module_path!()` where the named bearer is defined.
    pub module: &'static str,
    /// Builds (once) and returns the bearer.
    pub bearer: fn() -> Result<&'static SecretBearer, Error>,
}

inventory::collect!(RegisteredHandler);

/// The work of `resolve_all!`: every named bearer and every configuration of handlers written
/// with their keys (once, however many handlers share it) defined in the crate `caller` (a
/// module path) names, read through the installed store.
#[doc(hidden)]
pub async fn resolve_handlers(caller: &'static str) -> Result<usize, Error> {
    let krate = caller.split("::").next().unwrap_or(caller);
    let in_crate = |module: &str| module.split("::").next() == Some(krate);
    let named = inventory::iter::<RegisteredHandler>
        .into_iter()
        .filter(|named| in_crate(named.module))
        .map(|named| (named.bearer)());
    // One configuration, however many handlers share it: each hash once.
    let mut hashes = HashSet::new();
    let inline = inventory::iter::<InlineHandler>
        .into_iter()
        .filter(|handler| in_crate(handler.module) && hashes.insert(handler.hash))
        .map(|handler| inline::bearer(handler.hash));
    let mut errors = Vec::new();
    let mut checked = 0;
    for bearer in named.chain(inline) {
        checked += 1;
        let resolved = match bearer {
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
        Err(Error::from(ErrorKind::Unresolved { errors }))
    }
}
