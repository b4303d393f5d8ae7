//! The reference document's curl transcripts, replayed with curl against the real example
//! binaries (`examples/hello.rs`, `axum_hello.rs`, `rotation.rs`, `prefix.rs`, `secret_manager.rs`,
//! `axum_secret_manager.rs`, `openapi.rs`, `axum_openapi.rs`): same
//! commands, same status, same body, byte for byte. And the named-keys example's own
//! (`examples/keys.rs`), in clearskies' envelope.

mod support;

use std::process::Command;

use support::servers::Server;

const SUCCESS: &str =
    r#"{"status":"success","error":"","data":{"hello":"world"},"pagination":{},"input_errors":{}}"#;
const NOT_AUTHENTICATED: &str = r#"{"status":"client_error","error":"Not Authenticated","data":[],"pagination":{},"input_errors":{}}"#;

/// An example binary serving on a port of its own, stopped when dropped.
struct Example(Server);

impl Example {
    fn start(name: &str, env: &[(&str, &str)]) -> Self {
        Self(Server::example(name, env))
    }

    /// Runs the transcript's curl command (its URL moved to this example's port) and returns
    /// the status and the body.
    fn curl(&self, args: &[&str]) -> (u16, String) {
        let args: Vec<String> = args
            .iter()
            .map(|arg| arg.replace(":8080", &format!(":{}", self.0.port)))
            .collect();
        let output = Command::new("curl")
            .args(["--silent", "--show-error", "--write-out", "\n%{http_code}"])
            .args(&args)
            .output()
            .expect("curl is installed (.ci/run installs it)");
        assert!(
            output.status.success(),
            "curl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8(output.stdout).unwrap();
        let (body, status) = text.rsplit_once('\n').unwrap();
        (status.parse().unwrap(), body.to_owned())
    }
}

fn replay(example: &Example, transcript: &[(&[&str], u16, &str)]) {
    for (args, status, body) in transcript {
        assert_eq!(
            example.curl(args),
            (*status, (*body).to_owned()),
            "curl {args:?}"
        );
    }
}

/// A curl command of the reference, and its status and body.
type Transcript = [(&'static [&'static str], u16, &'static str)];

const HELLO: &Transcript = &[
    (
        &["http://localhost:8080", "-H", "Authorization: SUPERSECRET"],
        200,
        SUCCESS,
    ),
    (&["http://localhost:8080"], 401, NOT_AUTHENTICATED),
    (
        &["http://localhost:8080", "-H", "Authorization: NOTTHESECRET"],
        401,
        NOT_AUTHENTICATED,
    ),
];

const PREFIX: &Transcript = &[
    (
        &[
            "http://localhost:8080/",
            "-H",
            "Authorization: SECRET-TOKEN SUPERSECRET",
        ],
        200,
        SUCCESS,
    ),
    (
        &["http://localhost:8080/", "-H", "Authorization: SUPERSECRET"],
        401,
        NOT_AUTHENTICATED,
    ),
];

/// `printf %s SUPERSECRET | sha256sum`, as a hashed secret.
const HASHED_SUPERSECRET: &str =
    "sha256:d3c9e23120f8849f9e7f8132fbe5400757440493ae11789bfeacc5eabba33e95";

#[test]
#[ignore = "needs curl; .ci/run installs it"]
fn hello() {
    replay(&Example::start("hello", &[]), HELLO);
}

#[test]
#[ignore = "needs curl; .ci/run installs it"]
fn axum_hello_answers_as_hello_does() {
    replay(&Example::start("axum_hello", &[]), HELLO);
    let hashed = [("MY_AUTH_SECRET", HASHED_SUPERSECRET)];
    replay(&Example::start("axum_hello", &hashed), HELLO);
}

#[test]
#[ignore = "needs curl; .ci/run installs it"]
fn the_examples_answer_the_same_with_the_secret_hashed_at_rest() {
    let hashed = [("MY_AUTH_SECRET", HASHED_SUPERSECRET)];
    replay(&Example::start("hello", &hashed), HELLO);
    replay(&Example::start("prefix", &hashed), PREFIX);
    // Primary hashed, alternate plain: the forms may differ.
    let mixed = [
        ("MY_AUTH_SECRET", HASHED_SUPERSECRET),
        ("MY_ALT_SECRET", "ALSOOKAY"),
    ];
    replay(&Example::start("rotation", &mixed), ROTATION);
}

#[test]
#[ignore = "needs curl; .ci/run installs it"]
fn hello_takes_the_secret_from_the_environment_first() {
    let example = Example::start("hello", &[("MY_AUTH_SECRET", "FROM-THE-ENVIRONMENT")]);
    replay(
        &example,
        &[
            (
                &[
                    "http://localhost:8080",
                    "-H",
                    "Authorization: FROM-THE-ENVIRONMENT",
                ],
                200,
                SUCCESS,
            ),
            (
                &["http://localhost:8080", "-H", "Authorization: SUPERSECRET"],
                401,
                NOT_AUTHENTICATED,
            ),
        ],
    );
}

/// The reference's transcript for an alternate secret, whether it comes from the environment
/// or from a secret manager.
const ROTATION: &[(&[&str], u16, &str)] = &[
    (
        &["http://localhost:8080/", "-H", "Authorization: SUPERSECRET"],
        200,
        SUCCESS,
    ),
    (
        &["http://localhost:8080/", "-H", "Authorization: ALSOOKAY"],
        200,
        SUCCESS,
    ),
    (
        &[
            "http://localhost:8080/",
            "-H",
            "Authorization: NOTTHESECRET",
        ],
        401,
        NOT_AUTHENTICATED,
    ),
];

#[test]
#[ignore = "needs curl; .ci/run installs it"]
fn rotation() {
    replay(&Example::start("rotation", &[]), ROTATION);
}

#[test]
#[ignore = "needs curl; .ci/run installs it"]
fn prefix() {
    replay(&Example::start("prefix", &[]), PREFIX);
}

const WIDGETS: &str = "http://localhost:8080/widgets";
const KEY: &str = "Authorization: SUPERSECRET";
const JSON: &str = "Content-Type: application/json";
const SPROCKET: &str = r#"{"name": "sprocket", "category": "gears", "cost": 2.5}"#;
const ANVIL: &str = r#"{"name": "anvil", "category": "tools", "cost": 10}"#;

/// The OpenAPI examples' transcript (`examples/support/openapi.rs` answers for both): the hello
/// handler, and the widgets API's answers, made, listed, and refused for the key, for the body
/// and for the method, in this order against a fresh server.
const OPENAPI: &Transcript = &[
    (&["http://localhost:8080/", "-H", KEY], 200, SUCCESS),
    (&["http://localhost:8080/"], 401, NOT_AUTHENTICATED),
    (&[WIDGETS], 401, NOT_AUTHENTICATED),
    (
        &[WIDGETS, "-H", KEY],
        200,
        r#"{"status":"success","error":"","data":[],"pagination":{},"input_errors":{}}"#,
    ),
    (
        &[WIDGETS, "-H", KEY, "-H", JSON, "-d", SPROCKET],
        200,
        r#"{"status":"success","error":"","data":{"id":"1","name":"sprocket","category":"gears","cost":2.5},"pagination":{},"input_errors":{}}"#,
    ),
    (
        &[WIDGETS, "-H", KEY, "-H", JSON, "-d", ANVIL],
        200,
        r#"{"status":"success","error":"","data":{"id":"2","name":"anvil","category":"tools","cost":10.0},"pagination":{},"input_errors":{}}"#,
    ),
    (
        &[WIDGETS, "-H", KEY],
        200,
        r#"{"status":"success","error":"","data":[{"id":"2","name":"anvil","category":"tools","cost":10.0},{"id":"1","name":"sprocket","category":"gears","cost":2.5}],"pagination":{},"input_errors":{}}"#,
    ),
    // The key is checked before the body is read.
    (&[WIDGETS, "-H", JSON, "-d", "{"], 401, NOT_AUTHENTICATED),
    (
        &[WIDGETS, "-H", KEY, "-H", JSON, "-d", r#"{"name": "#],
        400,
        r#"{"status":"client_error","error":"the body is not a widget: EOF while parsing a value at line 1 column 9","data":[],"pagination":{},"input_errors":{}}"#,
    ),
    (
        &[WIDGETS, "-H", KEY, "-H", JSON, "-d", r#"{"name": "gear"}"#],
        400,
        r#"{"status":"client_error","error":"the body is not a widget: missing field `category` at line 1 column 16","data":[],"pagination":{},"input_errors":{}}"#,
    ),
    // curl's `-d` alone sends a form's content type.
    (
        &[WIDGETS, "-H", KEY, "-d", ANVIL],
        400,
        r#"{"status":"client_error","error":"the body must be sent as application/json","data":[],"pagination":{},"input_errors":{}}"#,
    ),
    // A method the path does not serve: 405 (with `Allow`), before the key is checked.
    (&[WIDGETS, "-X", "DELETE"], 405, ""),
];

/// The same transcript on each server's version of the OpenAPI example, and the same valid
/// document, naming the scheme on every operation. (tests/schemathesis.rs checks every answer
/// against that document.)
#[test]
#[ignore = "needs curl and openapi-spec-validator; .ci/run installs them"]
fn openapi_on_actix_web_and_axum() {
    let mut documents = Vec::new();
    for name in ["openapi", "axum_openapi"] {
        let example = Example::start(name, &[]);
        replay(&example, OPENAPI);
        let (status, document) = example.curl(&["http://localhost:8080/openapi.json"]);
        assert_eq!(status, 200, "{name}");
        let doc: serde_json::Value = serde_json::from_str(&document).unwrap();
        support::validate_openapi(&doc).unwrap();
        assert_eq!(
            doc["components"]["securitySchemes"]["ApiKey"]["type"],
            "apiKey"
        );
        for (path, method) in [("/", "get"), ("/widgets", "get"), ("/widgets", "post")] {
            let operation = &doc["paths"][path][method];
            assert_eq!(
                operation["security"],
                serde_json::json!([{ "ApiKey": [] }]),
                "{name}: {path}"
            );
        }
        documents.push(document);
    }
    assert_eq!(documents[0], documents[1], "the two documents differ");
}

/// The same transcript on each server's version of the example.
#[test]
#[ignore = "needs curl; .ci/run installs it"]
fn secret_manager_on_actix_web_and_axum() {
    for name in ["secret_manager", "axum_secret_manager"] {
        let example = Example::start(name, &[]);
        replay(&example, ROTATION);
        // The reference's single-secret example's refusal, against the same server.
        replay(
            &example,
            &[(
                &[
                    "http://localhost:8080/",
                    "-H",
                    "Authorization: definitely-not-the-api-key",
                ],
                401,
                NOT_AUTHENTICATED,
            )],
        );
    }
}

/// `examples/keys.rs`'s answer to `caller`, in clearskies' envelope.
fn whoami(caller: &str) -> String {
    format!(
        r#"{{"status":"success","error":"","data":{{"caller":"{caller}"}},"pagination":{{}},"input_errors":{{}}}}"#
    )
}

#[test]
#[ignore = "needs curl; .ci/run installs it"]
fn keys_names_each_seeded_caller() {
    let example = Example::start("keys", &[]);
    let url = "http://localhost:8080/whoami";
    for (key, caller) in [
        ("ALICEKEY", "alice"),
        ("BOBKEY", "bob"),
        ("CAROLKEY", "carol"),
    ] {
        let authorization = format!("Authorization: {key}");
        assert_eq!(
            example.curl(&[url, "-H", &authorization]),
            (200, whoami(caller))
        );
    }
    // Bob's key is seeded as its digest: the digest itself is not a key.
    let bob_digest = "sha256:1754b3c4fae30f87f7f5b8802b9e821dcb70bfa81a7882f28504d13d5bb1e07a";
    // Carol's older key has expired.
    for refused in [
        "Authorization: alicekey",
        &format!("Authorization: {bob_digest}"),
        "Authorization: CAROLOLD",
    ] {
        assert_eq!(
            example.curl(&[url, "-H", refused]),
            (401, NOT_AUTHENTICATED.to_owned())
        );
    }
    assert_eq!(example.curl(&[url]), (401, NOT_AUTHENTICATED.to_owned()));
    // `/admin` requires the scope `admin`, which only carol has; it answers when each caller
    // and each key with an `id` was last accepted.
    let admin = "http://localhost:8080/admin";
    let (status, body) = example.curl(&[admin, "-H", "Authorization: ALICEKEY"]);
    assert_eq!((status, body.as_str()), (403, support::NOT_AUTHORIZED));
    let (status, body) = example.curl(&[admin, "-H", "Authorization: CAROLKEY"]);
    assert_eq!(status, 200, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    let rows = body["data"]["last_used"].as_array().unwrap();
    let row = |caller: &str, key_id: Option<&str>| {
        rows.iter()
            .find(|row| row["caller"] == caller && row["key_id"].as_str() == key_id)
            .unwrap_or_else(|| panic!("{caller} {key_id:?}: {rows:?}"))["last_used"]
            .clone()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for (caller, key_id) in [("alice", None), ("carol", None), ("carol", Some("2026-q4"))] {
        let at = row(caller, key_id).as_u64().unwrap();
        assert!(now.abs_diff(at) < 120, "{caller} {key_id:?}: {at}");
    }
    // Carol's expired key was refused, never accepted.
    assert_eq!(row("carol", Some("2026-q3")), serde_json::Value::Null);
    assert_eq!(rows.len(), 5, "{rows:?}");
}

#[test]
#[ignore = "needs curl; .ci/run installs it"]
fn keys_reads_the_key_set_from_api_keys_when_set() {
    let example = Example::start("keys", &[("API_KEYS", r#"{"carol": ["NEW", "OLD"]}"#)]);
    let url = "http://localhost:8080/whoami";
    for key in ["Authorization: NEW", "Authorization: OLD"] {
        assert_eq!(example.curl(&[url, "-H", key]), (200, whoami("carol")));
    }
    let alice = example.curl(&[url, "-H", "Authorization: ALICEKEY"]);
    assert_eq!(alice, (401, NOT_AUTHENTICATED.to_owned()));
}

#[test]
fn keys_prints_the_seeded_callers_curl_lines() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(support::servers::example_binary("keys"))
        .env_remove("API_KEYS")
        .env("PORT", "0")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let printed: Vec<String> = (0..2).map(|_| lines.next().unwrap().unwrap()).collect();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        printed,
        [
            "curl 'http://localhost:0/whoami' -H 'Authorization: ALICEKEY'",
            "curl 'http://localhost:0/whoami' -H 'Authorization: BOBKEY'",
        ]
    );
}
