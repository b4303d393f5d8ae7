//! A key removed from the store stops working within the bound the docs state: the cache
//! against a reference model of the guarantee (`model`), and one deterministic test per way it
//! was found not to (`faults`). One test binary: each links the whole stack.

#[path = "../support/mod.rs"]
mod support;

mod faults;
mod model;
