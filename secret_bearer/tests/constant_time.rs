//! The comparison's constant-time property, checked by Valgrind's memcheck (SPEC §7).
//!
//! The probe marks the stored secrets' digests as *undefined*, then compares credentials
//! against them with the comparison every check uses. Memcheck reports every conditional jump,
//! and every memory address, that depends on undefined bytes: any branch or index that depends
//! on the secret or on how much of it matched. Only the final yes/no is declared defined again,
//! as the caller must branch on it. The same probe over a plain `==` must be reported, which
//! shows the check can fail.
//!
//! Marking memory needs Valgrind's client requests, issued with the documented magic
//! instruction sequence of `valgrind.h` (amd64): the client-request crates generate bindings
//! with bindgen and libclang at build time, too heavy for three requests in a test. That is the
//! one `unsafe` of the project, here in a test target of its own; the crates forbid it.

use std::process::Command;

use secret_bearer::__private::probe_accepts;

const TEST: &str = "the_comparison_has_no_secret_dependent_branch_or_access";
const MODE: &str = "SECRET_BEARER_CT_PROBE";

/// Run under valgrind with `MODE` set, this test is the probe; otherwise it runs the probe
/// under valgrind, for our comparison and for a plain `==`.
#[test]
#[ignore = "needs valgrind (x86_64); .ci/run installs it"]
fn the_comparison_has_no_secret_dependent_branch_or_access() {
    if let Ok(mode) = std::env::var(MODE) {
        return probe(mode == "naive");
    }
    let ours = run_probe("ours");
    assert_eq!(
        ours.0,
        Some(0),
        "memcheck reported our comparison:\n{}",
        ours.1
    );
    assert!(
        ours.1.contains("probe: 70 comparisons under valgrind"),
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
            "--include-ignored",
            "--exact",
            TEST,
            "--nocapture",
            "--test-threads=1",
        ])
        .env(MODE, mode)
        .output()
        .expect("valgrind runs (apt-get install valgrind; .ci/run installs it)");
    let text = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    (output.status.code(), text.into_owned())
}

fn probe(naive: bool) {
    assert!(
        valgrind::running(),
        "the probe only means something under valgrind"
    );
    // The test below that answers come from marked memory can tell the difference.
    assert!(!valgrind::is_undefined(std::hint::black_box(1)));
    let current = b"0123456789abcdef0123456789abcdef";
    let previous = b"the-previous-secret-of-32-bytes!";
    let (short, long) = (b"short", b"a-longer-previous-secret-33-bytes");
    let hashed = b"sha256:d3c9e23120f8849f9e7f8132fbe5400757440493ae11789bfeacc5eabba33e95";
    // Secrets of one length and of two, with and without an alternate, plain and hashed.
    let configurations: [&[&[u8]]; 4] = [
        &[current, previous],
        &[short, long],
        &[short],
        &[hashed, short],
    ];
    let credentials: [&[u8]; 11] = [
        current,
        previous,
        b"0123456789abcdef0123456789abcdeX",
        b"X123456789abcdef0123456789abcdef",
        b"0123456789abcdef",
        b"SUPERSECRET",
        b"SUPERSECREt",
        short,
        b"shorT",
        b"short\0",
        long,
    ];
    // Key sets: one caller, and twelve (four buckets, some padded), with a caller's two keys,
    // plain and hashed.
    let small_set = br#"{"alice": "short"}"#.to_vec();
    let mut callers: Vec<String> = (0..10)
        .map(|n| format!(r#""caller{n}": "key-of-caller-{n}""#))
        .collect();
    callers.push(format!(
        r#""bob": ["{}", "a-longer-previous-secret-33-bytes"]"#,
        std::str::from_utf8(hashed).unwrap()
    ));
    callers.push(r#""carol": "0123456789abcdef0123456789abcdef""#.to_owned());
    let large_set = format!("{{{}}}", callers.join(", ")).into_bytes();
    let sets: [(&[u8], &[&[u8]]); 2] = [
        (&small_set, &[short]),
        (
            &large_set,
            &[b"SUPERSECRET", long, current, b"key-of-caller-7"],
        ),
    ];
    let mut compared = 0;
    for keys in configurations {
        for credential in credentials {
            let digest_matched =
                !naive && keys.contains(&&hashed[..]) && credential == b"SUPERSECRET";
            let expected = keys.contains(&credential) || digest_matched;
            let matched = if naive {
                // The keys themselves, marked secret and compared with `==`.
                keys.iter().for_each(|key| valgrind::make_undefined(*key));
                valgrind::declassify(u8::from(keys.contains(&credential)))
            } else {
                ours(keys, false, credential, true)
            };
            assert_eq!(matched == 1, expected, "{credential:?}");
            compared += 1;
        }
    }
    if !naive {
        let extra: [&[u8]; 2] = [b"key-of-caller-7", b"key-of-caller-10"];
        for (set, accepted) in sets {
            for credential in credentials.iter().chain(&extra) {
                let accepted = accepted.contains(credential);
                let matched = ours(&[set], true, credential, accepted);
                assert_eq!(matched == 1, accepted, "{credential:?}");
                compared += 1;
            }
        }
    }
    println!("probe: {compared} comparisons under valgrind");
}

/// Our lookup, with the stored digests marked secret: whether one matched, declassified (the
/// caller branches on it, and on nothing else) once shown to come from the marked digests, or
/// this probe would prove nothing. Which slot
/// matched is computed too, and never declassified (the check reads it only once accepted):
/// memcheck reports any branch or address its selection takes from the digests. `compared`:
/// whether the credential's bucket holds a key (a key set's bucket may hold none; its slots
/// are then all padding, compared all the same, and the answer comes from no digest).
fn ours(values: &[&[u8]], key_set: bool, credential: &[u8], compared: bool) -> u8 {
    let (matched, slot) = probe_accepts(values, key_set, credential, valgrind::make_undefined);
    std::hint::black_box(slot);
    assert!(
        !compared || valgrind::is_undefined(matched),
        "{credential:?}"
    );
    valgrind::declassify(matched)
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

    pub(crate) fn running() -> bool {
        request(0, RUNNING_ON_VALGRIND, [0; 3]) > 0
    }

    pub(crate) fn make_undefined<T: ?Sized>(value: &T) {
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
    pub(crate) fn is_undefined(value: u8) -> bool {
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
    pub(crate) fn declassify(value: u8) -> u8 {
        let slot = value;
        request(0, MAKE_MEM_DEFINED, [&slot as *const u8 as usize, 1, 0]);
        // Read back from memory, whose shadow the request changed, not from a register.
        // SAFETY: `slot` is a live local.
        unsafe { std::ptr::read_volatile(&slot) }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod valgrind {
    pub(crate) fn running() -> bool {
        panic!("the memcheck probe issues Valgrind client requests for x86_64 only")
    }
    pub(crate) fn make_undefined<T: ?Sized>(_: &T) {}
    pub(crate) fn is_undefined(_: u8) -> bool {
        true
    }
    pub(crate) fn declassify(value: u8) -> u8 {
        value
    }
}
