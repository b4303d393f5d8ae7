//! Compile-time behaviour of `#[secret_bearer]`: every misuse is one error at the offending
//! token (`tests/ui/fail`, each with its expected `.stderr`), and every supported shape compiles
//! without a warning (`tests/ui/pass`).

#[test]
fn attribute_misuse_is_a_compile_error_and_supported_shapes_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}

/// A user's error leads with names the user knows: `__private` may appear only where rustc
/// says which bound of the generated code a requirement comes from.
#[test]
fn expected_errors_name_private_paths_only_in_bound_notes() {
    for entry in std::fs::read_dir("tests/ui/fail").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "stderr") {
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines().filter(|line| line.contains("__private")) {
                assert!(
                    line.contains("note: required by a bound in `"),
                    "{}: `__private` outside a bound note: {line}",
                    path.display()
                );
            }
        }
    }
}
