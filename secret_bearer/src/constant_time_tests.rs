//! The comparison's constant-time property, checked by Valgrind's memcheck (SPEC §7).
//!
//! The probe marks the stored secrets, their padding and their lengths as *undefined*, then
//! compares credentials against them. Memcheck reports every conditional jump, and every memory
//! address, that depends on undefined bytes: any branch or index that depends on the secret, its
//! length, or how much of it matched. Only the final yes/no is declared defined again, as the
//! caller must branch on it. The same probe over a plain `==` must be reported, which shows the
//! check can fail.
//!
//! Marking memory needs Valgrind's client requests. They are issued with the documented magic
//! instruction sequence of `valgrind.h` (amd64): the client-request crates generate bindings with
//! bindgen and libclang at build time, too heavy for two requests in a test.

use std::process::Command;

use actix_web::http::header::{AUTHORIZATION, HeaderValue};
use actix_web::test::TestRequest;

use crate::SecretBearer;
use crate::secret::{Secret, SecretPair, ct_matches_either};

const PROBE: &str = "constant_time_tests::memcheck_probe";
const MODE: &str = "SECRET_BEARER_CT_PROBE";

#[test]
fn the_comparison_has_no_secret_dependent_branch_or_access() {
    let ours = run_probe("ours");
    assert_eq!(
        ours.0,
        Some(0),
        "memcheck reported our comparison:\n{}",
        ours.1
    );
    assert!(
        ours.1
            .contains("probe: 66 comparisons and 27 requests under valgrind"),
        "{}",
        ours.1
    );

    let naive = run_probe("naive");
    assert_eq!(
        naive.0,
        Some(99),
        "memcheck missed a plain `==`:\n{}",
        naive.1
    );
    assert!(
        naive.1.contains("depends on uninitialised value"),
        "{}",
        naive.1
    );
}

/// Runs this test binary's probe under memcheck; returns its exit code and all it printed.
fn run_probe(mode: &str) -> (Option<i32>, String) {
    let exe = std::env::current_exe().unwrap();
    let output = Command::new("valgrind")
        .args(["--tool=memcheck", "--error-exitcode=99", "--quiet"])
        .arg(exe)
        .args([
            "--ignored",
            "--exact",
            PROBE,
            "--nocapture",
            "--test-threads=1",
        ])
        .env(MODE, mode)
        .output()
        .expect("valgrind runs (apt-get install valgrind; .ci/run installs it)");
    let text = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    (output.status.code(), text.into_owned())
}

#[test]
#[ignore = "run by the_comparison_has_no_secret_dependent_branch_or_access, under valgrind"]
fn memcheck_probe() {
    assert!(
        valgrind::running(),
        "the probe only means something under valgrind"
    );
    // The test below that answers come from marked memory can tell the difference.
    assert!(!valgrind::is_undefined(std::hint::black_box(1)));
    let naive = std::env::var(MODE).as_deref() == Ok("naive");
    let current = b"0123456789abcdef0123456789abcdef";
    let previous = b"the-previous-secret-of-32-bytes!";
    let (short, long) = (b"short", b"a-longer-previous-secret-33-bytes");
    // Secrets of one length and of two, with and without an alternate.
    let configurations: [(&[u8], Option<&[u8]>); 3] = [
        (current, Some(previous)),
        (short, Some(long)),
        (short, None),
    ];
    let credentials: [&[u8]; 11] = [
        current,
        previous,
        b"0123456789abcdef0123456789abcdeX",
        b"X123456789abcdef0123456789abcdef",
        b"0123456789abcdef",
        b"0123456789abcdef0123456789abcdef0",
        b"",
        short,
        b"shorT",
        b"short\0",
        long,
    ];
    let mut compared = 0;
    for (primary, alternate) in configurations {
        let primary_secret = Secret::new(primary).unwrap();
        let alternate_secret = alternate.map(|alternate| Secret::new(alternate).unwrap());
        for stored in std::iter::once(&primary_secret).chain(&alternate_secret) {
            let (padded, len) = stored.stored_memory();
            valgrind::make_undefined(padded);
            valgrind::make_undefined(len);
        }
        // Both ways a check compares: with the secrets where they are kept, and with a pair.
        let pair = SecretPair::new(&primary_secret, alternate_secret.as_ref());
        let (words, lens) = pair.stored_memory();
        valgrind::make_undefined(words);
        valgrind::make_undefined(lens);
        for credential in credentials {
            let expected = credential == primary || Some(credential) == alternate;
            let answers = if naive {
                let matched = primary_secret.expose() == credential
                    || alternate_secret
                        .as_ref()
                        .is_some_and(|alternate| alternate.expose() == credential);
                [u8::from(matched); 2]
            } else {
                [
                    ct_matches_either(&primary_secret, alternate_secret.as_ref(), credential)
                        .unwrap_u8(),
                    pair.matches(credential).unwrap_u8(),
                ]
            };
            for matched in answers {
                assert!(naive || valgrind::is_undefined(matched), "{credential:?}");
                // Declassify the answer, and only the answer: the caller branches on it.
                let matched = valgrind::declassify(matched);
                assert_eq!(matched == 1, expected, "{credential:?}");
                compared += 1;
            }
        }
    }
    // The plain `==` is caught above; the requests check that the code as shipped is not.
    let requests = if naive {
        0
    } else {
        probe_requests(configurations, &credentials)
    };
    println!("probe: {compared} comparisons and {requests} requests under valgrind");
}

