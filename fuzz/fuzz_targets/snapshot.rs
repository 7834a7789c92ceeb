#![no_main]
// SPDX-License-Identifier: LGPL-2.1-or-later
// The body is in src/fuzzing.rs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    virt_migration_check::fuzzing::run("snapshot", data);
});
