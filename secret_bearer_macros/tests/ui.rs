//! Compile-time behaviour of `#[secret_bearer]`: every misuse is one error at the offending
//! token (`tests/ui/fail`, each with its expected `.stderr`), and every supported shape compiles
//! without a warning (`tests/ui/pass`).

#[test]
fn attribute_misuse_is_a_compile_error_and_supported_shapes_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
