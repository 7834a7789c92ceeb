// SPDX-License-Identifier: LGPL-2.1-or-later
//! Host snapshots and offline checks: live -> snapshot -> offline gives the live answer,
//! snapshots round-trip unchanged and validate against the schema, snapshots assembled from
//! real hosts' saved XML (libvirt's test data) drive the checks, and bad snapshots are clear
//! errors.

mod common;

use common::{open, problems, read};
use virt_migration_check::xml::snapshot::{self, SavedDocuments};
use virt_migration_check::{Error, Flags, Severity};

const DESTINATIONS: [&str; 12] = [
    "dst-ok",
    "dst-no-network",
    "dst-no-bridge",
    "dst-no-network-bridge",
    "dst-few-cpus",
    "dst-low-memory",
    "dst-tight-memory",
    "dst-other-key",
    "dst-missing-volume",
    "dst-clash",
    "dst-local-dir",
    "dst-all-wrong",
];

fn web1_xml() -> String {
    let src = open("src");
    src.lookup_domain_by_name("web1").unwrap().xml_desc(0).unwrap()
}

#[test]
fn offline_answers_equal_live_answers() {
    let src = open("src");
    let dom = src.lookup_domain_by_name("web1").unwrap();
    let src_snapshot = virt_migration_check::snapshot_xml(&src).unwrap();
    let domain_xml = web1_xml();
    for host in DESTINATIONS {
        let dst = open(host);
        let dst_snapshot = virt_migration_check::snapshot_xml(&dst).unwrap();
        for flags in
            [Flags::empty(), Flags::NON_SHARED_DISK, Flags::OFFLINE, Flags::STRICT, Flags::NETWORK | Flags::DISK]
        {
            let live = virt_migration_check::check(&src, &dst, &dom, flags.bits()).unwrap();
            let offline =
                virt_migration_check::check_xml(&domain_xml, Some(&src_snapshot), &dst_snapshot, flags.bits()).unwrap();
            assert_eq!(live, offline, "{host} {flags:?}");
        }
    }
}

#[test]
fn snapshots_round_trip_unchanged() {
    for host in ["src", "dst-all-wrong", "dst-local-dir"] {
        let text = virt_migration_check::snapshot_xml(&open(host)).unwrap();
        let parsed = snapshot::read(&text, host).unwrap();
        assert_eq!(snapshot::write(&parsed), text, "{host}: read then write changes the text");
        assert_eq!(snapshot::read(&snapshot::write(&parsed), host).unwrap(), parsed);
    }
    let default =
        virt_migration_check::snapshot(&virt::connect::Connect::open_read_only(Some("test:///default")).unwrap())
            .unwrap();
    assert_eq!(default.cells.as_ref().unwrap().len(), 2, "test:///default has 2 NUMA cells");
    assert_eq!(snapshot::read(&snapshot::write(&default), "default").unwrap(), default);
}

#[test]
fn a_snapshot_records_what_the_host_could_not_give() {
    let snap = virt_migration_check::snapshot(&open("dst-ok")).unwrap();
    let why = snap.domain_capabilities.as_ref().unwrap_err();
    assert!(why.reason.contains("read only"), "{why}");
    assert!(snap.free_memory.is_err());
    let text = snapshot::write(&snap);
    assert!(text.contains("<unavailable fact='domainCapabilities' call='virConnectGetDomainCapabilities'>"), "{text}");
    // libvirt's documents are embedded as libvirt printed them.
    let caps = open("dst-ok").capabilities().unwrap();
    assert!(text.contains(caps.trim_end()), "capabilities not verbatim");
    let pools = snap.pools.unwrap();
    assert_eq!(pools[0].volumes.len(), 2);
}

