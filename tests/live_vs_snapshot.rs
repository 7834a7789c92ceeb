// SPDX-License-Identifier: LGPL-2.1-or-later
//! One host, one judgement: a live check and a check on the snapshot taken at the same moment
//! give the same results, for the test-driver hosts (tests/data/hosts, every check alone and all
//! together), for real hosts assembled from libvirt's own test data, and for hosts with a broken
//! document, whose facts are unavailable the same way on both paths, never an error of the call.
//!
//! Live, a check fills a snapshot structure with the documents its checks need
//! (`libvirt::gather::fill`) and `xml::snapshot::host` turns it into facts; offline, the snapshot
//! is read from its `<hostSnapshot>` text and turned into facts by that same function. A libvirt
//! host that prints a broken document cannot be made with the test driver (it prints its own
//! XML), so a broken document is made by breaking the same text in both structures: in the one a
//! live check filled, and in the snapshot taken at the same moment, which is then written and
//! read back as a file.

mod common;

use common::{data, open, read};
use virt::connect::Connect;
use virt_migration_check::facts::{Guest, Needs, Snapshot};
use virt_migration_check::libvirt::gather::{self, Scope};
use virt_migration_check::xml::snapshot::{self, SavedDocuments};
use virt_migration_check::{Check, Flags, Options, Report, Severity};

/// Every bundled test-driver host (tests/data/hosts/*.xml).
fn bundled_hosts() -> Vec<String> {
    let mut hosts: Vec<String> = std::fs::read_dir(data("hosts"))
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".xml").map(str::to_string)
        })
        .collect();
    hosts.sort();
    assert!(hosts.len() >= 13, "{hosts:?}");
    hosts
}

/// The selections compared: every check alone (each gathers its own facts live), all of them,
/// and the modifiers that change what is gathered or how it is judged.
fn selections() -> Vec<Flags> {
    let mut all: Vec<Flags> = virt_migration_check::supported_checks().checks().map(Check::bit).collect();
    all.extend([Flags::empty(), Flags::NON_SHARED_DISK, Flags::OFFLINE, Flags::STRICT, Flags::NETWORK | Flags::DISK]);
    all
}

fn options(flags: Flags) -> Options {
    Options::from_flags(flags.bits(), virt_migration_check::supported_checks()).unwrap()
}

/// A snapshot as a file: written, read back, turned into facts.
fn from_file(s: &Snapshot) -> virt_migration_check::Host {
    snapshot::host(&snapshot::read(&snapshot::write(s), "snapshot file").expect("a written snapshot reads back"))
}

#[test]
fn test_driver_hosts_live_equal_their_snapshots() {
    let src = open("src");
    let dom = src.lookup_domain_by_name("web1").unwrap();
    let domain_xml = dom.xml_desc(0).unwrap();
    let src_snapshot = virt_migration_check::snapshot_xml(&src).unwrap();
    let mut compared = 0;
    for host in bundled_hosts() {
        let dst = open(&host);
        let dst_snapshot = virt_migration_check::snapshot_xml(&dst).unwrap();
        for flags in selections() {
            let live = virt_migration_check::check(&src, &dst, &dom, flags.bits()).unwrap();
            let offline =
                virt_migration_check::check_xml(&domain_xml, Some(&src_snapshot), &dst_snapshot, flags.bits()).unwrap();
            assert_eq!(live, offline, "{host} {flags:?}");
            compared += 1;
        }
    }
    // test:///default's own guest, to a bundled host and to itself.
    let default = Connect::open_read_only(Some("test:///default")).unwrap();
    let dom = default.lookup_domain_by_name("test").unwrap();
    let default_snapshot = virt_migration_check::snapshot_xml(&default).unwrap();
    for (dst, dst_snapshot) in [(open("dst-ok"), None), (default.clone(), Some(default_snapshot.clone()))] {
        let dst_snapshot = dst_snapshot.unwrap_or_else(|| virt_migration_check::snapshot_xml(&dst).unwrap());
        for flags in selections() {
            let live = virt_migration_check::check(&default, &dst, &dom, flags.bits()).unwrap();
            let offline = virt_migration_check::check_xml(
                &dom.xml_desc(0).unwrap(),
                Some(&default_snapshot),
                &dst_snapshot,
                flags.bits(),
            )
            .unwrap();
            assert_eq!(live, offline, "test:///default {flags:?}");
            compared += 1;
        }
    }
    println!("{compared} live and offline answers compared");
}

