// SPDX-License-Identifier: LGPL-2.1-or-later
//! check3 on real libvirt (the test driver in-process, serving tests/data/hosts): the migration
//! given as libvirt's own VIR_MIGRATE_* flags and VIR_MIGRATE_PARAM_* parameters.

mod common;

use common::{host_uri, open, read};
use virt_migration_check::migration::{self, Migration};
use virt_migration_check::{Check, Error, Flags, Severity, Value};

fn web1() -> virt::domain::Domain {
    open("src").lookup_domain_by_name("web1").unwrap()
}

fn str_detail<'a>(f: &'a virt_migration_check::Finding, name: &str) -> Option<&'a str> {
    match f.detail_value(name) {
        Some(Value::Str(s)) => Some(s.as_str()),
        _ => None,
    }
}

#[test]
fn the_measured_case_runs_every_check() {
    // With virMigrationCheck these flags landed on three selection bits and gave three OKs.
    let m = Migration::with_flags(migration::LIVE | migration::PEER2PEER | migration::PERSIST_DEST);
    let report = virt_migration_check::check3(&web1(), &open("dst-all-wrong"), &m, 0).unwrap();
    let mut ran: Vec<Check> = report.findings.iter().map(|f| f.check).collect();
    ran.dedup();
    ran.sort();
    ran.dedup();
    let supported: Vec<Check> = virt_migration_check::supported_checks().checks().collect();
    assert_eq!(ran, supported, "{report:#?}");
    // And the same problems as virMigrationCheck with every check.
    let old = common::check_web1(&open("dst-all-wrong"), 0);
    assert_eq!(common::problems(&report), common::problems(&old));
    assert!(report.errors().count() > 3);
}

#[test]
fn unknown_flags_and_our_modifiers_in_checks_are_errors() {
    let (dom, dst) = (web1(), open("dst-ok"));
    let err = virt_migration_check::check3(&dom, &dst, &Migration::with_flags(1 << 21), 0).unwrap_err();
    assert!(matches!(&err, Error::InvalidArgument(m) if m.contains("unsupported flags (0x200000)")), "{err}");
    for modifier in [Flags::OFFLINE, Flags::NON_SHARED_DISK, Flags::UNSAFE] {
        let err = virt_migration_check::check3(&dom, &dst, &Migration::default(), modifier.bits()).unwrap_err();
        assert!(matches!(&err, Error::InvalidArgument(m) if m.contains("VIR_MIGRATE_")), "{err}");
    }
    // STRICT and the selection are taken.
    let m = Migration::with_flags(migration::LIVE);
    let report = virt_migration_check::check3(&dom, &dst, &m, (Flags::HOST | Flags::STRICT).bits()).unwrap();
    assert!(report.findings.iter().all(|f| f.check == Check::Host), "{report:#?}");
}

#[test]
fn each_refused_combination_is_an_error_in_libvirts_words() {
    let (dom, dst) = (web1(), open("dst-ok"));
    let cases: &[(u32, &str, &str)] = &[
        (migration::TUNNELLED | migration::LIVE, "host.tunnelled-without-p2p", "without using peer2peer flag"),
        (migration::OFFLINE, "host.offline-without-persist", "persistent flag set"),
        (
            migration::OFFLINE | migration::PERSIST_DEST | migration::NON_SHARED_DISK,
            "host.offline-storage-copy",
            "non-shared storage",
        ),
        (migration::POSTCOPY | migration::OFFLINE | migration::PERSIST_DEST, "host.postcopy-not-live", "non-live"),
        (
            migration::NON_SHARED_DISK | migration::NON_SHARED_INC | migration::LIVE,
            "host.storage-flags-exclusive",
            "mutually exclusive",
        ),
    ];
    for (flags, code, words) in cases {
        let report =
            virt_migration_check::check3(&dom, &dst, &Migration::with_flags(*flags), Flags::HOST.bits()).unwrap();
        let f = report.with_code(code).next().unwrap_or_else(|| panic!("no {code}: {report:#?}"));
        assert_eq!(f.severity, Severity::Error);
        assert!(str_detail(f, "libvirt_error").unwrap().contains(words), "{f:#?}");
    }
}

