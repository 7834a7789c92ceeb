// SPDX-License-Identifier: LGPL-2.1-or-later
//! Helpers shared by the integration tests: paths of the bundled data and connections to
//! libvirt's test driver serving it.
#![allow(dead_code)]

use std::path::PathBuf;

use virt::connect::Connect;
use virt_migration_check::{Report, Severity};

pub fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(path)
}

pub fn read(path: &str) -> String {
    std::fs::read_to_string(data(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The test-driver URI of a bundled host ("dst-ok" -> test:///.../tests/data/hosts/dst-ok.xml).
pub fn host_uri(name: &str) -> String {
    format!("test://{}", data(&format!("hosts/{name}.xml")).display())
}

/// A read-only connection to a bundled host, as the library is meant to be used.
pub fn open(name: &str) -> Connect {
    virt::error::clear_error_callback();
    Connect::open_read_only(Some(&host_uri(name))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Checks web1 from the source host against `dst` with `flags`.
pub fn check_web1(dst: &Connect, flags: u32) -> Report {
    let src = open("src");
    let dom = src.lookup_domain_by_name("web1").unwrap();
    virt_migration_check::check(&src, dst, &dom, flags).unwrap()
}

/// The codes of the findings of `severity`, sorted.
pub fn codes(report: &Report, severity: Severity) -> Vec<String> {
    let mut codes: Vec<String> = report.with_severity(severity).map(|f| f.code.to_string()).collect();
    codes.sort();
    codes
}

/// The codes of every finding that says something (ERROR, WARNING, INFO), sorted: not OK, and
/// not SKIPPED (on the test driver NETWORK_MODEL and DISK_MODEL always are).
pub fn problems(report: &Report) -> Vec<String> {
    let mut codes: Vec<String> = report
        .findings
        .iter()
        .filter(|f| !matches!(f.severity, Severity::Ok | Severity::Skipped))
        .map(|f| f.code.to_string())
        .collect();
    codes.sort();
    codes
}

pub mod daemon;

/// A host of the QEMU bed as it printed itself (tests/data/bed/MANIFEST.txt): libvirt `libvirt`
/// ("9.0.0", "11.3.0") driving QEMU `qemu` ("7.2", "10.0"), its KVM domain capabilities of the
/// newest q35 machine, and the versions it reported; at `uri`.
pub fn bed_host(uri: &str, libvirt: &str, qemu: &str) -> virt_migration_check::facts::Host {
    use virt_migration_check::xml::{capabilities::parse_capabilities, domcaps::parse_domain_capabilities};
    let caps = format!("bed/caps-libvirt-{libvirt}-qemu-{qemu}.xml");
    let domcaps = format!("bed/domcaps-libvirt-{libvirt}-qemu-{qemu}-kvm-pc-q35-{qemu}.xml");
    let mut host = virt_migration_check::facts::Host::unknown(uri);
    host.capabilities = Ok(parse_capabilities(&read(&caps), &caps).unwrap());
    host.domain_capabilities = Ok(vec![parse_domain_capabilities(&read(&domcaps), &domcaps).unwrap()]);
    host.libvirt_version = Ok(if libvirt == "9.0.0" { 9_000_000 } else { 11_003_000 });
    let version = if qemu == "7.2" { 7_002_022 } else { 10_000_002 };
    host.hypervisor = Ok(virt_migration_check::facts::Hypervisor { driver: "QEMU".into(), version });
    host
}
