//! Real servers the tests start on loopback (OpenBao, moto), each stopped when dropped.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process listening on 127.0.0.1:`port`, killed when dropped (or by [`stop`]).
///
/// [`stop`]: Server::stop
pub struct Server {
    child: Option<Child>,
    pub port: u16,
}

impl Server {
    /// Starts `program` with `args` (where `{port}` is replaced by a free port) and waits until
    /// the port accepts connections. `install` says how to get the program if it is missing.
    pub fn start(program: &str, args: &[&str], install: &str) -> Self {
        let port = free_port();
        let args: Vec<String> = args
            .iter()
            .map(|arg| arg.replace("{port}", &port.to_string()))
            .collect();
        let child = Command::new(program)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start `{program}` ({error}); install it with `{install}`")
            });
        let server = Self {
            child: Some(child),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "`{program}` did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the server now, and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
