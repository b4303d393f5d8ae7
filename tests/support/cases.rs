//! The rules of the check (SPEC §2) as one table of requests and answers, run against every
//! server the crate supports: each test binary brings a runner that serves the table's routes
//! on its framework and answers a [`Case`] with what its server sent.

use super::{ALTERNATE, NOT_AUTHENTICATED, PRIMARY};
use secret_bearer::{MAX_SECRET_LEN, NamedBearer};

use super::{MISCONFIGURED_BODY, NOT_AUTHORIZED};

/// The named bearer of [`Route::Named`]: every runner's `/named` handlers name it, and its
/// middleware and layer are built from it.
#[secret_bearer::secret_bearer(
    env = "SB_TEST_PRIMARY",
    alt_env = "SB_TEST_ALTERNATE",
    prefix = "Bearer "
)]
pub struct TestKey;

/// The named key set of [`Route::NamedScoped`], requiring `admin` of every caller.
#[secret_bearer::secret_bearer(keys_env = "SB_TEST_KEYS", prefix = "Bearer ", scopes = ["admin"])]
pub struct TestKeys;

/// The routes every runner serves, each protected as its doc says, answering `hello`.
#[derive(Clone, Copy, Debug)]
pub enum Route {
    /// `/plain`: `env = "SB_TEST_PRIMARY", alt_env = "SB_TEST_ALTERNATE"`, no prefix.
    Plain,
    /// `/bearer`: `env = "SB_TEST_PRIMARY", prefix = "Bearer "`.
    Bearer,
    /// `/missing`: `env = "SB_TEST_UNSET_MISSING"`, a variable never set.
    Missing,
    /// `/empty`: `env = "SB_TEST_EMPTY"`, a variable set to `""`.
    Empty,
    /// `/keys`: `keys_env = "SB_TEST_KEYS", prefix = "Bearer "`, answering its [`Caller`]'s
    /// name and whether its key is the newest ([`caller_body`]).
    ///
    /// [`Caller`]: secret_bearer::Caller
    Keys,
    /// `/named`: `#[secret_bearer(TestKey)]`, [`TestKey`]'s primary, alternate and `Bearer `.
    Named,
    /// `/scoped`: `keys_env = "SB_TEST_KEYS", prefix = "Bearer ", scopes = ["admin"]`,
    /// answering as `/keys`.
    Scoped,
    /// `/named-scoped`: `#[secret_bearer(TestKeys, scopes = ["reports"])]`, which requires
    /// `admin` (the named bearer's) and `reports` (the handler's); answering as `/keys`.
    NamedScoped,
}

/// What `/keys` answers: who called, and whether with the newest key.
pub fn caller_body(caller: &secret_bearer::Caller) -> String {
    format!("{} {}", caller.name(), caller.is_newest_key())
}

impl Route {
    pub const ALL: [Route; 8] = [
        Route::Plain,
        Route::Bearer,
        Route::Missing,
        Route::Empty,
        Route::Keys,
        Route::Named,
        Route::Scoped,
        Route::NamedScoped,
    ];

    /// Whether the route answers with its caller ([`caller_body`]) rather than `hello`.
    pub fn names_its_caller(self) -> bool {
        matches!(self, Self::Keys | Self::Scoped | Self::NamedScoped)
    }

    /// The route's configuration as a bearer, for the runners of middleware and layers.
    pub fn bearer(self) -> secret_bearer::SecretBearer {
        if let Self::Named = self {
            return TestKey::bearer().unwrap().clone();
        }
        let builder = secret_bearer::SecretBearer::builder();
        let builder = match self {
            Self::Plain => builder.env("SB_TEST_PRIMARY").alt_env("SB_TEST_ALTERNATE"),
            Self::Bearer => builder.env("SB_TEST_PRIMARY").prefix("Bearer "),
            Self::Missing => builder.env("SB_TEST_UNSET_MISSING"),
            Self::Empty => builder.env("SB_TEST_EMPTY"),
            Self::Keys => builder.keys_env("SB_TEST_KEYS").prefix("Bearer "),
            Self::Scoped => builder
                .keys_env("SB_TEST_KEYS")
                .prefix("Bearer ")
                .scopes(["admin"]),
            Self::NamedScoped => builder
                .keys_env("SB_TEST_KEYS")
                .prefix("Bearer ")
                .scopes(["admin", "reports"]),
            Self::Named => unreachable!("built by the attribute, above"),
        };
        builder.build().unwrap()
    }

