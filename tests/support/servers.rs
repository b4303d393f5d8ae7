//! Servers the tests start on loopback (the examples, OpenBao, moto), each stopped when
//! dropped.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nothing listens on right now, for a server another process will bind.
///
/// Drawn at random below Linux's ephemeral range (32768 and up), which `bind(0)` hands out: a
/// port taken from that range and released could be handed to another test's listener before
/// the server binds it, and the test would then talk to the wrong server (seen in CI: the
/// example failed with `AddrInUse` while the wait below connected to another test's listener).
pub fn free_port() -> u16 {
    use std::hash::{BuildHasher, RandomState};
    loop {
        let draw = RandomState::new().hash_one(Instant::now());
        let port = 20_000 + (draw % 12_000) as u16;
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
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
        Self::start_with_env(program, args, &[], install)
    }

    /// [`Server::start`], with these variables set for the server.
    pub fn start_with_env(
        program: &str,
        args: &[&str],
        env: &[(&str, &str)],
        install: &str,
    ) -> Self {
        let port = free_port();
        let args: Vec<String> = args
            .iter()
            .map(|arg| arg.replace("{port}", &port.to_string()))
            .collect();
        let mut command = Command::new(program);
        command
            .args(&args)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        Self::spawn(command, port, &format!("install it with `{install}`"))
    }

    /// Starts one of this workspace's examples on a free `PORT`, with `env` set and the other
    /// variables the examples read unset.
    pub fn example(name: &str, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut command = Command::new(example_binary(name));
        for unset in EXAMPLE_VARIABLES {
            command.env_remove(unset);
        }
        command
            .env("PORT", port.to_string())
            .envs(env.iter().copied())
            .stdout(Stdio::null());
        Self::spawn(command, port, "it is built by `cargo test`")
    }

    fn spawn(mut command: Command, port: u16, help: &str) -> Self {
        let program = command.get_program().to_string_lossy().into_owned();
        let child = command
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start `{program}` ({error}); {help}"));
        let mut server = Self {
            child: Some(child),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "`{program}` did not listen on {port}"
            );
            // A server that could not start (its port taken, say) is a failure here, not a
            // wait until something else answers on its port.
            if let Some(Ok(Some(status))) = server.child.as_mut().map(Child::try_wait) {
                panic!("`{program}` exited ({status}) before listening on {port}");
            }
            std::thread::sleep(Duration::from_millis(20));
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

/// The variables the examples read: unset unless a test sets them.
const EXAMPLE_VARIABLES: [&str; 6] = [
    "MY_AUTH_SECRET",
    "API_KEYS",
    "MY_ALT_SECRET",
    "MY_SECRET",
    "BASE_URL",
    "PORT",
];

/// An example's binary, built by `cargo test` beside the test binaries (built here if the
/// test runs alone).
pub fn example_binary(name: &str) -> PathBuf {
    let profile_dir = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_owned();
    let binary = profile_dir.join("examples").join(name);
    if !binary.exists() {
        // The example may be the root package's or this one's: the workspace finds it.
        let mut build = Command::new(env!("CARGO"));
        build
            .args(["build", "--workspace", "--example", name])
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        assert!(
            build.status().unwrap().success(),
            "cargo build --example {name}"
        );
    }
    binary
}
