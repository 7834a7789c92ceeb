#![no_main]
// The body is in src/fuzzing.rs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    virt_migration_check::fuzzing::run("interface", data);
});
