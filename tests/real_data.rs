// SPDX-License-Identifier: LGPL-2.1-or-later
//! Parsers and checks on real data from libvirt's own test suite (tests/data/fixtures, origins
//! in its MANIFEST.txt): capabilities of real hosts, domain, network, pool, volume and interface
//! XML as libvirt writes them.

mod common;

use common::read;
use virt_migration_check::facts::{DiskSource, Guest, Host};
use virt_migration_check::xml::{capabilities, domain, interface, network, pool};
use virt_migration_check::{Check, Flags, Options, Severity};

fn caps(path: &str) -> virt_migration_check::facts::Capabilities {
    capabilities::parse_capabilities(&read(&format!("fixtures/host-caps/{path}")), path).unwrap()
}

fn guest(path: &str) -> Guest {
    let def = domain::parse_domain(&read(&format!("fixtures/domains/qemuxmlconfdata/{path}")), path).unwrap();
    virt_migration_check::Guest::from_definition(def)
}

fn host_with_caps(uri: &str, path: &str) -> Host {
    let mut host = Host::unknown(uri);
    host.capabilities = Ok(caps(path));
    host
}

fn options(checks: Flags) -> Options {
    Options::from_flags(checks.bits(), virt_migration_check::supported_checks()).unwrap()
}

#[test]
fn real_capabilities_parse() {
    let kvm = caps("capabilityschemadata/caps-qemu-kvm.xml");
    assert_eq!(kvm.host_arch, "x86_64");
    assert_eq!(kvm.host_uuid.as_deref(), Some("a25c794c-34ad-11b2-a85c-b030533115b8"));
    assert_eq!(kvm.numa_cells, 2);
    let x86 = kvm.guests.iter().find(|g| g.arch == "x86_64").unwrap();
    assert_eq!(x86.os_type, "hvm");
    assert!(x86.domain_types.contains(&"kvm".to_string()) && x86.domain_types.contains(&"qemu".to_string()));
    assert!(!x86.machines.is_empty());
    let test = caps("capabilityschemadata/caps-test.xml");
    assert_eq!(test.host_arch, "i686");
    assert_eq!(test.host_uuid, None);
}

#[test]
fn real_domains_parse() {
    let pooled = guest("disk-source-pool.xml").def;
    assert_eq!(pooled.virt_type, "qemu");
    assert_eq!(pooled.arch.as_deref(), Some("x86_64"));
    assert!(
        pooled
            .disks
            .iter()
            .any(|d| d.source == DiskSource::Volume { pool: "pool-disk".into(), volume: "dir+vol1".into() }
                && d.readonly)
    );
    let rbd = guest("disk-network-rbd.xml").def;
    assert!(rbd.disks.iter().any(|d| matches!(&d.source, DiskSource::Network { protocol, .. } if protocol == "rbd")));
    let shared = guest("disk-shared.xml").def;
    assert!(shared.disks.iter().any(|d| d.shareable));
    let portgroup = guest("net-virtio-network-portgroup.xml").def;
    assert!(portgroup.interfaces.iter().any(|i| i.kind == "network" && i.portgroup.as_deref() == Some("bob")));
    let models = guest("net-many-models.xml").def;
    assert!(models.interfaces.iter().filter_map(|i| i.model.as_deref()).count() >= 3);
    let hostdev = guest("net-hostdev.xml").def;
    assert!(hostdev.interfaces.iter().any(|i| i.kind == "hostdev"));
}

#[test]
fn a_live_network_interface_is_judged_by_its_network() {
    // Live XML as libvirt 9.0 printed it for a running guest on a network with forward
    // mode='bridge' (seen on the end-to-end test bed): the actual type, the network kept.
    let live = "<domain type='qemu'><name>g</name><devices><interface type='bridge'><mac address='52:54:00:29:c0:ef'/>\
                <source network='e2e-prod' portid='0a164790-7831-41cd-a013-b5a64c0e21ad' bridge='vmc-e2e-br'/>\
                <target dev='vnet0'/><model type='virtio'/></interface></devices></domain>";
    let def = domain::parse_domain(live, "live").unwrap();
    assert_eq!((def.interfaces[0].kind.as_str(), def.interfaces[0].source.as_deref()), ("network", Some("e2e-prod")));
}