#[test]
fn a_guest_not_running_needs_offline() {
    let src = virt::connect::Connect::open(Some(&host_uri("src"))).unwrap();
    // A defined, never started copy of web1 (its own name, no UUID: libvirt generates one).
    let xml = read("hosts/parts/web1.xml").replace("<name>web1</name>", "<name>web1-cold</name>");
    let dom = src.define_domain_xml(&without_uuid(&xml)).unwrap();
    assert!(!dom.is_active().unwrap());
    let dst = open("dst-ok");
    let live = Migration::with_flags(migration::LIVE | migration::PERSIST_DEST);
    let report = virt_migration_check::check3(&dom, &dst, &live, Flags::HOST.bits()).unwrap();
    let f = report.with_code("host.not-running").next().unwrap_or_else(|| panic!("{report:#?}"));
    assert_eq!(str_detail(f, "libvirt_error"), Some("domain is not running"));
    let cold = Migration::with_flags(migration::OFFLINE | migration::PERSIST_DEST);
    let report = virt_migration_check::check3(&dom, &dst, &cold, Flags::HOST.bits()).unwrap();
    assert!(report.with_code("host.not-running").next().is_none(), "{report:#?}");
}

fn without_uuid(xml: &str) -> String {
    match (xml.find("<uuid>"), xml.find("</uuid>")) {
        (Some(a), Some(b)) => format!("{}{}", &xml[..a], &xml[b + "</uuid>".len()..]),
        _ => xml.to_string(),
    }
}

#[test]
fn migrate_disks_copies_only_the_listed_disks() {
    // dst-missing-volume lacks vda's volume: copied, it is fine; left out of MIGRATE_DISKS, it
    // must be shared and is missing.
    let (dom, dst) = (web1(), open("dst-missing-volume"));
    let all = Migration::with_flags(migration::LIVE | migration::NON_SHARED_DISK);
    let report = virt_migration_check::check3(&dom, &dst, &all, Flags::DISK.bits()).unwrap();
    assert_eq!(common::problems(&report), ["disk.will-copy"], "{report:#?}");
    let only_vdb = Migration { migrate_disks: Some(vec!["vdb".into()]), ..all.clone() };
    let report = virt_migration_check::check3(&dom, &dst, &only_vdb, Flags::DISK.bits()).unwrap();
    assert_eq!(common::problems(&report), ["disk.volume-missing"], "{report:#?}");
    let f = report.with_code("disk.volume-missing").next().unwrap();
    assert_eq!(str_detail(f, "cleared_by"), Some("VIR_MIGRATE_NON_SHARED_DISK"));
    let unknown = Migration { migrate_disks: Some(vec!["vdz".into()]), ..all };
    let report = virt_migration_check::check3(&dom, &dst, &unknown, Flags::HOST.bits()).unwrap();
    assert_eq!(common::problems(&report), ["host.migrate-disks-unknown"], "{report:#?}");
}

#[test]
fn dest_name_changes_the_name_clash() {
    let (dom, dst) = (web1(), open("dst-clash"));
    let m = Migration::with_flags(migration::LIVE);
    let report = virt_migration_check::check3(&dom, &dst, &m, Flags::HOST.bits()).unwrap();
    assert_eq!(common::problems(&report), ["host.name-clash"]);
    let renamed = Migration { dest_name: Some("web1-new".into()), ..m };
    let report = virt_migration_check::check3(&dom, &dst, &renamed, Flags::HOST.bits()).unwrap();
    assert!(common::problems(&report).is_empty(), "{report:#?}");
}

