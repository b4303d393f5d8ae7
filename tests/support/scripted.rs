//! A secret manager the tests script: what the store holds at each path, whether it can be
//! reached, and how long it takes; it logs every fetch on Tokio's (paused) clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use secret_bearer::{ManagerError, ManagerErrorKind, SecretManager};
use tokio::time::Instant;

/// Whether the store can be reached, and how it fails when it cannot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    Up,
    /// Answers `Unavailable` at once.
    Down,
    /// Answers `Denied` at once: the server's own access to the store is refused.
    Denied,
    /// Never answers.
    Hang,
    /// The manager panics.
    Panic,
}

/// One call of the manager: when it started and ended, and whether the store answered.
#[derive(Clone, Debug)]
pub struct Fetch {
    pub path: String,
    pub started: Instant,
    pub ended: Option<Instant>,
    pub answered: bool,
}

#[derive(Clone)]
pub struct Scripted(Arc<Mutex<Script>>);

struct Script {
    /// What each path holds; a path not here is not found.
    values: HashMap<String, String>,
    reach: Reach,
    latency: Duration,
    fetches: Vec<Fetch>,
}

impl Scripted {
    pub fn new(values: &[(&str, &str)]) -> Self {
        let scripted = Self(Arc::new(Mutex::new(Script {
            values: HashMap::new(),
            reach: Reach::Up,
            latency: Duration::ZERO,
            fetches: Vec::new(),
        })));
        for (path, value) in values {
            scripted.set(path, value);
        }
        scripted
    }

    fn script(&self) -> MutexGuard<'_, Script> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn set(&self, path: &str, value: &str) {
        self.script()
            .values
            .insert(path.to_owned(), value.to_owned());
    }

    pub fn delete(&self, path: &str) {
        self.script().values.remove(path);
    }

    pub fn reach(&self, reach: Reach) {
        self.script().reach = reach;
    }

    /// How long an answer takes (the value is read when the fetch starts).
    pub fn latency(&self, latency: Duration) {
        self.script().latency = latency;
    }

    /// Every fetch so far.
    pub fn fetches(&self) -> Vec<Fetch> {
        self.script().fetches.clone()
    }
}

/// Records when a fetch ended, however it did (an answer, a timeout that drops it, a panic).
struct Ended(Scripted, usize);

impl Drop for Ended {
    fn drop(&mut self) {
        self.0.script().fetches[self.1].ended = Some(Instant::now());
    }
}

impl SecretManager for Scripted {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        let (reach, latency, value, ended) = {
            let mut script = self.script();
            let fetch = Fetch {
                path: path.to_owned(),
                started: Instant::now(),
                ended: None,
                answered: script.reach == Reach::Up,
            };
            script.fetches.push(fetch);
            let ended = Ended(self.clone(), script.fetches.len() - 1);
            (
                script.reach,
                script.latency,
                script.values.get(path).cloned(),
                ended,
            )
        };
        let _ended = ended;
        match reach {
            Reach::Up => {
                tokio::time::sleep(latency).await;
                value.ok_or_else(|| {
                    ManagerError::new(ManagerErrorKind::NotFound, format!("no secret at {path}"))
                })
            }
            Reach::Down => Err(ManagerError::new(
                ManagerErrorKind::Unavailable,
                "the store is down",
            )),
            Reach::Denied => Err(ManagerError::new(
                ManagerErrorKind::Denied,
                "the store refused the server's token",
            )),
            Reach::Hang => std::future::pending().await,
            Reach::Panic => panic!("the scripted manager panics"),
        }
    }
}
