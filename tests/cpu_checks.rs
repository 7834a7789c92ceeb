// SPDX-License-Identifier: LGPL-2.1-or-later
//! The CPU checks (CPU_FLAGS, CPU_VENDOR, MSR, CPUID) on real hosts and guests from libvirt's
//! test data (through snapshots assembled from their saved XML, judged with libvirt 11.3's CPU
//! map), and on libvirt's test driver, which has no host CPU model.

mod common;

use common::{open, read};
use virt_migration_check::xml::snapshot::{SavedDocuments, assemble, write};
use virt_migration_check::{Flags, Options, Report, Severity, Value};

const CPU_CHECKS: Flags = Flags::CPU_VENDOR.union(Flags::CPU_FLAGS).union(Flags::MSR).union(Flags::CPUID);

/// A host snapshot from a real capabilities document and, optionally, real domain capabilities.
fn host(caps: &str, domcaps: Option<&str>) -> String {
    let doc = |p: &str| (p.to_string(), read(&format!("fixtures/{p}")));
    let saved = SavedDocuments {
        capabilities: doc(&format!("host-caps/capabilityschemadata/{caps}")),
        domain_capabilities: domcaps.map(|d| doc(&format!("domcaps/domaincapsdata/{d}"))).into_iter().collect(),
        ..SavedDocuments::default()
    };
    write(&assemble(&saved, &format!("file:///{caps}/{}", domcaps.unwrap_or("-")), "2026-11-26T00:00:00Z").unwrap())
}

fn guest(name: &str) -> String {
    read(&format!("fixtures/domains/qemuxmlconfdata/{name}"))
}

fn check(domain: &str, src: Option<&str>, dst: &str) -> Report {
    let mut options = Options::from_flags(CPU_CHECKS.bits(), virt_migration_check::supported_checks()).unwrap();
    options.cpu_map = Some(common::data("cpu/cpu_map"));
    virt_migration_check::check_xml_with_options(domain, src, dst, &options).unwrap()
}

fn only(report: &Report, code: &str) -> virt_migration_check::Finding {
    let found: Vec<_> = report.with_code(code).collect();
    assert_eq!(found.len(), 1, "{code} in {report:#?}");
    found[0].clone()
}

