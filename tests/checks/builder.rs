// SPDX-License-Identifier: LGPL-2.1-or-later
//! Facts for check scenarios: a guest from domain XML (libvirt's own test data, or a small
//! domain written here) and two hosts, each started from `Host::unknown` with the facts a
//! scenario needs set, parsed from libvirt's documents in tests/data where the rule is about a
//! real document. Every scenario runs one check through `run` and asserts through `expect`,
//! which records the code it saw for the coverage test in main.rs.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::PathBuf;

use virt_migration_check::facts::{
    Capabilities, DomainCapabilities, DomainSummary, FreeMemory, Guest, Host, HostInterface, Hypervisor, Network,
    NodeInfo, Pool, Unavailable, Volume,
};
use virt_migration_check::xml;
use virt_migration_check::{Check, Finding, Options, Report, Severity};

pub fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(path)
}

pub fn read(path: &str) -> String {
    std::fs::read_to_string(data(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A domain XML of libvirt's qemuxmlconfdata ("hostdev-vfio.xml").
pub fn fixture(name: &str) -> String {
    read(&format!("fixtures/domains/qemuxmlconfdata/{name}"))
}

/// A guest from domain XML, parsed as the library parses it (running, no live facts).
pub fn guest(xml: &str) -> Guest {
    Guest::from_definition(xml::domain::parse_domain(xml, "scenario domain").unwrap())
}

/// A small KVM x86_64 guest ('web', 1 GiB, 2 vCPUs, machine pc-q35-7.2) with `extra` inside
/// `<domain>` (`<cpu>`, `<numatune>` ...) and `devices` inside `<devices>`.
pub fn domain(extra: &str, devices: &str) -> String {
    format!(
        "<domain type='kvm'><name>web</name><uuid>6f5b6e34-0d1c-4f4e-9a57-3c0b8d0f7a11</uuid>\
         <memory unit='MiB'>1024</memory><vcpu>2</vcpu>\
         <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>{extra}\
         <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>{devices}</devices></domain>"
    )
}

/// `guest(&domain(extra, devices))`.
pub fn small(extra: &str, devices: &str) -> Guest {
    guest(&domain(extra, devices))
}

/// A host of which nothing is known yet (every fact "not gathered"), at `uri`.
pub fn host(uri: &str) -> Host {
    Host::unknown(uri)
}

/// The source and the destination: two hosts known by nothing but their URIs.
pub fn hosts() -> (Host, Host) {
    (host("qemu+ssh://src/system"), host("qemu+ssh://dst/system"))
}

/// A fact the host could not give.
pub fn failed(call: &str) -> Unavailable {
    Unavailable::new(call, "this scenario's host could not give it")
}

pub fn qemu(version: u64) -> Hypervisor {
    Hypervisor { driver: "QEMU".into(), version }
}

/// Host capabilities from libvirt's test data ("capabilityschemadata/caps-qemu-kvm.xml").
pub fn caps(name: &str) -> Capabilities {
    xml::capabilities::parse_capabilities(&read(&format!("fixtures/host-caps/{name}")), name).unwrap()
}

/// A `<cpu>` of libvirt's CPU test data (tests/data/cpu: "x86_64-host.xml"), as written.
pub fn cpu_xml(name: &str) -> String {
    read(&format!("cpu/{name}"))
}

/// Host capabilities whose host CPU is a host `<cpu>` of libvirt's CPU test data.
pub fn cpu_caps(name: &str) -> Capabilities {
    let cpu = xml::cpu::parse_cpus(&cpu_xml(name), name).unwrap().remove(0);
    Capabilities {
        host_arch: cpu.arch.clone().unwrap_or_else(|| "x86_64".into()),
        host_cpu_model: cpu.model.clone(),
        host_cpu_vendor: cpu.vendor.clone(),
        host_cpu: Some(cpu),
        ..Capabilities::default()
    }
}

/// Domain capabilities from libvirt's test data ("qemu_7.2.0-q35.x86_64.xml").
pub fn domcaps(name: &str) -> DomainCapabilities {
    xml::domcaps::parse_domain_capabilities(&read(&format!("fixtures/domcaps/domaincapsdata/{name}")), name).unwrap()
}

/// A network from libvirt's test data ("host-bridge-net.xml"); `active` comes from the API.
pub fn network(name: &str, active: bool) -> Network {
    xml::network::parse_network(&read(&format!("fixtures/networks/networkxml2xmlin/{name}")), active, name).unwrap()
}

/// A network written here: `<network><name>` `name`, forward `mode`, bridge, portgroups.
pub fn net(name: &str, active: bool, forward: Option<&str>, bridge: Option<&str>, portgroups: &[&str]) -> Network {
    Network {
        name: name.into(),
        uuid: format!("00000000-0000-0000-0000-{:012}", name.len()),
        active,
        forward_mode: forward.map(str::to_string),
        bridge: bridge.map(str::to_string),
        portgroups: portgroups.iter().map(|p| p.to_string()).collect(),
        ..Network::default()
    }
}

pub fn iface(name: &str, active: bool) -> HostInterface {
    HostInterface { name: name.into(), active }
}

/// A pool from libvirt's test data ("pool-dir.xml").
pub fn pool(name: &str, active: bool) -> Pool {
    xml::pool::parse_pool(&read(&format!("fixtures/pools/storagepoolxml2xmlin/{name}")), active, name).unwrap()
}

/// A pool written here, of `kind`, over directory `target`.
pub fn pool_at(name: &str, kind: &str, target: &str) -> Pool {
    Pool { name: name.into(), kind: kind.into(), active: true, target_path: Some(target.into()), ..Pool::default() }
}

pub fn volume(name: &str, key: &str, path: &str) -> Volume {
    Volume { name: name.into(), key: key.into(), path: path.into(), ..Volume::default() }
}

/// A node device from libvirt's test data ("css_0_0_fffe_mdev_types.xml").
pub fn node_device(name: &str) -> virt_migration_check::facts::NodeDevice {
    xml::nodedev::parse_node_device(&read(&format!("fixtures/host-caps/nodedevschemadata/{name}")), name).unwrap()
}

pub fn node(cpus: u32, memory_kib: u64) -> NodeInfo {
    NodeInfo { model: "x86_64".into(), memory_kib, cpus, mhz: 2400, nodes: 1, sockets: 1, cores: cpus, threads: 1 }
}

pub fn free(available_kib: u64) -> FreeMemory {
    FreeMemory { available_kib, total_kib: None, source: "virNodeGetFreeMemory".into() }
}

pub fn domain_summary(name: &str, uuid: &str, active: bool, memory_kib: u64) -> DomainSummary {
    DomainSummary { name: name.into(), uuid: uuid.into(), active, memory_kib }
}

pub const GIB: u64 = 1024 * 1024;

/// Runs `check` alone on the facts, judging CPUs with libvirt 11.3's CPU map from tests/data.
pub fn run(check: Check, guest: &Guest, src: &Host, dst: &Host) -> Report {
    run_with(check, guest, src, dst, |_| {})
}

/// `run` with options changed by `set` (offline, non-shared disk, a CPU map ...).
pub fn run_with(check: Check, guest: &Guest, src: &Host, dst: &Host, set: impl FnOnce(&mut Options)) -> Report {
    let mut options = Options::from_flags(check.bit().bits(), virt_migration_check::supported_checks()).unwrap();
    options.cpu_map = Some(data("cpu/cpu_map"));
    set(&mut options);
    virt_migration_check::check_facts(guest, src, dst, &options)
}

thread_local! {
    /// The codes `expect` saw on this thread (the coverage test runs every scenario on its own).
    static SEEN: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
}

/// Forgets the codes seen on this thread.
pub fn reset_seen() {
    SEEN.with(|s| s.borrow_mut().clear());
}

/// The codes seen on this thread since `reset_seen`.
pub fn seen() -> BTreeSet<String> {
    SEEN.with(|s| s.borrow().clone())
}

/// The finding of `code` whose message names every one of `names`, which must have `severity`.
pub fn expect(report: &Report, severity: Severity, code: &str, names: &[&str]) -> Finding {
    let with_code: Vec<&Finding> = report.with_code(code).collect();
    assert!(!with_code.is_empty(), "no {code} in {report:#?}");
    let found = with_code
        .iter()
        .find(|f| names.iter().all(|n| f.message.contains(n)))
        .unwrap_or_else(|| panic!("no {code} naming {names:?} in {with_code:#?}"));
    assert_eq!(found.severity, severity, "{code}: {found:#?}");
    SEEN.with(|s| s.borrow_mut().insert(code.to_string()));
    (*found).clone()
}

/// The report holds nothing but `check`'s OK result.
pub fn expect_ok(report: &Report, check: Check) {
    let code = format!("{}.ok", check.name());
    assert!(
        report.findings.len() == 1 && report.findings[0].code == code && report.findings[0].severity == Severity::Ok,
        "expected {code} alone: {report:#?}"
    );
    SEEN.with(|s| s.borrow_mut().insert(code));
}

/// The report has no finding of `code`.
pub fn expect_none(report: &Report, code: &str) {
    assert!(report.with_code(code).next().is_none(), "unexpected {code} in {report:#?}");
}

/// A detail of a finding, as text.
pub fn detail(f: &Finding, name: &str) -> String {
    match f.detail_value(name) {
        Some(virt_migration_check::Value::Str(s)) => s.clone(),
        Some(virt_migration_check::Value::UInt(n)) => n.to_string(),
        Some(virt_migration_check::Value::Int(n)) => n.to_string(),
        Some(virt_migration_check::Value::Bool(b)) => b.to_string(),
        None => panic!("no detail {name} in {f:#?}"),
    }
}

/// A check's scenarios, by name.
pub type Table = &'static [(&'static str, fn())];

/// Declares a check's scenarios: each is a test of its own, and all are listed in `SCENARIOS`
/// so that the coverage test can run every one of them. (rustfmt leaves macro bodies alone:
/// to format one, rename `scenarios! {` to `mod tmp {`, run rustfmt on the file, rename back.)
macro_rules! scenarios {
    ($($(#[doc = $doc:literal])* fn $name:ident() $body:block)*) => {
        $(
            $(#[doc = $doc])*
            #[test]
            pub fn $name() $body
        )*
        pub const SCENARIOS: $crate::builder::Table = &[$((stringify!($name), $name)),*];
    };
}
pub(crate) use scenarios;
