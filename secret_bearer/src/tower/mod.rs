//! tower integration (feature `tower`): what a refusal is answered with as an `http` response,
//! for any tower `Service` of `http` requests (hyper, tonic, axum).

mod response;

pub(crate) use response::http_response;