#[test]
fn real_networks_pools_volumes_and_interfaces_parse() {
    let bridge =
        network::parse_network(&read("fixtures/networks/networkxml2xmlin/host-bridge-net.xml"), true, "n").unwrap();
    assert_eq!(bridge.forward_mode.as_deref(), Some("bridge"));
    assert_eq!(bridge.bridge.as_deref(), Some("br0"));
    let isolated =
        network::parse_network(&read("fixtures/networks/networkxml2xmlin/isolated-network.xml"), false, "n").unwrap();
    assert_eq!(isolated.forward_mode, None);
    assert!(!isolated.active);
    let netfs = pool::parse_pool(&read("fixtures/pools/storagepoolxml2xmlin/pool-netfs.xml"), true, "p").unwrap();
    assert_eq!(netfs.kind, "netfs");
    assert!(!netfs.is_host_local());
    assert!(netfs.source_host.is_some() && netfs.source_dir.is_some());
    let dir = pool::parse_pool(&read("fixtures/pools/storagepoolxml2xmlin/pool-dir.xml"), true, "p").unwrap();
    assert!(dir.is_host_local());
    let target = dir.target_path.clone().unwrap();
    assert!(dir.covers(&format!("{target}/disk.img")));
    assert!(!dir.covers(&format!("{target}/sub/disk.img")));
    let logical = pool::parse_pool(&read("fixtures/pools/storagepoolxml2xmlin/pool-logical.xml"), true, "p").unwrap();
    assert_eq!(logical.kind, "logical");
    let vol = pool::parse_volume(&read("fixtures/pools/storagevolxml2xmlin/vol-file.xml"), "v").unwrap();
    assert!(!vol.name.is_empty() && !vol.path.is_empty());
    let iface = interface::parse_interface(&read("fixtures/networks/interfaceschemadata/bridge.xml"), "i").unwrap();
    assert_eq!(iface.kind, "bridge");
    assert!(!iface.bridge_ports.is_empty());
}

#[test]
fn wrong_documents_are_clear_errors() {
    let caps_xml = read("fixtures/host-caps/capabilityschemadata/caps-test.xml");
    let err = domain::parse_domain(&caps_xml, "domain XML").unwrap_err();
    assert!(err.to_string().contains("domain XML") && err.to_string().contains("<capabilities>"), "{err}");
    let truncated = &caps_xml[..caps_xml.len() / 2];
    let err = capabilities::parse_capabilities(truncated, "destination capabilities").unwrap_err();
    assert!(err.to_string().contains("destination capabilities"), "{err}");
    let err = domain::parse_domain("<domain><name>x</name><memory>lots</memory></domain>", "domain XML").unwrap_err();
    assert!(err.to_string().contains("lots"), "{err}");
}

