// SPDX-License-Identifier: LGPL-2.1-or-later
//! The CPU engine against libvirt's own test suite (tests/cputest.c and its data, copied into
//! tests/data/cpu with libvirt 11.3's cpu_map): every x86_64 compare and baseline case.

mod common;

use std::sync::Arc;

use virt_migration_check::cpu::CpuMap;
use virt_migration_check::cpu::compare::{Comparison, compare};
use virt_migration_check::facts::CpuDef;
use virt_migration_check::xml::cpu::parse_cpus;

fn map() -> Arc<CpuMap> {
    CpuMap::cached(Some(&common::data("cpu/cpu_map"))).unwrap()
}

fn cpus(file: &str) -> Vec<CpuDef> {
    parse_cpus(&common::read(&format!("cpu/{file}")), file).unwrap()
}

/// Rows of a TSV case table, without the header and comments.
fn cases(table: &str) -> Vec<Vec<String>> {
    common::read(&format!("cpu/{table}"))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

#[test]
fn every_x86_64_compare_case_of_libvirt_passes() {
    let map = map();
    let mut failures = Vec::new();
    let rows = cases("cputest-cases.tsv");
    assert!(rows.len() >= 23);
    for row in &rows {
        let (host_file, guest_file, expected) = (&row[1], &row[2], row[3].as_str());
        let host = &cpus(host_file)[0];
        let guest = &cpus(guest_file)[0];
        let got = match compare(&map, host, guest) {
            Ok(outcome) => outcome.result.name(),
            Err(_) => "ERROR",
        };
        if got != expected {
            failures.push(format!("{host_file} vs {guest_file}: expected {expected}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), rows.len(), failures.join("\n"));
}

#[test]
fn incompatible_compares_name_the_features() {
    let map = map();
    let host = &cpus("x86_64-host.xml")[0];
    let better = &cpus("x86_64-host-better.xml")[0];
    let outcome = compare(&map, host, better).unwrap();
    assert_eq!(outcome.result, Comparison::Incompatible);
    assert!(!outcome.missing.is_empty(), "{outcome:?}");
    let forbid = &cpus("x86_64-exact-forbid.xml")[0];
    let outcome = compare(&map, host, forbid).unwrap();
    assert!(!outcome.forbidden.is_empty(), "{outcome:?}");
    let strict = &cpus("x86_64-strict.xml")[0];
    let outcome = compare(&map, host, strict).unwrap();
    assert!(!outcome.extra.is_empty(), "{outcome:?}");
}

#[test]
fn every_x86_64_baseline_case_of_libvirt_passes() {
    use virt_migration_check::cpu::baseline::{baseline, expand};
    use virt_migration_check::cpu::format::format_guest_cpu;
    let map = map();
    let mut failures = Vec::new();
    let rows = cases("baseline-cases.tsv");
    assert_eq!(rows.len(), 14);
    for row in &rows {
        let (inputs, expected_file, expected, flags) = (&row[2], &row[3], row[4].as_str(), row[5].as_str());
        let cpus: Vec<CpuDef> = inputs.split(',').flat_map(cpus).collect();
        let result = baseline(&map, &cpus, flags.contains("MIGRATABLE"))
            .and_then(|cpu| if flags.contains("EXPAND_FEATURES") { expand(&map, &cpu) } else { Ok(cpu) });
        match (expected, result) {
            ("ERROR", Err(_)) => {}
            ("ERROR", Ok(cpu)) => failures.push(format!("{inputs}: expected an error, got {}", format_guest_cpu(&cpu))),
            (_, Err(e)) => failures.push(format!("{inputs}: {e}")),
            (_, Ok(cpu)) => {
                let want = common::read(&format!("cpu/{expected_file}"));
                let got = format_guest_cpu(&cpu);
                if got != want {
                    failures.push(format!("{inputs} ({flags}):\nexpected\n{want}got\n{got}"));
                }
                // libvirt also requires every input to compare IDENTICAL or SUPERSET to the result.
                for input in &cpus {
                    let outcome = compare(&map, input, &cpu).unwrap();
                    if outcome.result == Comparison::Incompatible {
                        failures.push(format!("{inputs}: an input is incompatible with the result: {outcome:?}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), rows.len(), failures.join("\n"));
}
