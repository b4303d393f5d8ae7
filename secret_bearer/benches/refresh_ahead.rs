//! Refresh ahead where users see it: the latency of steady traffic to a handler whose secret
//! lives in a slow secret manager, across three time-to-lives, with and without refresh ahead.
//!
//! `cargo bench -p secret_bearer --bench refresh_ahead`. A server on loopback (one worker, an
//! ephemeral port) protects `GET /` with `#[secret_bearer(secret = "/key")]`, reading through a
//! `SecretStore` whose manager takes 200 ms per fetch and counts them. One keep-alive
//! connection sends a request every 10 ms for 3¼ time-to-lives (2 s each) and times each
//! answer. It runs twice: with the default `refresh_after` (⅘ of the TTL: the value is
//! refreshed in the background while it keeps serving), and with `refresh_after(ttl)` (no
//! refresh ahead: a request waits for the store at each TTL). It only reports; nothing here
//! fails on timing.
//!
//! Without `--bench` (`cargo test --benches`), each run sends a few requests and reports them,
//! so that the bench is checked without taking its time.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, get};
use secret_bearer::{CachePolicy, ManagerError, SecretManager, SecretStore, secret_bearer};

const KEY: &str = "0123456789abcdef0123456789abcdef";
/// What one fetch from the secret manager takes.
const FETCH: Duration = Duration::from_millis(200);
const TTL: Duration = Duration::from_secs(2);
/// The client's pace: one request every this long (sooner after a late answer, to catch up).
const INTERVAL: Duration = Duration::from_millis(10);
/// Three time-to-lives and a quarter of traffic, then the run stops.
const TRAFFIC: Duration = Duration::from_millis(6500);
/// The run stops at this many requests however long they take, or at `TRAFFIC` plus this.
const REQUESTS: usize = 650;
const GRACE: Duration = Duration::from_secs(5);
/// An answer slower than this waited for the store (the fetch takes 200 ms; a cached check,
/// well under a millisecond).
const WAITED: Duration = Duration::from_millis(100);

/// A secret manager as slow as a remote one, that counts the fetches it answers.
struct Slow {
    fetches: Arc<AtomicUsize>,
}

impl SecretManager for Slow {
    async fn get(&self, _: &str) -> Result<String, ManagerError> {
        tokio::time::sleep(FETCH).await;
        self.fetches.fetch_add(1, Ordering::Relaxed);
        Ok(KEY.to_owned())
    }
}

#[get("/")]
#[secret_bearer(secret = "/key")]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().body("hello")
}

/// A server on an ephemeral loopback port, in a thread of its own.
struct Server {
    address: SocketAddr,
    handle: ServerHandle,
    thread: JoinHandle<io::Result<()>>,
}

fn serve(policy: CachePolicy, fetches: Arc<AtomicUsize>) -> Server {
    let (started, start) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            // Built once, outside the factory, as the store's docs say.
            let store = SecretStore::with_policy(Slow { fetches }, policy);
            let server =
                HttpServer::new(move || App::new().app_data(store.clone()).service(protected))
                    .workers(1)
                    .disable_signals()
                    .shutdown_timeout(1)
                    .bind((Ipv4Addr::LOCALHOST, 0))?;
            let address = server.addrs()[0];
            let server = server.run();
            started.send((address, server.handle())).unwrap();
            server.await
        })
    });
    let (address, handle) = start.recv().expect("the server starts");
    Server {
        address,
        handle,
        thread,
    }
}

/// What one run measured.
struct Run {
    name: &'static str,
    /// Each request's time since the first was sent, and its answer's latency, in the order
    /// sent; the first fetched the secret.
    latencies: Vec<(Duration, Duration)>,
    fetches: usize,
    /// Why the run stopped before its end, if it did.
    stopped: Option<io::Error>,
}