    pub fn path(self) -> &'static str {
        match self {
            Self::Plain => "/plain",
            Self::Bearer => "/bearer",
            Self::Missing => "/missing",
            Self::Empty => "/empty",
            Self::Keys => "/keys",
            Self::Named => "/named",
            Self::Scoped => "/scoped",
            Self::NamedScoped => "/named-scoped",
        }
    }
}

/// A request (its `Authorization` headers, in order) and the answer every server must give.
#[derive(Debug)]
pub struct Case {
    pub route: Route,
    pub authorization: Vec<String>,
    pub status: u16,
    pub body: &'static str,
    /// The `WWW-Authenticate` value; `None` for none.
    pub challenge: Option<&'static str>,
}

/// What a server answered: status, body, `WWW-Authenticate`.
pub type Answer = (u16, String, Option<String>);

impl Case {
    fn new(
        route: Route,
        authorization: &[&str],
        status: u16,
        challenge: Option<&'static str>,
    ) -> Self {
        let body = match status {
            200 => "hello",
            401 => NOT_AUTHENTICATED,
            403 => NOT_AUTHORIZED,
            _ => MISCONFIGURED_BODY,
        };
        Self {
            route,
            authorization: authorization
                .iter()
                .map(|value| (*value).to_owned())
                .collect(),
            status,
            body,
            challenge,
        }
    }

    /// Checks a server's answer to this case.
    pub fn assert(&self, (status, body, challenge): Answer) {
        assert_eq!(
            (status, body.as_str(), challenge.as_deref()),
            (self.status, self.body, self.challenge),
            "{self:?}"
        );
    }
}