#[test]
fn unsafe_storage_names_the_flag_that_clears_it() {
    virt::error::clear_error_callback();
    let src = virt::connect::Connect::open(Some(&host_uri("dst-local-dir"))).unwrap();
    // web1 with both disks as files under the host's own /dev/shm (tmpfs): local, as statfs
    // tells qemuMigrationSrcIsSafe (a dir pool's files could be on NFS: only a WARNING).
    let xml = read("hosts/parts/web1.xml")
        .replace(
            "<disk type='volume' device='disk'>\n      <source pool='shared' volume='web1-root.qcow2'/>",
            "<disk type='file' device='disk'>\n      <source file='/dev/shm/web1-root.qcow2'/>",
        )
        .replace("/srv/nfs/web1-data.img", "/dev/shm/web1-data.img");
    assert!(!xml.contains("/srv/nfs/") && !xml.contains("type='volume'"), "{xml}");
    let dom = src.define_domain_xml(&xml).unwrap();
    dom.create().unwrap();
    let dst = open("dst-ok");
    let m = Migration::with_flags(migration::LIVE | migration::PEER2PEER);
    let report = virt_migration_check::check3(&dom, &dst, &m, Flags::DEVICES.bits()).unwrap();
    let unsafe_disks: Vec<_> = report.with_code("devices.unsafe-storage").collect();
    assert_eq!(unsafe_disks.len(), 2, "{report:#?}");
    assert!(unsafe_disks.iter().all(|f| str_detail(f, "cleared_by") == Some("VIR_MIGRATE_UNSAFE")));
    let forced = Migration::with_flags(m.flags | migration::UNSAFE);
    let report = virt_migration_check::check3(&dom, &dst, &forced, Flags::DEVICES.bits()).unwrap();
    assert!(
        report
            .with_code("devices.unsafe-storage")
            .all(|f| f.severity == Severity::Warning && f.detail_value("cleared_by").is_none())
    );
    // Copying only vdb leaves vda's local storage unsafe.
    let copy_vdb = Migration {
        migrate_disks: Some(vec!["vdb".into()]),
        ..Migration::with_flags(m.flags | migration::NON_SHARED_DISK)
    };
    let report = virt_migration_check::check3(&dom, &dst, &copy_vdb, Flags::DEVICES.bits()).unwrap();
    let left: Vec<_> = report.with_code("devices.unsafe-storage").filter_map(|f| str_detail(f, "disk")).collect();
    assert_eq!(left, ["vda"], "{report:#?}");
}

#[test]
fn dest_xml_is_held_to_the_running_guests_abi() {
    // libvirt's test driver prints web1's XML; as VIR_MIGRATE_PARAM_DEST_XML unchanged it
    // changes nothing, with one vCPU more it is refused (virDomainDefCheckABIStability), and
    // one libvirt cannot read is refused too.
    let (dom, dst) = (web1(), open("dst-ok"));
    let xml = dom.xml_desc(0).unwrap();
    let with_xml = |xml: &str| Migration { dest_xml: Some(xml.into()), ..Migration::with_flags(migration::LIVE) };
    let report = virt_migration_check::check3(&dom, &dst, &with_xml(&xml), Flags::HOST.bits()).unwrap();
    assert!(common::problems(&report).is_empty(), "{report:#?}");
    let more_vcpus = regex_free_replace(&xml, "<vcpu", "</vcpu>", "<vcpu placement='static'>3</vcpu>");
    let report = virt_migration_check::check3(&dom, &dst, &with_xml(&more_vcpus), Flags::HOST.bits()).unwrap();
    assert_eq!(common::problems(&report), ["host.dest-xml-abi"], "{report:#?}");
    let f = report.with_code("host.dest-xml-abi").next().unwrap();
    assert!(str_detail(f, "libvirt_error").unwrap().starts_with("Target domain vCPU max 3 does not match source"));
    let report = virt_migration_check::check3(&dom, &dst, &with_xml("<domain"), Flags::HOST.bits()).unwrap();
    assert_eq!(common::problems(&report), ["host.dest-xml-invalid"], "{report:#?}");
}

/// `text` with the first span from `start` through `end` replaced by `with`.
fn regex_free_replace(text: &str, start: &str, end: &str, with: &str) -> String {
    let from = text.find(start).unwrap();
    let to = from + text[from..].find(end).unwrap() + end.len();
    format!("{}{with}{}", &text[..from], &text[to..])
}
