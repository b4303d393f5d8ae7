//! Every client that sends (the reqwest middleware, `client::awc::send`)
//! across a redirect, against servers on two loopback addresses: the header follows a redirect
//! to the same origin (scheme, host and port), on the request sent again after a 401 too, and is
//! dropped on a redirect to another origin (`127.0.0.1` to `127.0.0.2`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};

use super::SECRET;
use super::resend::{Resending, Secret};

/// A request as a server saw it: its path and `Authorization` values.
type Seen = (String, Vec<String>);

/// A server that records each request's path and `Authorization` values. `/here` redirects to
/// its own `/target`, `/there` to `/target` of the server at `elsewhere` (307: the method and
/// the body go too); `/target` answers the statuses it is given in turn, then 200.
#[derive(Clone, Default)]
struct Server {
    seen: Arc<Mutex<Vec<Seen>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
    elsewhere: String,
}

impl Server {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    async fn answer(req: HttpRequest, server: web::Data<Server>) -> HttpResponse {
        let values = req
            .headers()
            .get_all(AUTHORIZATION)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .collect();
        let path = req.path().to_owned();
        server.seen.lock().unwrap().push((path.clone(), values));
        let redirect = |to: String| {
            HttpResponse::TemporaryRedirect()
                .insert_header((LOCATION, to))
                .finish()
        };
        match path.as_str() {
            "/here" => redirect("/target".to_owned()),
            "/there" => redirect(format!("{}/target", server.elsewhere)),
            _ => {
                let status = server.answers.lock().unwrap().pop_front().unwrap_or(200);
                HttpResponse::new(StatusCode::from_u16(status).unwrap())
            }
        }
    }

    /// Serves on a free port of `address`; answers the base URL and the handle that stops it.
    fn start_on(&self, address: &str) -> (String, ServerHandle) {
        crate::support::serve_on(address, self.clone(), Server::answer)
    }
}

fn seen(path: &str, values: &[&str]) -> Seen {
    let values = values.iter().map(|value| value.to_string()).collect();
    (path.to_owned(), values)
}

/// Serves `server` on `127.0.0.1`, has `client` POST to its `path` with `secret`, checks that
/// the answer is a 200, and answers the requests the server saw.
async fn redirected(client: Resending, secret: Secret, server: &Server, path: &str) -> Vec<Seen> {
    let bearer = secret.bearer().await;
    let (base, handle) = server.start_on("127.0.0.1");
    let url = format!("{base}{path}");
    let status = client.post(&bearer, &url, false).await;
    handle.stop(true).await;
    assert_eq!(status, 200, "{client:?}");
    server.seen()
}

#[actix_web::test]
async fn a_same_origin_redirect_carries_the_header() {
    for client in Resending::ALL {
        let seen_here = redirected(client, Secret::Environment, &Server::default(), "/here").await;
        assert_eq!(
            seen_here,
            [seen("/here", &[SECRET]), seen("/target", &[SECRET])],
            "{client:?}"
        );
    }
}

#[actix_web::test]
async fn a_redirect_to_another_origin_drops_the_header() {
    for client in Resending::ALL {
        let other = Server::default();
        let (other_base, other_handle) = other.start_on("127.0.0.2");
        let server = Server {
            elsewhere: other_base,
            ..Server::default()
        };
        let seen_there = redirected(client, Secret::Environment, &server, "/there").await;
        other_handle.stop(true).await;
        assert_eq!(seen_there, [seen("/there", &[SECRET])], "{client:?}");
        assert_eq!(other.seen(), [seen("/target", &[])], "{client:?}");
    }
}

#[actix_web::test]
async fn a_request_sent_again_is_redirected_as_the_first_was() {
    for client in Resending::ALL {
        let server = Server::default();
        server.answers.lock().unwrap().push_back(401);
        let seen_here = redirected(client, Secret::StoreRotated, &server, "/here").await;
        // awc's redirect of a request sent again carries the request's own header, the one
        // refused (see `client::awc::send`), to the origin it was sent to already.
        let redirected = match client {
            Resending::Awc => "Bearer OLD",
            Resending::Middleware => "Bearer NEW",
        };
        assert_eq!(
            seen_here,
            [
                seen("/here", &["Bearer OLD"]),
                seen("/target", &["Bearer OLD"]),
                seen("/here", &["Bearer NEW"]),
                seen("/target", &[redirected]),
            ],
            "{client:?}"
        );
    }
}