/// A document broken on a host: `break_live` breaks it in what a live check filled,
/// `break_snapshot` in the snapshot; `check` is the check that reads it, `code` what that check
/// must then say, `document` how the reason names the document.
struct Broken {
    what: &'static str,
    break_live: fn(&mut Snapshot),
    break_snapshot: fn(&mut Snapshot),
    check: Flags,
    code: &'static str,
    document: &'static str,
}

/// Not XML at all: the document cut in half.
fn truncated(x: &mut String) {
    let half = x.len() / 2;
    x.truncate(half);
}

/// Well-formed, but without the element our parser needs.
fn nameless(x: &mut String) {
    *x = x.replacen("<name>", "<nom>", 1).replacen("</name>", "</nom>", 1);
}

fn first_network(s: &mut Snapshot) -> &mut String {
    &mut s.networks.as_mut().unwrap()[0].xml
}

fn first_pool(s: &mut Snapshot) -> &mut String {
    &mut s.pools.as_mut().unwrap()[0].xml
}

fn capabilities(s: &mut Snapshot) -> &mut String {
    s.capabilities.as_mut().unwrap()
}

fn broken_documents() -> Vec<Broken> {
    vec![
        Broken {
            what: "a network without a name",
            break_live: |s| nameless(first_network(s)),
            break_snapshot: |s| nameless(first_network(s)),
            check: Flags::NETWORK,
            code: "network.unavailable",
            document: "network #1",
        },
        Broken {
            what: "a network that is not XML",
            break_live: |s| truncated(first_network(s)),
            break_snapshot: |s| truncated(first_network(s)),
            check: Flags::NETWORK,
            code: "network.unavailable",
            document: "network #1",
        },
        Broken {
            what: "capabilities that are not XML",
            break_live: |s| truncated(capabilities(s)),
            break_snapshot: |s| truncated(capabilities(s)),
            check: Flags::ARCH,
            code: "arch.unavailable",
            document: "capabilities",
        },
        Broken {
            what: "capabilities without <host>",
            break_live: |s| {
                *capabilities(s) = capabilities(s).replacen("<host>", "<hostx>", 1).replacen("</host>", "</hostx>", 1)
            },
            break_snapshot: |s| {
                *capabilities(s) = capabilities(s).replacen("<host>", "<hostx>", 1).replacen("</host>", "</hostx>", 1)
            },
            check: Flags::ARCH,
            code: "arch.unavailable",
            document: "capabilities",
        },
        Broken {
            what: "a pool without a name",
            break_live: |s| nameless(first_pool(s)),
            break_snapshot: |s| nameless(first_pool(s)),
            check: Flags::DISK,
            code: "disk.unavailable",
            document: "pool #1",
        },
    ]
}

/// The findings of `report` for `check` that say a fact is unavailable.
fn unavailable_reasons(report: &Report, code: &str) -> Vec<String> {
    report
        .with_code(code)
        .map(|f| {
            assert_eq!(f.severity, Severity::Skipped, "{f:?}");
            f.message.to_string()
        })
        .collect()
}

#[test]
fn a_broken_document_is_unavailable_the_same_live_and_from_the_snapshot() {
    let src = open("src");
    let dom = src.lookup_domain_by_name("web1").unwrap();
    let guest = gather::guest(&dom).unwrap();
    let dst = open("dst-ok");
    let src_host = gather::host(&src, Needs::all(), &guest.def).unwrap();
    for broken in broken_documents() {
        for flags in [broken.check, Flags::empty()] {
            let options = options(flags);
            let (_, dst_needs) = virt_migration_check::checks::needs(options.checks);
            // Live: what the check fills for its needs, with the document broken, through the
            // one function.
            let mut live = gather::fill(&dst, Scope::Check(dst_needs, &guest.def), "now").unwrap();
            (broken.break_live)(&mut live);
            let live_report = virt_migration_check::check_facts(&guest, &src_host, &snapshot::host(&live), &options);
            // The snapshot taken at the same moment, the same document broken, as a file.
            let mut taken = virt_migration_check::snapshot(&dst).unwrap();
            (broken.break_snapshot)(&mut taken);
            let file_report = virt_migration_check::check_facts(&guest, &src_host, &from_file(&taken), &options);
            assert_eq!(live_report, file_report, "{}: {flags:?}", broken.what);
            // The facts are unavailable, naming the document; the call did not fail.
            let reasons = unavailable_reasons(&file_report, broken.code);
            assert!(!reasons.is_empty(), "{}: {file_report:#?}", broken.what);
            assert!(reasons.iter().all(|r| r.contains(broken.document)), "{}: {reasons:?}", broken.what);
            // Through the checking API on the snapshot text: the same answer, not an error.
            let text = snapshot::write(&taken);
            let via_api = virt_migration_check::check_xml_with_options(
                &dom.xml_desc(0).unwrap(),
                Some(&virt_migration_check::snapshot_xml(&src).unwrap()),
                &text,
                &options,
            )
            .unwrap();
            assert_eq!(via_api.with_code(broken.code).count(), reasons.len(), "{}", broken.what);
        }
    }
}

