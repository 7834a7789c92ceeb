// SPDX-License-Identifier: LGPL-2.1-or-later
//! Memory and NUMA placement (proposal items 4 and 5a to 5d, hugepages, pinning) on real NUMA
//! hosts from libvirt's test data (a 2-node Haswell KVM host; a 4-node host with 2 MiB and 1 GiB
//! pages) and real guests (numatune, cpu-numa, hugepages, memory hotplug), through snapshots;
//! and live on libvirt's test driver (test:///default has 2 cells).

mod common;

use common::{open, read};
use virt_migration_check::facts::Snapshot;
use virt_migration_check::xml::snapshot::{SavedDocuments, assemble, write};
use virt_migration_check::{Finding, Flags, Options, Report, Severity, Value};

fn host(caps: &str) -> Snapshot {
    let path = format!("host-caps/{caps}");
    let saved =
        SavedDocuments { capabilities: (path.clone(), read(&format!("fixtures/{path}"))), ..SavedDocuments::default() };
    assemble(&saved, &format!("file:///{caps}"), "2026-11-26T00:00:00Z").unwrap()
}

/// The 2-node Haswell host: node 0 = even CPUs, node 1 = odd CPUs, ~15.4 GiB each, no huge pages.
fn haswell() -> Snapshot {
    host("capabilityschemadata/caps-qemu-kvm.xml")
}

/// The 4-node host: nodes of 1, 2, 3 and 4 GiB, CPUs 4n..4n+3 on node n, 4096 2 MiB pages and
/// 6144 1 GiB pages allocated on each.
fn four_nodes() -> Snapshot {
    host("vircaps2xmldata/vircaps-x86_64-basic.xml")
}

fn guest(name: &str) -> String {
    read(&format!("fixtures/domains/qemuxmlconfdata/{name}"))
}

fn check_with(domain: &str, src: Option<&Snapshot>, dst: &Snapshot, flags: Flags, headroom: Option<u64>) -> Report {
    let mut options = Options::from_flags(flags.bits(), virt_migration_check::supported_checks()).unwrap();
    options.memory_headroom_kib = headroom;
    let src = src.map(write);
    virt_migration_check::check_xml_with_options(domain, src.as_deref(), &write(dst), &options).unwrap()
}

fn check(domain: &str, dst: &Snapshot, flags: Flags) -> Report {
    check_with(domain, None, dst, flags, None)
}

fn only(report: &Report, code: &str) -> Finding {
    let found: Vec<_> = report.with_code(code).collect();
    assert_eq!(found.len(), 1, "{code} in {report:#?}");
    found[0].clone()
}

fn uint(f: &Finding, name: &str) -> u64 {
    match f.detail_value(name) {
        Some(Value::UInt(n)) => *n,
        other => panic!("{name}: {other:?}"),
    }
}

fn web1() -> String {
    read("hosts/parts/web1.xml")
}

#[test]
fn a_non_numa_guest_that_no_longer_fits_one_node_is_a_warning() {
    // 5b: web1 grown to 5 GiB; the largest node has 4 GiB.
    let big = web1().replace("<memory unit='GiB'>2</memory>", "<memory unit='GiB'>5</memory>");
    let report = check(&big, &four_nodes(), Flags::NUMA);
    let f = only(&report, "numa.no-single-node-fit");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!((uint(&f, "node"), uint(&f, "node_kib")), (3, 4 * 1024 * 1024));
    assert!(f.message.contains("node 3") && f.message.contains("1.0 GiB short"), "{}", f.message);
    // web1's own 2 GiB fit node 3; 5 GiB fit the Haswell host's 15 GiB nodes.
    assert!(check(&web1(), &four_nodes(), Flags::NUMA).with_code("numa.no-single-node-fit").next().is_none());
    assert_eq!(check(&big, &haswell(), Flags::NUMA).verdict(), virt_migration_check::Verdict::Ok);
}

#[test]
fn a_numa_guest_on_a_host_without_numa_is_emulated() {
    // 5c: two guest cells, a host whose capabilities show no NUMA topology.
    let report = check(&guest("cpu-numa1.xml"), &host("qemucaps2xmloutdata/caps.x86_64.xml"), Flags::NUMA);
    assert_eq!(only(&report, "numa.emulated").severity, Severity::Info);
    // On a 2-node host its cells map onto real nodes.
    assert!(check(&guest("cpu-numa1.xml"), &haswell(), Flags::NUMA).with_code("numa.emulated").next().is_none());
}