#[test]
fn arch_on_real_hosts() {
    let options = options(Flags::ARCH);
    let x86_guest = guest("disk-shared.xml");
    let kvm = host_with_caps("qemu+ssh://a/system", "capabilityschemadata/caps-qemu-kvm.xml");
    let aarch64 = host_with_caps("qemu+ssh://b/system", "qemucaps2xmloutdata/caps.aarch64.xml");
    let report = virt_migration_check::check_facts(&x86_guest, &kvm, &aarch64, &options);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].code, "arch.unsupported");
    assert_eq!(report.findings[0].severity, Severity::Error);
    assert!(report.findings[0].message.contains("'x86_64'"));
    let same = virt_migration_check::check_facts(&x86_guest, &kvm, &kvm, &options);
    assert_eq!(same.findings[0].code, "arch.ok");

    // An i686 guest from an i686 host to an x86_64 host that runs i686 guests: INFO.
    let mut i686_guest = x86_guest.clone();
    i686_guest.def.arch = Some("i686".into());
    let i686_host = host_with_caps("qemu+ssh://c/system", "capabilityschemadata/caps-test.xml");
    let report = virt_migration_check::check_facts(&i686_guest, &i686_host, &kvm, &options);
    assert_eq!(report.findings[0].code, "arch.host-arch-differs");
    assert_eq!(report.findings[0].severity, Severity::Info);
    // The reverse: the i686 host's capabilities offer no x86_64 guests (nor virt type qemu).
    let report = virt_migration_check::check_facts(&x86_guest, &kvm, &i686_host, &options);
    assert_eq!(report.findings[0].code, "arch.unsupported");
}

#[test]
fn facts_a_host_cannot_give_make_checks_skipped_not_ok() {
    let guest = guest("disk-shared.xml");
    let src = Host::unknown("test:///a");
    let dst = Host::unknown("test:///b");
    let report = virt_migration_check::check_facts(&guest, &src, &dst, &options(Flags::empty()));
    for check in virt_migration_check::supported_checks().checks() {
        let findings: Vec<_> = report.findings.iter().filter(|f| f.check == check).collect();
        assert!(!findings.is_empty(), "{check:?} yields no result");
        // Checks with nothing to look at (no networks or disks to verify; no <cpu>, so the
        // hypervisor's default CPU, the same everywhere) may be OK; every other one must say it
        // could not evaluate.
        // Likewise checks that read only the guest (hostdev, time, libvirt's blockers) or that
        // found nothing to judge (no NICs).
        let nothing_to_look_at = matches!(
            check,
            Check::Network
                | Check::Disk
                | Check::CpuVendor
                | Check::CpuFlags
                | Check::Msr
                | Check::Cpuid
                | Check::NetworkModel
                | Check::Time
                | Check::Hostdev
                | Check::Devices
        );
        assert!(guest.def.cpu.is_none());
        for f in findings {
            assert!(
                f.severity == Severity::Skipped || (f.severity == Severity::Ok && nothing_to_look_at),
                "{check:?}: {f:?}"
            );
        }
    }
}

#[test]
fn real_domain_capabilities_parse() {
    use virt_migration_check::xml::domcaps::parse_domain_capabilities;
    let q35 =
        parse_domain_capabilities(&read("fixtures/domcaps/domaincapsdata/qemu_7.2.0-q35.x86_64.xml"), "d").unwrap();
    assert_eq!(q35.path, "/usr/bin/qemu-system-x86_64");
    assert_eq!((q35.domain.as_str(), q35.machine.as_str(), q35.arch.as_str()), ("kvm", "pc-q35-7.2", "x86_64"));
    assert_eq!(q35.max_vcpus, Some(288));
    let buses = &q35.device_enums["disk.bus"];
    assert!(buses.contains(&"virtio".to_string()) && buses.contains(&"sata".to_string()), "{buses:?}");
    assert!(q35.device_enums.contains_key("video.modelType"), "{:?}", q35.device_enums.keys());
    let tcg =
        parse_domain_capabilities(&read("fixtures/domcaps/domaincapsdata/qemu_10.0.0-tcg.x86_64.xml"), "d").unwrap();
    assert_eq!(tcg.domain, "qemu");
}

#[test]
fn real_numa_guest_parses() {
    let numa = guest("numatune-memnode.xml").def;
    let cells: Vec<(u32, &str, u64)> = numa.numa_cells.iter().map(|c| (c.id, c.cpus.as_str(), c.memory_kib)).collect();
    assert_eq!(cells, [(0, "0", 20002), (1, "1-27,29", 660066), (2, "28,30-31", 24002400)]);
}