/// The actix extractor's common case as it is compiled: an environment bearer's pair marked
/// secret, then requests looked up, parsed and compared by the one function every handler's
/// extractor calls.
fn probe_requests(configurations: [(&[u8], Option<&[u8]>); 3], credentials: &[&[u8]]) -> usize {
    let mut requests = 0;
    for (index, (primary, alternate)) in configurations.into_iter().enumerate() {
        let variable = |name: &str, value: &[u8]| {
            let name = format!("SB_CT_PROBE_{name}_{index}");
            // SAFETY: the probe runs alone, on one thread (`--test-threads=1`).
            unsafe { std::env::set_var(&name, std::str::from_utf8(value).unwrap()) };
            name
        };
        let mut builder = SecretBearer::builder().env(variable("PRIMARY", primary));
        if let Some(alternate) = alternate {
            builder = builder.alt_env(variable("ALTERNATE", alternate));
        }
        let bearer = builder.build().unwrap();
        // The first check builds the pair; from then on, the pair is all the common case reads.
        assert!(bearer.check([primary]).is_ok());
        let (words, lens) = bearer.env_pair().unwrap().stored_memory();
        valgrind::make_undefined(words);
        valgrind::make_undefined(lens);
        // Only what a request can carry: no NUL byte, and an empty value is dropped.
        let sendable = |credential: &&&[u8]| {
            !credential.is_empty() && HeaderValue::from_bytes(credential).is_ok()
        };
        for &credential in credentials.iter().filter(sendable) {
            let expected = credential == primary || Some(credential) == alternate;
            let req = TestRequest::default()
                .insert_header((AUTHORIZATION, credential))
                .to_http_request();
            let accepted = u8::from(crate::actix::accepts_at_once(&req, &bearer));
            // The answer must come from the marked pair, or this probe proves nothing.
            assert!(valgrind::is_undefined(accepted), "{credential:?}");
            // Declassify the answer, and only the answer: the caller branches on it.
            let accepted = valgrind::declassify(accepted) == 1;
            assert_eq!(accepted, expected, "{credential:?}");
            requests += 1;
        }
    }
    requests
}

#[cfg(target_arch = "x86_64")]
mod valgrind {
    //! Memcheck client requests (`valgrind/valgrind.h`, `valgrind/memcheck.h`).

    const RUNNING_ON_VALGRIND: usize = 0x1001;
    const MEMCHECK_BASE: usize = ((b'M' as usize) << 24) | ((b'C' as usize) << 16);
    const MAKE_MEM_UNDEFINED: usize = MEMCHECK_BASE + 1;
    const MAKE_MEM_DEFINED: usize = MEMCHECK_BASE + 2;
    const GET_VBITS: usize = MEMCHECK_BASE + 8;

    /// Natively, the rotations sum to 128 bits (a no-op) and `rdx` keeps `default`; under
    /// Valgrind the sequence is recognised and the request's answer lands in `rdx`.
    fn request(default: usize, request: usize, args: [usize; 3]) -> usize {
        let args: [usize; 6] = [request, args[0], args[1], args[2], 0, 0];
        let result;
        // SAFETY: the sequence only reads `args`. Under Valgrind, the requests used here
        // change memcheck's shadow state, except `GET_VBITS`, which writes the validity bits
        // into the buffer its caller passes (a live local); the block is not `nomem`, so the
        // compiler assumes memory may change across it.
        unsafe {
            std::arch::asm!(
                "rol rdi, 3", "rol rdi, 13", "rol rdi, 61", "rol rdi, 51",
                "xchg rbx, rbx",
                in("rax") args.as_ptr(),
                inout("rdx") default => result,
                inout("rdi") 0usize => _,
                options(nostack),
            );
        }
        result
    }

    pub(super) fn running() -> bool {
        request(0, RUNNING_ON_VALGRIND, [0; 3]) > 0
    }

    pub(super) fn make_undefined<T: ?Sized>(value: &T) {
        request(
            0,
            MAKE_MEM_UNDEFINED,
            [
                value as *const T as *const u8 as usize,
                size_of_val(value),
                0,
            ],
        );
    }

    /// Whether memcheck holds any bit of `value` undefined: whether it was computed from
    /// memory marked secret.
    pub(super) fn is_undefined(value: u8) -> bool {
        let (slot, mut shadow) = (value, 0u8);
        // Copies the slot's validity bits (1 for undefined) into `shadow`; answers 1 when done.
        let done = request(
            0,
            GET_VBITS,
            [
                &slot as *const u8 as usize,
                &mut shadow as *mut u8 as usize,
                1,
            ],
        );
        assert_eq!(done, 1, "memcheck gave no validity bits");
        // SAFETY: `shadow` is a live local, written behind the compiler's back by Valgrind.
        unsafe { std::ptr::read_volatile(&shadow) != 0 }
    }

    /// `value`, which memcheck then treats as defined, however it was computed.
    pub(super) fn declassify(value: u8) -> u8 {
        let slot = value;
        request(0, MAKE_MEM_DEFINED, [&slot as *const u8 as usize, 1, 0]);
        // Read back from memory, whose shadow the request changed, not from a register.
        // SAFETY: `slot` is a live local.
        unsafe { std::ptr::read_volatile(&slot) }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod valgrind {
    pub(super) fn running() -> bool {
        panic!("the memcheck probe issues Valgrind client requests for x86_64 only")
    }
    pub(super) fn make_undefined<T: ?Sized>(_: &T) {}
    pub(super) fn is_undefined(_: u8) -> bool {
        true
    }
    pub(super) fn declassify(value: u8) -> u8 {
        value
    }
}
