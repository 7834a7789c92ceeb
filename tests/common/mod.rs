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