fn run(name: &'static str, policy: CachePolicy, requests: usize) -> Run {
    let fetches = Arc::new(AtomicUsize::new(0));
    let server = serve(policy, Arc::clone(&fetches));
    let mut latencies = Vec::with_capacity(requests);
    let stopped = traffic(server.address, requests, &mut latencies).err();
    drop(server.handle.stop(false));
    if let Err(error) = server.thread.join().expect("the server thread") {
        eprintln!("{name}: the server ended with an error: {error}");
    }
    Run {
        name,
        latencies,
        fetches: fetches.load(Ordering::Relaxed),
        stopped,
    }
}

/// Sends up to `requests` requests at the client's pace over one keep-alive connection, timing
/// each from its write to the end of its answer.
fn traffic(
    address: SocketAddr,
    requests: usize,
    latencies: &mut Vec<(Duration, Duration)>,
) -> io::Result<()> {
    let stream = TcpStream::connect(address)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(GRACE))?;
    stream.set_write_timeout(Some(GRACE))?;
    let request = format!("GET / HTTP/1.1\r\nHost: localhost\r\nAuthorization: {KEY}\r\n\r\n");
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let start = Instant::now();
    for (sent, due) in (0..requests).map(|n| (n, start + INTERVAL * n as u32)) {
        if start.elapsed() > TRAFFIC + GRACE {
            break;
        }
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let began = Instant::now();
        writer.write_all(request.as_bytes())?;
        let status = answer(&mut reader)?;
        latencies.push((began - start, began.elapsed()));
        // Not a timing: the server must accept the key.
        assert!(
            status.starts_with("HTTP/1.1 200"),
            "request {sent}: {status}"
        );
    }
    Ok(())
}

/// Reads one answer, and returns its status line.
fn answer(reader: &mut BufReader<TcpStream>) -> io::Result<String> {
    let mut status = String::new();
    reader.read_line(&mut status)?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().map_err(io::Error::other)?;
        }
        if line == "\r\n" {
            break;
        }
    }
    reader.by_ref().take(length).read_to_end(&mut Vec::new())?;
    Ok(status.trim_end().to_owned())
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

fn report(runs: &[Run]) {
    println!(
        "GET / over one keep-alive connection, a request every {INTERVAL:?}, ttl {TTL:?}, \
         each fetch {FETCH:?}; the statistics leave out the first request (the cold fetch)"
    );
    println!(
        "| run | requests | first | median | p99 | max | slowest sent at | waited (> {WAITED:?}) \
         | fetches |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for run in runs {
        let Some(((_, first), rest)) = run.latencies.split_first() else {
            println!("| {} | 0 | | | | | | | {} |", run.name, run.fetches);
            continue;
        };
        let mut sorted: Vec<Duration> = rest.iter().map(|(_, latency)| *latency).collect();
        sorted.sort();
        let slowest = rest
            .iter()
            .max_by_key(|(_, latency)| *latency)
            .map(|(sent, _)| format!("{:.2} s", sent.as_secs_f64()))
            .unwrap_or_default();
        let at = |quantile: f64| {
            let rank = (quantile * sorted.len() as f64).ceil() as usize;
            sorted.get(rank.saturating_sub(1)).copied()
        };
        let shown = |latency: Option<Duration>| latency.map(ms).unwrap_or_default();
        let waited = sorted.iter().filter(|latency| **latency > WAITED).count();
        println!(
            "| {} | {} | {} | {} | {} | {} | {slowest} | {waited} | {} |",
            run.name,
            run.latencies.len(),
            ms(*first),
            shown(at(0.5)),
            shown(at(0.99)),
            shown(sorted.last().copied()),
            run.fetches,
        );
    }
    for run in runs {
        if let Some(error) = &run.stopped {
            println!("{}: stopped early: {error}", run.name);
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: a few requests then.
    let requests = if std::env::args().any(|arg| arg == "--bench") {
        REQUESTS
    } else {
        3
    };
    let policy = CachePolicy::default().ttl(TTL);
    let runs = [
        run(
            "refresh ahead (refresh_after ⅘ ttl, the default)",
            policy,
            requests,
        ),
        run(
            "no refresh ahead (refresh_after = ttl)",
            policy.refresh_after(TTL),
            requests,
        ),
    ];
    report(&runs);
}