const BEARER_INVALID: Option<&str> = Some(r#"Bearer error="invalid_token""#);

/// Every rule of the check, as requests and answers.
pub fn check_cases() -> Vec<Case> {
    use Route::*;
    let accepted = |route, value: &str| Case::new(route, &[value], 200, None);
    let mut cases = vec![
        // No header: a 401 with the challenge the prefix names.
        Case::new(Plain, &[], 401, Some("ApiKey")),
        Case::new(Bearer, &[], 401, Some("Bearer")),
        // The primary and the alternate match; nothing else does.
        accepted(Plain, PRIMARY),
        accepted(Plain, ALTERNATE),
    ];
    for refused in [
        "NOTTHESECRET",
        "supersecret",
        "SUPERSECRE",
        "SUPERSECRETX",
        "alsookay",
    ] {
        cases.push(Case::new(Plain, &[refused], 401, Some("ApiKey")));
    }
    // The prefix matches in any case, and implies no space.
    for value in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        cases.push(accepted(Bearer, &format!("{value} {PRIMARY}")));
    }
    for (refused, challenge) in [
        ("BearerSUPERSECRET", Some("Bearer")),
        ("SUPERSECRET", Some("Bearer")),
        ("Bearer", Some("Bearer")),
        ("Bearer ", BEARER_INVALID),
        ("Bearer  SUPERSECRET", BEARER_INVALID),
        ("Bearer supersecret", BEARER_INVALID),
    ] {
        cases.push(Case::new(Bearer, &[refused], 401, challenge));
    }
    // Two headers are refused, even when both match.
    for pair in [
        [PRIMARY, PRIMARY],
        ["NOTTHESECRET", PRIMARY],
        [PRIMARY, ALTERNATE],
    ] {
        cases.push(Case::new(Plain, &pair, 401, Some("ApiKey")));
    }
    // A credential over the cap is refused without being compared.
    for length in [MAX_SECRET_LEN, MAX_SECRET_LEN + 1, 4 * MAX_SECRET_LEN] {
        cases.push(Case::new(
            Plain,
            &[&"S".repeat(length)],
            401,
            Some("ApiKey"),
        ));
    }
    // A secret that cannot be read fails closed, with or without a header; an empty header never
    // matches an empty secret.
    for route in [Missing, Empty] {
        for authorization in [&[][..], &[PRIMARY], &[""], &["x"]] {
            cases.push(Case::new(route, authorization, 500, None));
        }
    }
    // A key set names its callers; a key no caller holds, or a digest sent as a key, is refused.
    for (authorization, body) in [
        ("Bearer ALICEKEY", "alice true"),
        ("bearer ALICEKEY", "alice true"),
        ("Bearer BOBKEY", "bob true"),
        ("Bearer BOBOLD", "bob false"),
        ("Bearer CAROLNEW", "carol true"),
        ("Bearer ERINKEY", "erin true"),
    ] {
        let mut case = Case::new(Keys, &[authorization], 200, None);
        case.body = body;
        cases.push(case);
    }
    // A handler's scopes: a caller without one of them is forbidden (403), its challenge
    // naming every scope required, whichever the caller lacks; who is not authenticated is
    // refused first (401), as anywhere.
    const ADMIN: Option<&str> = Some(r#"Bearer error="insufficient_scope", scope="admin""#);
    const ADMIN_REPORTS: Option<&str> =
        Some(r#"Bearer error="insufficient_scope", scope="admin reports""#);
    for (route, authorization, answer) in [
        (Scoped, "Bearer ALICEKEY", Ok("alice true")),
        (Scoped, "Bearer ERINKEY", Ok("erin true")),
        (Scoped, "Bearer BOBKEY", Err(ADMIN)),
        (Scoped, "Bearer CAROLNEW", Err(ADMIN)),
        (NamedScoped, "Bearer ALICEKEY", Ok("alice true")),
        (NamedScoped, "Bearer ERINKEY", Err(ADMIN_REPORTS)),
        (NamedScoped, "Bearer BOBOLD", Err(ADMIN_REPORTS)),
    ] {
        cases.push(match answer {
            Ok(body) => {
                let mut case = Case::new(route, &[authorization], 200, None);
                case.body = body;
                case
            }
            Err(challenge) => Case::new(route, &[authorization], 403, challenge),
        });
    }
    for route in [Scoped, NamedScoped] {
        cases.push(Case::new(route, &[], 401, Some("Bearer")));
        for refused in ["Bearer NOTAKEY", "Bearer CAROLOLD", "Bearer DAVEKEY"] {
            cases.push(Case::new(route, &[refused], 401, BEARER_INVALID));
        }
    }
    // A key past its `expires`, or its caller's, is refused as a wrong one is.
    let digest = format!("Bearer {}", super::sha256("BOBKEY"));
    for refused in [
        "Bearer alicekey",
        "Bearer BOBKEY ",
        "Bearer BOBOL",
        &digest,
        "Bearer CAROLOLD",
        "Bearer DAVEKEY",
    ] {
        cases.push(Case::new(Keys, &[refused], 401, BEARER_INVALID));
    }
    cases.push(Case::new(Keys, &["ALICEKEY"], 401, Some("Bearer")));
    cases.push(Case::new(Keys, &[], 401, Some("Bearer")));
    // A named bearer checks as its keys say, wherever it is named.
    for value in [PRIMARY, ALTERNATE] {
        cases.push(accepted(Named, &format!("bearer {value}")));
    }
    cases.push(Case::new(Named, &[], 401, Some("Bearer")));
    cases.push(Case::new(Named, &[PRIMARY], 401, Some("Bearer")));
    cases.push(Case::new(
        Named,
        &["Bearer NOTTHESECRET"],
        401,
        BEARER_INVALID,
    ));
    cases
}
