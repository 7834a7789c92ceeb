// SPDX-License-Identifier: LGPL-2.1-or-later
//! One home for each check's rules: a file per check (in bit order), where every reason code
//! the check can emit has a scenario that produces it, asserting its severity, its code and the
//! object its message names. Scenarios are built from facts (`builder`), with no libvirt
//! connection; the files' top comments point to the other tests of the same check (live, on
//! libvirt's test driver, or through snapshots).
//!
//! `every_declared_code_has_a_scenario` runs every scenario of every file on its own thread and
//! fails when a code of `codes::all()` was produced by none of them.

mod builder;

mod arch;
mod cpu_count;
mod cpu_flags;
mod cpu_vendor;
mod cpuid;
mod devices;
mod disk;
mod disk_model;
mod host;
mod hostdev;
mod hypervisor;
mod machine;
mod memory;
mod msr;
mod network;
mod network_model;
mod numa;
mod time;

use virt_migration_check::codes::{all, is_declared};

/// Every check's scenario table, in bit order.
const TABLES: &[builder::Table] = &[
    hypervisor::SCENARIOS,
    arch::SCENARIOS,
    cpu_vendor::SCENARIOS,
    cpu_flags::SCENARIOS,
    cpu_count::SCENARIOS,
    memory::SCENARIOS,
    numa::SCENARIOS,
    network::SCENARIOS,
    network_model::SCENARIOS,
    disk::SCENARIOS,
    disk_model::SCENARIOS,
    time::SCENARIOS,
    hostdev::SCENARIOS,
    msr::SCENARIOS,
    cpuid::SCENARIOS,
    machine::SCENARIOS,
    devices::SCENARIOS,
    host::SCENARIOS,
];

#[test]
fn every_declared_code_has_a_scenario() {
    builder::reset_seen();
    for table in TABLES {
        for (_, scenario) in *table {
            scenario();
        }
    }
    let seen = builder::seen();
    let undeclared: Vec<&String> = seen.iter().filter(|c| !is_declared(c)).collect();
    assert!(undeclared.is_empty(), "codes seen but not declared in codes: {undeclared:?}");
    let unproduced: Vec<&str> = all().map(|(_, c)| c).filter(|c| !seen.contains(*c)).collect();
    assert!(unproduced.is_empty(), "declared codes no scenario produces: {unproduced:?}");
    eprintln!("{} declared codes, {} produced by the scenarios", all().count(), seen.len());
}

#[test]
fn each_file_covers_its_own_check() {
    // A scenario file holds the rules of its check only: every code a file's scenarios expect
    // starts with that check's name.
    use virt_migration_check::Check;
    for (check, table) in Check::ALL.into_iter().zip(TABLES) {
        builder::reset_seen();
        for (_, scenario) in *table {
            scenario();
        }
        for code in builder::seen() {
            assert!(code.starts_with(&format!("{}.", check.name())), "{code} expected in the {} file", check.name());
        }
    }
}