/// Real hosts from libvirt's test data: a 2-node Haswell KVM host (caps-qemu-kvm.xml) with QEMU
/// 7.2 and 9.2 domain capabilities, and libvirt's x86_64 QEMU host (caps.x86_64.xml) with
/// QEMU 10; networks, pools with a volume, an interface, node devices with mdev types.
fn real_hosts() -> Vec<(&'static str, Snapshot)> {
    let doc = |p: &str| (p.to_string(), read(&format!("fixtures/{p}")));
    let common = |caps: &str, domcaps: &[&str]| SavedDocuments {
        capabilities: doc(caps),
        domain_capabilities: domcaps.iter().map(|d| doc(d)).collect(),
        networks: vec![
            doc("networks/networkxml2xmlin/nat-network.xml"),
            doc("networks/networkxml2xmlin/host-bridge-net.xml"),
        ],
        pools: vec![doc("pools/storagepoolxml2xmlin/pool-dir.xml"), doc("pools/storagepoolxml2xmlin/pool-netfs.xml")],
        volumes: vec![doc("pools/storagevolxml2xmlin/vol-file.xml")],
        interfaces: vec![doc("networks/interfaceschemadata/bridge.xml")],
        node_devices: vec![
            doc("host-caps/nodedevschemadata/css_0_0_fffe_mdev_types.xml"),
            doc("host-caps/nodedevschemadata/mdev_3627463d_b7f0_4fea_b468_f1da537d301b.xml"),
            doc("host-caps/nodedevschemadata/pci_0000_02_10_7_mdev_types.xml"),
        ],
    };
    let haswell = common(
        "host-caps/capabilityschemadata/caps-qemu-kvm.xml",
        &["domcaps/domaincapsdata/qemu_7.2.0-q35.x86_64.xml", "domcaps/domaincapsdata/qemu_9.2.0.x86_64.xml"],
    );
    let qemu10 = common(
        "host-caps/qemucaps2xmloutdata/caps.x86_64.xml",
        &["domcaps/domaincapsdata/qemu_10.0.0.x86_64.xml", "domcaps/domaincapsdata/qemu_10.0.0-tcg.x86_64.xml"],
    );
    [("haswell-kvm", haswell), ("qemu-10", qemu10)]
        .into_iter()
        .map(|(name, saved)| {
            (name, snapshot::assemble(&saved, &format!("file:///saved/{name}"), "2026-11-26T12:00:00Z").unwrap())
        })
        .collect()
}

fn real_guests() -> Vec<(&'static str, Guest)> {
    [
        "cpu-Haswell.xml",
        "disk-source-pool.xml",
        "net-virtio-network-portgroup.xml",
        "net-many-models.xml",
        "numatune-memnode.xml",
        "hostdev-subsys-mdev-vfio-ccw.xml",
    ]
    .into_iter()
    .map(|name| {
        let xml = read(&format!("fixtures/domains/qemuxmlconfdata/{name}"));
        (name, Guest::from_definition(virt_migration_check::xml::domain::parse_domain(&xml, name).unwrap()))
    })
    .collect()
}

