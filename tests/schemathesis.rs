//! The OpenAPI examples (`examples/openapi.rs` on actix-web, `examples/axum_openapi.rs` on axum)
//! tested against their own documents by schemathesis (PyPI; `.ci/run` installs it): every
//! answer must be documented, with its real status, content type, headers and body schema, and
//! the requirement the document states (the key) must be enforced. Each example is run twice:
//! with the key, where its operations answer 200 and 400, and without it, where they answer 401.

mod support;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use support::servers::Server;

/// The examples' key, `MY_SECRET` and `MY_AUTH_SECRET` as they seed them.
const KEY: &str = "Authorization: SUPERSECRET";

/// Test cases per operation and phase: the coverage phase's (each missing or mistyped field,
/// each undocumented method, each unsupported content type) and some random ones, in a few
/// seconds per run.
const MAX_EXAMPLES: &str = "50";

/// Every check schemathesis has that applies here (`--checks all`), each expecting what this
/// run's requests should get. With the key, valid input must be accepted (2xx): schemathesis'
/// default would also pass a 401. Without it, valid input is refused 401, as the document says;
/// `positive_data_acceptance`'s 2xx cannot apply there. Invalid input is refused either way,
/// with a 400 or a 401 (the key is checked before the body is read).
///
/// The checks that need what these APIs do not document pass without testing anything:
/// `use_after_free` and `ensure_resource_availability` (OpenAPI links between operations),
/// `object_level_authorization` (two identities), `missing_required_header` (a required header
/// parameter; the key is a security scheme, which `ignored_auth` tests instead).
fn config(with_key: bool) -> String {
    let accepted = if with_key { "2xx" } else { "401" };
    format!(
        "[checks.positive_data_acceptance]\n\
         expected-statuses = [\"{accepted}\"]\n\
         [checks.negative_data_rejection]\n\
         expected-statuses = [\"400\", \"401\"]\n"
    )
}

/// Runs `schemathesis run` against `server`'s document, with the key or without it, and
/// answers its report when it finds anything.
fn schemathesis(server: &Server, with_key: bool) -> Result<(), String> {
    // A directory of this run's own: its configuration, and what schemathesis writes beside
    // it (nothing, with its example database off), away from the source tree.
    let dir = scratch_dir(server.port, with_key);
    let config_file = dir.join("schemathesis.toml");
    std::fs::write(&config_file, config(with_key)).unwrap();
    let mut command = Command::new("schemathesis");
    command
        .current_dir(&dir)
        .arg("--config-file")
        .arg(&config_file)
        .args(["--no-color", "run"])
        .arg(format!("{}/openapi.json", server.url()))
        .args(["--checks", "all", "--max-examples", MAX_EXAMPLES])
        // Reproducible: the same cases on every run, none remembered from an earlier one.
        .args(["--seed", "20240533", "--generation-database", "none"])
        .args(["--workers", "1"]);
    if with_key {
        command.args(["--header", KEY]);
    }
    let output = command
        .output()
        .expect("schemathesis is installed (.ci/run installs it: pip install schemathesis)");
    let _ = std::fs::remove_dir_all(&dir);
    if output.status.success() {
        return Ok(());
    }
    let mut report = String::from_utf8_lossy(&output.stdout).into_owned();
    let _ = write!(report, "{}", String::from_utf8_lossy(&output.stderr));
    Err(report)
}

fn scratch_dir(port: u16, with_key: bool) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sb_schemathesis_{}_{port}_{with_key}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn conforms(example: &str) {
    let started = Instant::now();
    let server = Server::example(example, &[]);
    for with_key in [true, false] {
        if let Err(report) = schemathesis(&server, with_key) {
            panic!(
                "schemathesis found what {example}'s document does not say (key: {with_key}):\n{report}"
            );
        }
    }
    eprintln!(
        "{example}: schemathesis passed in {:.1?}",
        started.elapsed()
    );
}

#[test]
#[ignore = "needs schemathesis; .ci/run installs it"]
fn openapi_on_actix_web_answers_as_documented() {
    conforms("openapi");
}

#[test]
#[ignore = "needs schemathesis; .ci/run installs it"]
fn openapi_on_axum_answers_as_documented() {
    conforms("axum_openapi");
}