#[test]
fn snapshots_validate_against_the_schema() {
    let dir = std::env::temp_dir().join(format!("vmc-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for host in ["src", "dst-all-wrong"] {
        let path = dir.join(format!("{host}.xml"));
        std::fs::write(&path, virt_migration_check::snapshot_xml(&open(host)).unwrap()).unwrap();
        files.push(path);
    }
    let path = dir.join("assembled.xml");
    std::fs::write(&path, snapshot::write(&assembled_kvm_host())).unwrap();
    files.push(path);
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--relaxng"])
        .arg(common::data("../../docs/schemas/hostsnapshot.rng"))
        .args(&files)
        .output()
        .expect("xmllint (libxml2-utils) must be installed: make deps");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A real 2-node Haswell KVM host (libvirt's caps-qemu-kvm.xml) with QEMU 7.2 and 9.2 q35 domain
/// capabilities, two networks, a dir pool with one volume, a bridge interface.
fn assembled_kvm_host() -> virt_migration_check::facts::Snapshot {
    let doc = |p: &str| (p.to_string(), read(&format!("fixtures/{p}")));
    let saved = SavedDocuments {
        capabilities: doc("host-caps/capabilityschemadata/caps-qemu-kvm.xml"),
        domain_capabilities: vec![
            doc("domcaps/domaincapsdata/qemu_7.2.0-q35.x86_64.xml"),
            doc("domcaps/domaincapsdata/qemu_9.2.0-q35.x86_64.xml"),
        ],
        networks: vec![
            doc("networks/networkxml2xmlin/nat-network.xml"),
            doc("networks/networkxml2xmlin/host-bridge-net.xml"),
        ],
        pools: vec![doc("pools/storagepoolxml2xmlin/pool-dir.xml"), doc("pools/storagepoolxml2xmlin/pool-netfs.xml")],
        volumes: vec![doc("pools/storagevolxml2xmlin/vol-file.xml")],
        interfaces: vec![doc("networks/interfaceschemadata/bridge.xml")],
        node_devices: vec![],
    };
    snapshot::assemble(&saved, "file:///saved/kvm-host", "2026-11-26T12:00:00Z").unwrap()
}

#[test]
fn assembled_real_host_drives_the_checks() {
    let host = assembled_kvm_host();
    let node = host.node.as_ref().unwrap();
    assert_eq!((node.nodes, node.model.as_str()), (2, "x86_64"));
    assert!(node.cpus > 0 && node.memory_kib > 0);
    assert_eq!(host.pools.as_ref().unwrap()[0].volumes.len(), 1, "vol-file.xml lies in pool-dir's directory");
    let dst = snapshot::write(&host);

    // A real guest with a disk in pool 'pool-disk' and disks at /dev paths, to this host.
    let guest = read("fixtures/domains/qemuxmlconfdata/disk-source-pool.xml");
    let report = virt_migration_check::check_xml(&guest, None, &dst, 0).unwrap();
    assert!(report.with_code("disk.pool-missing").count() >= 1, "{report:#?}");
    assert_eq!(report.with_code("arch.ok").count(), 1, "x86_64 qemu guests run there");
    // No source snapshot: the checks that need the source say so.
    assert_eq!(report.with_code("hypervisor.unavailable").next().unwrap().severity, Severity::Skipped);
    // Saved XML does not tell free memory or the domains: memory is SKIPPED, not guessed.
    assert_eq!(report.with_code("memory.unavailable").next().unwrap().severity, Severity::Skipped);
    assert_eq!(report.with_code("cpu_count.ok").count(), 1);

    // A guest on network 'vepa-net;plug-bridge-basic' (missing here) with portgroups.
    let guest = read("fixtures/domains/qemuxmlconfdata/net-virtio-network-portgroup.xml");
    let report = virt_migration_check::check_xml(&guest, None, &dst, Flags::NETWORK.bits()).unwrap();
    assert!(report.with_code("network.missing").count() >= 2, "{report:#?}");

    // The domain capabilities matching the guest's machine are found (and absent ones say so).
    let def = virt_migration_check::xml::domain::parse_domain(&guest, "guest").unwrap();
    let mut q35 = def.clone();
    q35.virt_type = "kvm".into();
    q35.machine = Some("pc-q35-9.2".into());
    let facts = virt_migration_check::xml::snapshot::host(&host);
    assert_eq!(facts.domain_capabilities_for(&q35).unwrap().machine, "pc-q35-9.2");
    // A machine no domain capabilities name exactly (the alias 'pc'): the emulator's others
    // still describe its CPU and devices.
    let mut alias = def.clone();
    alias.virt_type = "kvm".into();
    alias.machine = Some("pc".into());
    assert_eq!(facts.domain_capabilities_for(&alias).unwrap().domain, "kvm");
    let mut tcg = def.clone();
    tcg.virt_type = "qemu".into();
    assert!(facts.domain_capabilities_for(&tcg).unwrap_err().reason.contains("virt type 'qemu'"));
}

/// The measured case: a 40 GiB guest checked against the real 2-node Haswell host (31.2 GiB in
/// two cells), assembled from its saved capabilities as `virt-migration-check snapshot
/// --capabilities FILE` assembles it. Free memory is unknown there, the total is not: ERROR.
#[test]
fn an_assembled_host_bounds_memory_by_its_total() {
    let dst = snapshot::write(&assembled_kvm_host());
    let guest = |mib: u64| {
        format!(
            "<domain type='kvm'><name>big</name><memory unit='MiB'>{mib}</memory><vcpu>2</vcpu>\
             <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>\
             <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>"
        )
    };
    let report = virt_migration_check::check_xml(&guest(40 * 1024), None, &dst, Flags::MEMORY.bits()).unwrap();
    let f = report.with_code("memory.exceeds-total").next().unwrap_or_else(|| panic!("{report:#?}"));
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("40.0 GiB") && f.message.contains("31.2 GiB"), "{}", f.message);
    assert_eq!(report.with_code("memory.unavailable").count(), 0, "{report:#?}");
    // Within the total, free memory is still unknown: SKIPPED, not guessed.
    let report = virt_migration_check::check_xml(&guest(2 * 1024), None, &dst, Flags::MEMORY.bits()).unwrap();
    assert_eq!(report.with_code("memory.unavailable").next().unwrap().severity, Severity::Skipped);
    assert_eq!(report.with_code("memory.exceeds-total").count(), 0, "{report:#?}");
}

/// The vCPU case, every check at once: a 300-vCPU guest on pc-q35-7.2 to the bed's QEMU
/// 7.2 host, assembled from what it printed (tests/data/bed). CPU_COUNT warns of the overcommit;
/// MACHINE says the guest cannot run there at all.
#[test]
fn an_assembled_bed_host_bounds_vcpus_by_its_machine() {
    let doc = |p: &str| (p.to_string(), read(&format!("bed/{p}")));
    let saved = SavedDocuments {
        capabilities: doc("caps-libvirt-9.0.0-qemu-7.2.xml"),
        domain_capabilities: vec![doc("domcaps-libvirt-9.0.0-qemu-7.2-kvm-pc-q35-7.2.xml")],
        ..SavedDocuments::default()
    };
    let dst = snapshot::write(&snapshot::assemble(&saved, "file:///saved/bed-a", "2026-12-02T01:35:00Z").unwrap());
    let guest = "<domain type='kvm'><name>wide</name><memory unit='MiB'>1024</memory>\
        <vcpu current='2'>300</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>\
        <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>";
    let report = virt_migration_check::check_xml(guest, None, &dst, 0).unwrap();
    let f = report.with_code("machine.vcpus-exceed-machine-limit").next().unwrap_or_else(|| panic!("{report:#?}"));
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("'pc-q35-7.2'") && f.message.contains("288"), "{}", f.message);
    assert_eq!(report.with_code("cpu_count.max-vcpus-exceed-pcpus").next().unwrap().severity, Severity::Warning);
}

#[test]
fn same_host_and_clashes_work_offline() {
    let src = virt_migration_check::snapshot_xml(&open("src")).unwrap();
    let report = virt_migration_check::check_xml(&web1_xml(), Some(&src), &src, Flags::HOST.bits()).unwrap();
    assert_eq!(problems(&report), ["host.same-host"]);
    let clash = virt_migration_check::snapshot_xml(&open("dst-clash")).unwrap();
    let report = virt_migration_check::check_xml(&web1_xml(), None, &clash, Flags::HOST.bits()).unwrap();
    assert_eq!(problems(&report), ["host.name-clash"]);
}

fn read_error(text: &str) -> String {
    match snapshot::read(text, "destination snapshot") {
        Err(e @ Error::Xml { .. }) => e.to_string(),
        other => panic!("expected an XML error, got {other:?}"),
    }
}

#[test]
fn bad_snapshots_are_clear_errors() {
    let good = virt_migration_check::snapshot_xml(&open("dst-ok")).unwrap();
    // Truncated anywhere: an error naming the document, never a panic.
    for cut in (0..good.len()).step_by(97) {
        if let Err(e) = snapshot::read(&good[..cut], "destination snapshot") {
            assert!(e.to_string().contains("destination snapshot"), "{e}");
        } else {
            panic!("a snapshot cut at byte {cut} was accepted");
        }
    }
    assert!(read_error(&good.replacen("version='1'", "version='2'", 1)).contains("version '2' is not supported"));
    assert!(read_error(&good.replacen(" version='1'", "", 1)).contains("no version"));
    assert!(read_error("<capabilities/>").contains("expected <hostSnapshot>"));
    assert!(read_error(&good.replacen("active='yes'", "active='maybe'", 1)).contains("maybe"));
    assert!(read_error(&good.replacen("<taken>", "<surprise/><taken>", 1)).contains("<surprise>"));
    assert!(read_error(&good.replacen("fact='domainCapabilities'", "fact='weather'", 1)).contains("weather"));
    assert!(read_error(&good.replacen("memoryKiB='16777216'", "memoryKiB='-5'", 1)).contains("-5"));
    // An embedded document of the wrong kind.
    let wrong = good.replacen("<entry active='yes'>\n<network>", "<entry active='yes'>\n<pool>", 1).replacen(
        "</network>\n    </entry>",
        "</pool>\n    </entry>",
        1,
    );
    assert!(read_error(&wrong).contains("<pool> found where <network> was expected"));
    // Hostile: nested beyond the limit, larger than the limit.
    let deep = good.replacen("<taken>", &("<x>".repeat(300) + &"</x>".repeat(300) + "<taken>"), 1);
    assert!(read_error(&deep).contains("deeper"));
    let huge = format!(
        "<hostSnapshot version='1'><uri>{}</uri></hostSnapshot>",
        "a".repeat(virt_migration_check::xml::dom::MAX_DOCUMENT_BYTES)
    );
    assert!(read_error(&huge).contains("limit"));
    // Through the checking API: the error names the document.
    let err = virt_migration_check::check_xml(&web1_xml(), Some("<hostSnapshot"), &good, 0).unwrap_err();
    assert!(err.to_string().contains("source snapshot"), "{err}");
    let err = virt_migration_check::check_xml("<domain>", None, &good, 0).unwrap_err();
    assert!(err.to_string().contains("domain XML"), "{err}");
    // A malformed document embedded in a well-formed snapshot is found when it is used.
    let broken = good.replacen("<forward mode='bridge'/>", "<forward mode='bridge'/><name>second</name><name>x", 1);
    assert!(snapshot::read(&broken, "d").is_err());
}

#[test]
fn snapshots_of_one_capabilities_file_are_one_host_only_with_one_hostname() {
    // libvirt's caps-test.xml reports no host UUID. Two snapshots assembled from it by the CLI
    // share a URI (the file's): without hostnames that is no evidence of one host; with the
    // same --hostname it is; with different ones it is not.
    let dir = std::env::temp_dir().join(format!("vmc-same-host-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let caps = common::data("fixtures/host-caps/capabilityschemadata/caps-test.xml");
    let snapshot = |name: &str, hostname: Option<&str>| {
        let out = dir.join(name);
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_virt-migration-check"));
        cmd.args(["snapshot", "--capabilities"]).arg(&caps).arg("-o").arg(&out);
        if let Some(h) = hostname {
            cmd.args(["--hostname", h]);
        }
        let run = cmd.output().unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        std::fs::read_to_string(out).unwrap()
    };
    let host_problems = |a: &str, b: &str| {
        let report = virt_migration_check::check_xml(&web1_xml(), Some(a), b, Flags::HOST.bits()).unwrap();
        problems(&report)
    };
    let (a, b) = (snapshot("a.snap", None), snapshot("b.snap", None));
    assert!(!host_problems(&a, &b).contains(&"host.same-host".to_string()));
    let (a, b) = (snapshot("a.snap", Some("node1")), snapshot("b.snap", Some("node1")));
    assert_eq!(host_problems(&a, &b), ["host.same-host"]);
    let b = snapshot("b.snap", Some("node2"));
    assert!(!host_problems(&a, &b).contains(&"host.same-host".to_string()));
    std::fs::remove_dir_all(&dir).unwrap();
}