/// Real-data hosts have no libvirt to ask: the structure a live check holds (the documents as
/// libvirt printed them, never written) is compared with the same snapshot as a file, whole and
/// with each kind of document broken, for real guests, every check alone and all of them.
#[test]
fn real_hosts_in_memory_equal_their_snapshot_files() {
    let mut options_list: Vec<Options> = selections().into_iter().map(options).collect();
    for o in &mut options_list {
        o.cpu_map = Some(data("cpu/cpu_map"));
    }
    let hosts = real_hosts();
    let guests = real_guests();
    type Break = (&'static str, fn(&mut Snapshot), &'static str);
    let breaks: [Break; 9] = [
        ("nothing", |_| {}, ""),
        ("capabilities not XML", |s| truncated(capabilities(s)), "capabilities"),
        (
            "a domain capabilities' vcpu max",
            |s| {
                let d = &mut s.domain_capabilities.as_mut().unwrap()[1];
                *d = d.replacen("<vcpu max='", "<vcpu max='many", 1);
            },
            "domain capabilities #2",
        ),
        ("a network without a name", |s| nameless(first_network(s)), "network #1"),
        (
            "an interface without a name",
            |s| {
                let d = &mut s.interfaces.as_mut().unwrap()[0].xml;
                *d = d.replacen(" name=", " nom=", 1);
            },
            "interface #1",
        ),
        ("a pool not XML", |s| truncated(first_pool(s)), "pool #1"),
        (
            "a volume without a name",
            |s| nameless(&mut s.pools.as_mut().unwrap()[0].volumes[0]),
            "pool 'virtimages' volume #1",
        ),
        ("a node device not XML", |s| truncated(&mut s.node_devices.as_mut().unwrap()[2]), "node device #3"),
        (
            "a node device of the wrong kind",
            |s| {
                s.node_devices.as_mut().unwrap()[0] = "<capabilities/>".to_string();
            },
            "node device #1",
        ),
    ];
    let mut compared = 0;
    for (what, breaking, document) in breaks {
        let built: Vec<(&str, Snapshot)> = hosts
            .iter()
            .map(|(name, s)| {
                let mut s = s.clone();
                breaking(&mut s);
                (*name, s)
            })
            .collect();
        for (src_name, src) in &built {
            let (src_live, src_file) = (snapshot::host(src), from_file(src));
            assert_eq!(src_live, src_file, "{what}: {src_name}'s facts");
            if !document.is_empty() {
                // Some fact is unavailable, naming the document.
                let text = format!("{src_live:?}");
                assert!(text.contains(&format!("cannot parse {document}")), "{what}: {text}");
            }
            for (dst_name, dst) in &built {
                let (dst_live, dst_file) = (snapshot::host(dst), from_file(dst));
                for (guest_name, guest) in &guests {
                    for options in &options_list {
                        let live = virt_migration_check::check_facts(guest, &src_live, &dst_live, options);
                        let file = virt_migration_check::check_facts(guest, &src_file, &dst_file, options);
                        assert_eq!(live, file, "{what}: {guest_name} {src_name} -> {dst_name} {:?}", options.checks);
                        compared += 1;
                    }
                }
            }
        }
    }
    println!("{compared} answers compared");
}

/// A node device that does not parse makes the node devices unavailable, live and offline
/// alike (it was once dropped live and failed the whole call offline).
#[test]
fn a_broken_node_device_is_unavailable_not_dropped() {
    let (_, mut s) = real_hosts().remove(0);
    s.node_devices.as_mut().unwrap()[1] = "<device><name>x</name><capability type='mdev'><type id='".into();
    let why = snapshot::host(&s).node_devices.unwrap_err();
    assert_eq!(why.call, "virNodeDeviceGetXMLDesc");
    assert!(why.reason.contains("node device #2"), "{why}");
    let text = snapshot::write(&s);
    assert!(text.contains("<unavailable fact='nodeDevices' call='virNodeDeviceGetXMLDesc'>"), "{text}");
    assert_eq!(from_file(&s).node_devices.unwrap_err(), why);
    // Through the checking API: the call succeeds, HOSTDEV says what it could not see.
    let guest = read("fixtures/domains/qemuxmlconfdata/hostdev-subsys-mdev-vfio-ccw.xml");
    let report = virt_migration_check::check_xml(&guest, Some(&text), &text, Flags::HOSTDEV.bits()).unwrap();
    let skipped: Vec<String> = report.with_code("hostdev.unavailable").map(|f| f.message.to_string()).collect();
    assert!(!skipped.is_empty() && skipped.iter().all(|m| m.contains("node device #2")), "{report:#?}");
}