fn detail(f: &virt_migration_check::Finding, name: &str) -> String {
    match f.detail_value(name) {
        Some(Value::Str(s)) => s.clone(),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn haswell_guest_on_a_haswell_without_tsx_lacks_hle_and_rtm() {
    // The classic: microcode updates removed TSX; a guest started with Haswell cannot move to a
    // host whose Haswell lost hle and rtm.
    let report = check(&guest("cpu-Haswell.xml"), None, &host("caps-qemu-kvm.xml", None));
    let f = only(&report, "cpu_flags.feature-missing");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(detail(&f, "missing"), "hle,rtm");
    assert!(f.message.contains("hle, rtm"), "{}", f.message);
    assert!(detail(&f, "compared_with").contains("capabilities"));
    // The same guest without TSX fits.
    let report = check(&guest("cpu-Haswell-noTSX.xml"), None, &host("caps-qemu-kvm.xml", None));
    assert!(report.errors().next().is_none(), "{report:#?}");
}

#[test]
fn the_destinations_host_model_is_what_counts() {
    // QEMU 5.0 on a Skylake client offers Skylake-Client-IBRS: everything Haswell needs.
    let dst = host("caps-qemu-kvm.xml", Some("qemu_5.0.0.x86_64.xml"));
    let report = check(&guest("cpu-Haswell.xml"), None, &dst);
    assert!(report.errors().next().is_none(), "{report:#?}");
    let newer = only(&report, "cpu_flags.newer-model");
    assert_eq!(newer.severity, Severity::Info);
    assert!(newer.message.contains("Skylake-Client-IBRS"), "{}", newer.message);
    // On an AMD EPYC-Rome host (QEMU 7.2) the Intel model lacks features, and the vendor differs.
    let report = check(&guest("cpu-Haswell.xml"), None, &host("caps-qemu-kvm.xml", Some("qemu_7.2.0.x86_64.xml")));
    let missing = only(&report, "cpu_flags.feature-missing");
    assert!(detail(&missing, "compared_with").contains("host-model"));
    assert!(detail(&missing, "missing").split(',').any(|f| f == "hle"), "{}", detail(&missing, "missing"));
    let vendor = only(&report, "cpu_vendor.differs");
    assert_eq!(vendor.severity, Severity::Info, "a named model: not host-bound");
    assert_eq!(detail(&vendor, "destination_vendor"), "AMD");
}

#[test]
fn missing_msr_features_are_named_by_the_msr_check() {
    // A Cooper Lake guest CPU (as QEMU expands it: 72 vmx-* controls) on a Skylake client host.
    let cooperlake = read("cpu/x86_64-cpuid-Cooperlake-json.xml");
    let domain = guest("cpu-Haswell.xml").replace(
        &guest("cpu-Haswell.xml")
            [guest("cpu-Haswell.xml").find("<cpu").unwrap()..guest("cpu-Haswell.xml").find("</cpu>").unwrap() + 6],
        cooperlake.trim(),
    );
    let report = check(&domain, None, &host("caps-qemu-kvm.xml", Some("qemu_5.0.0.x86_64.xml")));
    let msr = only(&report, "msr.feature-missing");
    assert_eq!(msr.severity, Severity::Error);
    let names = detail(&msr, "missing");
    let map = virt_migration_check::cpu::CpuMap::cached(Some(&common::data("cpu/cpu_map"))).unwrap();
    assert!(names.split(',').all(|n| map.feature(n).unwrap().1.msr), "{names}");
    assert!(names.split(',').any(|n| n == "vmx-posted-intr") && names.split(',').any(|n| n == "mds-no"), "{names}");
    let cpuid = only(&report, "cpu_flags.feature-missing");
    assert!(!detail(&cpuid, "missing").contains("vmx-"), "CPU_FLAGS names CPUID features only");
    assert!(detail(&cpuid, "missing").split(',').any(|f| f.starts_with("avx512")));
}

#[test]
fn host_passthrough_needs_the_same_cpu() {
    let haswell = host("caps-qemu-kvm.xml", None);
    let sandy = host("caps-test2.xml", None);
    let passthrough = guest("cpu-host-passthrough.xml");
    // Haswell -> Sandy Bridge: the guest loses features.
    let report = check(&passthrough, Some(&haswell), &sandy);
    let f = only(&report, "cpu_flags.passthrough-mismatch");
    assert!(detail(&f, "missing").contains("avx2"), "{}", detail(&f, "missing"));
    // Its identity changes too.
    assert_eq!(only(&report, "cpuid.passthrough").severity, Severity::Warning);
    // Sandy Bridge -> Haswell is no better: that Sandy Bridge host shows 'monitor', which the
    // Haswell host (a KVM host that hides it) does not.
    let report = check(&passthrough, Some(&sandy), &haswell);
    assert_eq!(detail(&only(&report, "cpu_flags.passthrough-mismatch"), "missing"), "monitor");
    // No pair of those real hosts is a superset; libvirt's cputest hosts are: Penryn with fewer
    // features (host-worse) -> Penryn with more (host).
    let cpu_host = |file: &str| {
        let mut h = virt_migration_check::Host::unknown(&format!("file:///{file}"));
        let cpu = virt_migration_check::xml::cpu::parse_cpus(&read(&format!("cpu/{file}")), file).unwrap().remove(0);
        h.capabilities = Ok(virt_migration_check::facts::Capabilities { host_cpu: Some(cpu), ..Default::default() });
        h
    };
    let def = virt_migration_check::xml::domain::parse_domain(&passthrough, "guest").unwrap();
    let running = virt_migration_check::Guest::from_definition(def);
    let mut options = Options::from_flags(CPU_CHECKS.bits(), virt_migration_check::supported_checks()).unwrap();
    options.cpu_map = Some(common::data("cpu/cpu_map"));
    let report = virt_migration_check::check_facts(
        &running,
        &cpu_host("x86_64-host-worse.xml"),
        &cpu_host("x86_64-host.xml"),
        &options,
    );
    assert_eq!(only(&report, "cpu_flags.passthrough-superset").severity, Severity::Warning, "{report:#?}");
    // Without the source's CPU, passthrough cannot be judged.
    let report = check(&passthrough, None, &haswell);
    assert_eq!(only(&report, "cpu_flags.unavailable").severity, Severity::Skipped);
    // Cache passthrough is its own warning.
    let report = check(&guest("cpu-cache-passthrough.xml"), Some(&haswell), &haswell);
    assert_eq!(only(&report, "cpuid.cache-passthrough").severity, Severity::Warning);
    assert!(report.with_code("cpu_flags.passthrough-mismatch").next().is_none(), "same host CPU");
}

#[test]
fn test_driver_hosts_have_no_cpu_model_so_cpu_checks_are_skipped() {
    // A guest with a named CPU on libvirt's test driver (defined on this connection only).
    let src = virt::connect::Connect::open(Some(&common::host_uri("src"))).unwrap();
    let xml = common::read("hosts/parts/db1.xml").replace("<name>db1</name>", "<name>app1</name>").replace(
        "<uuid>5d2e8a10-2b3c-4d5e-9f60-718293a4b5c6</uuid>",
        "<uuid>6e3f9b21-3c4d-4e5f-8a71-8293a4b5c6d7</uuid><cpu mode='custom' match='exact'><model>Haswell</model></cpu>",
    );
    let dom = src.define_domain_xml(&xml).unwrap();
    let report = virt_migration_check::check(&src, &open("dst-ok"), &dom, CPU_CHECKS.bits()).unwrap();
    let flags = only(&report, "cpu_flags.no-host-cpu");
    assert_eq!(flags.severity, Severity::Skipped);
    assert!(flags.message.contains("no host CPU model"), "{}", flags.message);
    assert_eq!(only(&report, "cpu_vendor.no-host-cpu").severity, Severity::Skipped);
    assert_eq!(only(&report, "msr.no-host-cpu").severity, Severity::Skipped);
    // A guest without <cpu> runs the hypervisor's default CPU: nothing to judge.
    let web1 = src.lookup_domain_by_name("web1").unwrap();
    let report = virt_migration_check::check(&src, &open("dst-ok"), &web1, CPU_CHECKS.bits()).unwrap();
    assert!(report.findings.iter().all(|f| f.severity == Severity::Ok), "{report:#?}");
}