#[test]
fn nodesets_naming_missing_or_small_nodes() {
    // 5d: numatune strict 0-3 with memnodes (cell 0 preferred on node 3, cell 2 strict on 0,2).
    let memnode = guest("numatune-memnode.xml");
    // The 2-node host lacks nodes 2 and 3: the nodeset and both memnodes name missing nodes.
    let report = check(&memnode, &haswell(), Flags::NUMA);
    let missing: Vec<_> = report.with_code("numa.node-missing").collect();
    assert_eq!(missing.len(), 3, "{report:#?}");
    assert!(missing.iter().all(|f| f.severity == Severity::Error));
    assert!(missing[0].message.contains("node(s) 2-3"), "{}", missing[0].message);
    // The 4-node host has the nodes, but 10 GiB in all: the 23.5 GiB strict placement and cell
    // 2's strict memnode (22.9 GiB on nodes 0 and 2, 4 GiB) do not fit; cell 0's 19.5 MiB on
    // node 3 does.
    let report = check(&memnode, &four_nodes(), Flags::NUMA);
    let small: Vec<_> = report.with_code("numa.nodes-too-small").collect();
    assert_eq!(small.len(), 2, "{report:#?}");
    assert!(small.iter().all(|f| f.severity == Severity::Error));
    assert_eq!(uint(small[0], "available_kib"), 10 * 1024 * 1024);
    assert_eq!(uint(small[1], "available_kib"), 4 * 1024 * 1024);
    // Preferred placement into nodes too small is a warning, not an error.
    let preferred = memnode.replace("<memory mode='strict' nodeset='0-3'/>", "<memory mode='preferred' nodeset='1'/>");
    let report = check(&preferred, &four_nodes(), Flags::NUMA);
    let f = report
        .with_code("numa.nodes-too-small")
        .find(|f| f.detail_value("mode") == Some(&Value::Str("preferred".into())))
        .unwrap();
    assert_eq!(f.severity, Severity::Warning);
}

#[test]
fn pins_naming_missing_cpus_or_crossing_nodes() {
    // vCPU pins on CPUs 16383, 2048, 4096: the 16-CPU host lacks them.
    let report = check(&guest("cputune-cpuset-big-id.xml"), &four_nodes(), Flags::NUMA);
    let missing: Vec<_> = report.with_code("numa.cpu-missing").collect();
    assert_eq!(missing.len(), 2, "{report:#?}");
    assert!(missing[0].message.contains("16383") && missing[1].message.contains("2048,4096"), "{report:#?}");
    // <vcpu cpuset='0-1'>: one node on the 4-node host, two on the Haswell host (even/odd).
    let dimm = guest("memory-hotplug-dimm.xml");
    let report = check_with(&dimm, Some(&four_nodes()), &haswell(), Flags::NUMA, None);
    assert_eq!(only(&report, "numa.pin-crosses-nodes").severity, Severity::Warning);
    let report = check_with(&dimm, Some(&haswell()), &four_nodes(), Flags::NUMA, None);
    assert!(report.with_code("numa.pin-crosses-nodes").next().is_none());
}

#[test]
fn vcpus_against_the_cpus_of_the_pinned_nodes() {
    // 8 vCPUs confined by a strict nodeset to node 1 (4 CPUs) of the 4-node host.
    let confined = guest("numatune-memnode.xml")
        .replace("<vcpu placement='static'>32</vcpu>", "<vcpu placement='static'>8</vcpu>")
        .replace("<memory mode='strict' nodeset='0-3'/>", "<memory mode='strict' nodeset='1'/>");
    let report = check(&confined, &four_nodes(), Flags::CPU_COUNT);
    let f = only(&report, "cpu_count.vcpus-exceed-pinned-cpus");
    assert_eq!((f.severity, uint(&f, "available_cpus")), (Severity::Warning, 4));
    let wide = confined.replace("nodeset='1'/>", "nodeset='1-2'/>");
    assert!(check(&wide, &four_nodes(), Flags::CPU_COUNT).errors().next().is_none());
    assert!(
        check(&wide, &four_nodes(), Flags::CPU_COUNT).with_code("cpu_count.vcpus-exceed-pinned-cpus").next().is_none()
    );
}

#[test]
fn hugepages_need_pages_of_the_right_size() {
    // 1 GiB pages for guest cells 0, 2, 3 and 2 MiB pages for cell 1 (1 GiB each).
    let nodeset = guest("hugepages-numa-nodeset.xml");
    let needs = virt_migration_check::checks::hugepage_needs(
        &virt_migration_check::xml::domain::parse_domain(&nodeset, "g").unwrap(),
    );
    assert_eq!(needs, [(2048, 1024 * 1024), (1024 * 1024, 3 * 1024 * 1024)]);
    // The Haswell host allocated no huge pages at all.
    let report = check(&nodeset, &haswell(), Flags::MEMORY);
    let short: Vec<_> = report.with_code("memory.hugepages-insufficient").collect();
    assert_eq!(short.len(), 2, "{report:#?}");
    assert_eq!(
        (uint(short[0], "page_size_kib"), uint(short[0], "pages_needed"), uint(short[0], "pages_available")),
        (2048, 512, 0)
    );
    // The 4-node host has them allocated; how many are free is unknown in a saved-XML snapshot.
    let report = check(&nodeset, &four_nodes(), Flags::MEMORY);
    assert_eq!(report.with_code("memory.hugepages-free-unknown").count(), 2, "{report:#?}");
    // A snapshot of the live host says how many are free: 100 2 MiB pages per node are too few.
    let mut live = four_nodes();
    live.cells = Ok((0..4)
        .map(|id| virt_migration_check::facts::CellMemory {
            id,
            free_kib: 512 * 1024,
            free_pages: vec![(4, 1000), (2048, 100), (1048576, 6144)],
        })
        .collect());
    let report = check(&nodeset, &live, Flags::MEMORY);
    let f = only(&report, "memory.hugepages-insufficient");
    assert_eq!((uint(&f, "page_size_kib"), uint(&f, "pages_needed"), uint(&f, "pages_available")), (2048, 512, 400));
    assert!(f.message.contains("512 huge pages of 2.0 MiB") && f.message.contains("400 are free"), "{}", f.message);
    // A cold migration is judged on the pages allocated.
    assert!(
        check(&nodeset, &live, Flags::MEMORY | Flags::OFFLINE)
            .with_code("memory.hugepages-insufficient")
            .next()
            .is_none()
    );
    // A page size the host does not offer.
    let five_mb = nodeset.replace("size='2048' unit='KiB'", "size='5120' unit='KiB'");
    assert_eq!(
        only(&check(&five_mb, &four_nodes(), Flags::MEMORY), "memory.hugepages-size-unsupported").severity,
        Severity::Error
    );
}

