//! A scripted HTTP server on loopback (a Vault, a Kubernetes API) that records what it
//! receives: the tests see exactly what crossed the network, and to which address.
#![allow(dead_code)] // Each test binary uses its own part.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request the scripted Vault received: its request line, its headers (lower-cased names)
/// and its body.
#[derive(Clone, Debug)]
pub struct Request {
    pub line: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// An HTTP/1.1 server on `ip` (on the test's runtime) that answers each request with `script(request)` (status line,
/// extra headers, JSON body) and records it.
pub struct Scripted {
    pub url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Scripted {
    pub async fn start(
        ip: &str,
        script: impl Fn(&Request) -> (&'static str, String, String) + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind((ip, 0)).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (recorded, script) = (requests.clone(), Arc::new(script));
        tokio::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                let (recorded, script) = (recorded.clone(), script.clone());
                tokio::spawn(async move {
                    while let Some(request) = read_request(&mut stream).await {
                        let (status, headers, body) = script(&request);
                        recorded.lock().unwrap().push(request);
                        let answer = format!(
                            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{headers}\
                             content-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if stream.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { url, requests }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// How many requests started with `line` (`"GET /v1/secret/data/x"`, ...).
    pub fn count(&self, line: &str) -> usize {
        self.requests()
            .iter()
            .filter(|request| request.line.starts_with(line))
            .count()
    }
}

/// Appends what the client sends next, or `None` once it closes the connection.
async fn read_more(stream: &mut tokio::net::TcpStream, bytes: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0; 4096];
    let read = stream
        .read(&mut chunk)
        .await
        .ok()
        .filter(|read| *read > 0)?;
    bytes.extend_from_slice(&chunk[..read]);
    Some(())
}

/// Reads one request (headers, then a body of `content-length`), or `None` once the client
/// closes the connection.
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Request> {
    let mut bytes = Vec::new();
    let end = loop {
        if let Some(end) = bytes.windows(4).position(|window| window == b"\r\n\r\n") {
            break end;
        }
        read_more(stream, &mut bytes).await?;
    };
    let head = String::from_utf8(bytes[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|header| header.split_once(':'))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(0, |(_, value)| value.parse().unwrap());
    let mut body = bytes[end + 4..].to_vec();
    while body.len() < length {
        read_more(stream, &mut body).await?;
    }
    Some(Request {
        line,
        headers,
        body: String::from_utf8(body).unwrap(),
    })
}
