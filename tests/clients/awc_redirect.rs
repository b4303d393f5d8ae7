//! `client::awc::send` across a redirect, against servers on loopback: the header follows a
//! redirect to the same origin (scheme, host and port), on the retry after a 401 too, and is
//! dropped on a redirect to another origin (another port). A retry sends the secret read again
//! in place of the first.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use secret_bearer::SecretBearer;
use secret_bearer::client;

const SECRET: &str = "redirect-s3cret";

fn bearer() -> SecretBearer {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: the standard library serialises its own environment accesses, and these tests
    // call no C code that reads the environment concurrently.
    ONCE.call_once(|| unsafe { std::env::set_var("SB_REDIRECT_SECRET", SECRET) });
    SecretBearer::builder()
        .env("SB_REDIRECT_SECRET")
        .prefix("Bearer ")
        .build()
        .unwrap()
}

/// A request as a server saw it: its path and `Authorization` values.
type Seen = (String, Vec<String>);

/// A server that records each request's path and `Authorization` values. `/here` redirects to
/// its own `/target`, `/there` to `/target` of the server at `elsewhere`; `/target` answers the
/// statuses it is given in turn, then 200.
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

    /// Serves on a free loopback port; answers the base URL and the handle that stops it.
    fn start(&self) -> (String, ServerHandle) {
        crate::support::serve_loopback(self.clone(), Server::answer)
    }
}

fn seen(path: &str, values: &[&str]) -> Seen {
    let values = values.iter().map(|value| value.to_string()).collect();
    (path.to_owned(), values)
}

#[actix_web::test]
async fn a_same_origin_redirect_keeps_the_header_on_the_first_request_and_on_the_retry() {
    let bearer = bearer();
    let sent = format!("Bearer {SECRET}");
    let server = Server::default();
    let (base, handle) = server.start();
    let http = awc::Client::default();
    let get_here = async || {
        let request = http.get(format!("{base}/here"));
        let response = client::awc::send(&bearer, None, request, "").await;
        response.unwrap().status()
    };

    assert_eq!(get_here().await, 200);
    assert_eq!(
        server.seen(),
        [seen("/here", &[&sent]), seen("/target", &[&sent])]
    );

    // Refused once at the target: the retry is redirected, and authorized, the same way.
    server.seen.lock().unwrap().clear();
    server.answers.lock().unwrap().push_back(401);
    assert_eq!(get_here().await, 200);
    assert_eq!(
        server.seen(),
        [
            seen("/here", &[&sent]),
            seen("/target", &[&sent]),
            seen("/here", &[&sent]),
            seen("/target", &[&sent]),
        ]
    );
    handle.stop(true).await;
}

#[actix_web::test]
async fn a_redirect_to_another_origin_drops_the_header() {
    let bearer = bearer();
    let other = Server::default();
    let (other_base, other_handle) = other.start();
    let server = Server {
        elsewhere: other_base,
        ..Server::default()
    };
    let (base, handle) = server.start();

    let request = awc::Client::default().get(format!("{base}/there"));
    let response = client::awc::send(&bearer, None, request, "").await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        server.seen(),
        [seen("/there", &[&format!("Bearer {SECRET}")])]
    );
    assert_eq!(other.seen(), [seen("/target", &[])]);
    handle.stop(true).await;
    other_handle.stop(true).await;
}

#[actix_web::test]
async fn a_retry_sends_the_secret_read_again_in_place_of_the_first() {
    let (bearer, store) = super::cached_then_rotated().await;
    let server = Server::default();
    server.answers.lock().unwrap().push_back(401);
    let (base, handle) = server.start();

    let request = awc::Client::default().get(format!("{base}/target"));
    let response = client::awc::send(&bearer, Some(&store), request, "")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        server.seen(),
        [
            seen("/target", &["Bearer OLD"]),
            seen("/target", &["Bearer NEW"])
        ]
    );
    handle.stop(true).await;
}