#[test]
fn hostile_figures_neither_panic_nor_wrap() {
    // A page size of 0 KiB (size='0', or 512 bytes rounded down) once divided by zero.
    let nodeset = guest("hugepages-numa-nodeset.xml");
    for zero in ["size='0' unit='KiB'", "size='512' unit='b'"] {
        let xml = nodeset.replace("size='2048' unit='KiB'", zero);
        assert!(xml.contains(zero));
        // Returning at all is the point; the 1 GiB pages of the other cells are still judged.
        let report = check(&xml, &four_nodes(), Flags::MEMORY);
        assert!(
            report.findings.iter().any(|f| f.detail_value("page_size_kib") == Some(&Value::UInt(1024 * 1024))),
            "{report:#?}"
        );
    }
    // Free-page counts near u64::MAX on every node: the sum saturates instead of wrapping to
    // a small number that would report too few pages.
    let mut live = four_nodes();
    live.cells = Ok((0..4)
        .map(|id| virt_migration_check::facts::CellMemory {
            id,
            free_kib: u64::MAX / 2,
            free_pages: vec![(2048, u64::MAX / 2), (1048576, u64::MAX / 2)],
        })
        .collect());
    let report = check(&nodeset, &live, Flags::MEMORY | Flags::NUMA);
    assert_eq!(report.with_code("memory.hugepages-insufficient").count(), 0, "{report:#?}");
    assert_eq!(report.with_code("numa.nodes-too-small").count(), 0, "{report:#?}");
}

#[test]
fn hugepages_on_the_test_driver_live() {
    // test:///default reports 0 free huge pages in its 2 cells: a hugepage-backed guest cannot go.
    virt::error::clear_error_callback();
    let src = virt::connect::Connect::open(Some(&common::host_uri("src"))).unwrap();
    let xml = web1()
        .replace("<name>web1</name>", "<name>huge1</name>")
        .replace("3b1c6f2a-9a5e-4f0e-8d1e-1d2c3b4a5f60", "7a1b2c3d-4e5f-4a6b-9c8d-0e1f2a3b4c5d")
        .replace("<vcpu current='2'>4</vcpu>", "<vcpu current='2'>4</vcpu><memoryBacking><hugepages/></memoryBacking>");
    let dom = src.define_domain_xml(&xml).unwrap();
    let dst = virt::connect::Connect::open_read_only(Some("test:///default")).unwrap();
    let report = virt_migration_check::check(&src, &dst, &dom, Flags::MEMORY.bits()).unwrap();
    let f = only(&report, "memory.hugepages-insufficient");
    assert_eq!((uint(&f, "pages_needed"), uint(&f, "pages_available")), (1024, 0));
    assert_eq!(f.detail_value("counted"), Some(&Value::Str("free".into())));
}

#[test]
fn the_headroom_margin_is_settable() {
    // web1 (2 GiB) on dst-ok (16 GiB, db1 holds 4): 10 GiB left, fine by default, not with 12 GiB.
    let src = open("src");
    let dom = src.lookup_domain_by_name("web1").unwrap();
    let mut options = Options::from_flags(Flags::MEMORY.bits(), virt_migration_check::supported_checks()).unwrap();
    assert!(
        virt_migration_check::check_with_options(&src, &open("dst-ok"), &dom, &options).unwrap().findings[0].code
            == "memory.ok"
    );
    options.memory_headroom_kib = Some(12 * 1024 * 1024);
    let report = virt_migration_check::check_with_options(&src, &open("dst-ok"), &dom, &options).unwrap();
    let f = only(&report, "memory.low-headroom");
    assert_eq!((uint(&f, "margin_kib"), uint(&f, "headroom_kib")), (12 * 1024 * 1024, 10 * 1024 * 1024));
}
