// SPDX-License-Identifier: LGPL-2.1-or-later
//! The checks end to end on real libvirt: the test driver in-process, serving the node files in
//! tests/data/hosts (see its README for what each destination gets wrong).

mod common;

use common::{check_web1, codes, open, problems};
use virt_migration_check::{Check, Error, Flags, Severity, Value, Verdict};

#[test]
fn a_good_destination_passes_every_check_with_one_ok_each() {
    let report = check_web1(&open("dst-ok"), 0);
    // The two checks the test driver cannot answer (below) make the verdict "could not verify".
    assert_eq!(report.verdict(), Verdict::Warning, "{report:#?}");
    assert_eq!(report.unverified(), [Check::NetworkModel, Check::DiskModel]);
    let mut ran: Vec<Check> = report.findings.iter().map(|f| f.check).collect();
    ran.sort();
    let supported: Vec<Check> = virt_migration_check::supported_checks().checks().collect();
    assert_eq!(ran, supported);
    // The test driver has no domain capabilities and no NIC model table: those two checks say
    // so; every other one ran and found nothing.
    for f in &report.findings {
        match f.check {
            Check::NetworkModel | Check::DiskModel => assert_eq!(f.severity, Severity::Skipped, "{f:?}"),
            _ => assert!(f.severity == Severity::Ok && f.code.ends_with(".ok"), "{f:?}"),
        }
    }
}

#[test]
fn missing_network_is_one_error_naming_it() {
    let report = check_web1(&open("dst-no-network"), 0);
    assert_eq!(problems(&report), ["network.missing"]);
    let f = report.with_code("network.missing").next().unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("'prod'"), "{}", f.message);
    assert_eq!(f.detail_value("network"), Some(&Value::Str("prod".into())));
    assert_eq!(f.detail_value("interface"), Some(&Value::Str("52:54:00:00:00:01".into())));
    assert!(f.hint.is_some());
}

#[test]
fn inactive_network_is_an_error() {
    // The test driver's state is per connection: stop the network on this connection only.
    let dst = virt::connect::Connect::open(Some(&common::host_uri("dst-ok"))).unwrap();
    dst.lookup_network_by_name("prod").unwrap().destroy().unwrap();
    let report = check_web1(&dst, Flags::NETWORK.bits());
    assert_eq!(problems(&report), ["network.inactive"]);
}

#[test]
fn missing_bridge_is_an_error_naming_it() {
    let report = check_web1(&open("dst-no-bridge"), 0);
    assert_eq!(problems(&report), ["network.bridge-missing"]);
    assert!(report.findings[0].message.contains("'br-storage'"));
}

#[test]
fn a_network_forwarding_to_a_missing_bridge_is_an_error_naming_both() {
    // libvirt starts a forward-mode-bridge network whether or not its bridge exists; the
    // migration then fails with "Cannot get interface MTU on 'br-prod'".
    let report = check_web1(&open("dst-no-network-bridge"), 0);
    assert_eq!(problems(&report), ["network.bridge-missing"]);
    let f = &report.findings[0];
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("network 'prod'") && f.message.contains("bridge 'br-prod'"), "{}", f.message);
    assert_eq!(f.detail_value("network"), Some(&Value::Str("prod".into())));
    assert_eq!(f.detail_value("bridge"), Some(&Value::Str("br-prod".into())));
}

#[test]
fn fewer_physical_cpus_than_vcpus_is_a_warning() {
    let report = check_web1(&open("dst-few-cpus"), 0);
    assert_eq!(problems(&report), ["cpu_count.vcpus-exceed-pcpus"]);
    let f = &report.findings[0];
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.detail_value("vcpus"), Some(&Value::UInt(2)));
    assert_eq!(f.detail_value("max_vcpus"), Some(&Value::UInt(4)));
    assert_eq!(f.detail_value("destination_cpus"), Some(&Value::UInt(1)));
}

#[test]
fn guest_that_does_not_fit_memory_is_an_error_with_the_numbers() {
    let report = check_web1(&open("dst-low-memory"), 0);
    assert_eq!(problems(&report), ["memory.insufficient"]);
    let f = &report.findings[0];
    // 5 GiB node, db1 holds 4 GiB: 1 GiB left for web1's 2 GiB.
    assert_eq!(f.detail_value("needed_kib"), Some(&Value::UInt(2 * 1024 * 1024)));
    assert_eq!(f.detail_value("available_kib"), Some(&Value::UInt(1024 * 1024)));
    assert!(f.message.contains("running guests hold"), "the figure used must be named: {}", f.message);
}

#[test]
fn low_headroom_warns_strict_promotes_and_offline_ignores_free_memory() {
    let dst = open("dst-tight-memory");
    let report = check_web1(&dst, Flags::MEMORY.bits());
    assert_eq!(codes(&report, Severity::Warning), ["memory.low-headroom"]);
    let strict = check_web1(&dst, (Flags::MEMORY | Flags::STRICT).bits());
    assert_eq!(codes(&strict, Severity::Error), ["memory.low-headroom"]);
    assert_eq!(strict.findings[0].detail_value("strict"), Some(&Value::Bool(true)));
    let offline = check_web1(&dst, (Flags::MEMORY | Flags::OFFLINE).bits());
    assert_eq!(offline.verdict(), Verdict::Ok);
    // Offline still refuses a guest larger than the whole host.
    let tiny = check_web1(&open("dst-all-wrong"), (Flags::MEMORY | Flags::OFFLINE).bits());
    assert_eq!(tiny.verdict(), Verdict::Ok, "4.5 GiB host holds a 2 GiB guest when it starts cold");
}

#[test]
fn same_path_with_another_key_is_a_different_file() {
    let report = check_web1(&open("dst-other-key"), 0);
    assert_eq!(problems(&report), ["disk.different-storage"]);
    let f = &report.findings[0];
    assert_eq!(f.detail_value("disk"), Some(&Value::Str("vdb".into())));
    assert_eq!(f.detail_value("path"), Some(&Value::Str("/srv/nfs/web1-data.img".into())));
}

#[test]
fn missing_pool_volume_is_an_error_unless_storage_is_copied() {
    let dst = open("dst-missing-volume");
    let report = check_web1(&dst, 0);
    assert_eq!(problems(&report), ["disk.volume-missing"]);
    assert_eq!(report.findings[0].detail_value("disk"), Some(&Value::Str("vda".into())));
    let copied = check_web1(&dst, Flags::NON_SHARED_DISK.bits());
    assert_eq!(problems(&copied), ["disk.will-copy"]);
    // WARNING, not INFO: network_model and disk_model could not run on the test driver.
    assert_eq!(copied.verdict(), Verdict::Warning);
    let disk = check_web1(&dst, (Flags::DISK | Flags::NON_SHARED_DISK).bits());
    assert_eq!(problems(&disk), ["disk.will-copy"]);
    assert_eq!(disk.verdict(), Verdict::Info);
}

#[test]
fn a_check_that_cannot_run_is_a_warning_and_under_strict_an_error() {
    // disk_model needs the destination's domain capabilities, which libvirt refuses to a
    // read-only connection; the test driver has no NIC model table for network_model.
    let dst = open("dst-ok");
    let models = Flags::DISK_MODEL | Flags::NETWORK_MODEL;
    let report = check_web1(&dst, models.bits());
    assert!(report.findings.iter().all(|f| f.severity == Severity::Skipped), "{report:#?}");
    assert_eq!(report.verdict(), Verdict::Warning);
    assert_eq!(report.unverified(), [Check::NetworkModel, Check::DiskModel]);
    let disk_model = check_web1(&dst, Flags::DISK_MODEL.bits());
    assert_eq!(codes(&disk_model, Severity::Skipped), ["disk_model.unavailable"]);
    assert_eq!(disk_model.verdict(), Verdict::Warning);
    // STRICT: each result stays SKIPPED (its code says why) but weighs as an ERROR.
    let strict = check_web1(&dst, (models | Flags::STRICT).bits());
    assert!(strict.findings.iter().all(|f| f.severity == Severity::Skipped && f.is_strict()), "{strict:#?}");
    assert_eq!(strict.verdict(), Verdict::Error);
    assert_eq!(strict.errors().count(), 0);
    // A check that ran is unaffected by STRICT's mark.
    let ran = check_web1(&dst, (Flags::NETWORK | Flags::STRICT).bits());
    assert_eq!(ran.verdict(), Verdict::Ok);
    assert!(!ran.findings[0].is_strict());
}

#[test]
fn host_local_pools_cannot_prove_sameness() {
    let report = check_web1(&open("dst-local-dir"), 0);
    assert_eq!(problems(&report), ["disk.unproven", "disk.unproven"]);
    assert_eq!(report.verdict(), Verdict::Warning);
}

#[test]
fn another_domain_with_the_same_name_is_an_error() {
    let report = check_web1(&open("dst-clash"), 0);
    assert_eq!(problems(&report), ["host.name-clash"]);
    assert!(report.findings[0].message.contains("9e8d7c6b-5a49-4837-a261-504f3e2d1c0b"));
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let report = check_web1(&open("dst-all-wrong"), 0);
    assert_eq!(
        problems(&report),
        [
            "cpu_count.vcpus-exceed-pcpus",
            "disk.different-storage",
            "disk.volume-missing",
            "host.name-clash",
            "host.uuid-clash",
            "memory.insufficient",
            "network.bridge-missing",
            "network.missing",
        ]
    );
    // Most severe first.
    let ranks: Vec<Severity> = report.findings.iter().map(|f| f.severity).collect();
    let first_warning = ranks.iter().position(|s| *s == Severity::Warning).unwrap();
    assert!(ranks[..first_warning].iter().all(|s| *s == Severity::Error));
}

#[test]
fn the_same_host_is_an_error() {
    let report = check_web1(&open("src"), Flags::HOST.bits());
    assert_eq!(problems(&report), ["host.same-host"]);
}

#[test]
fn selection_runs_only_the_selected_checks() {
    let report = check_web1(&open("dst-all-wrong"), (Flags::NETWORK | Flags::DISK).bits());
    assert!(report.findings.iter().all(|f| matches!(f.check, Check::Network | Check::Disk)));
    assert_eq!(report.findings.len(), 4);
}

#[test]
fn bad_flags_and_unimplemented_checks_are_errors() {
    let src = open("src");
    let dst = open("dst-ok");
    let dom = src.lookup_domain_by_name("web1").unwrap();
    let err = virt_migration_check::check(&src, &dst, &dom, 1 << virt_migration_check::check_table::NEVER_ASSIGNED_BIT)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    // Selecting a check this build does not implement (while any is left) is an error naming it.
    if let Some(missing) = (Flags::CHECKS - virt_migration_check::supported_checks()).checks().next() {
        let err = virt_migration_check::check(&src, &dst, &dom, missing.bit().bits()).unwrap_err();
        assert!(matches!(&err, Error::Unsupported(m) if m.contains(missing.name())), "{err}");
    }
}

#[test]
fn a_domain_of_another_connection_is_refused() {
    let src = open("src");
    let other = open("src");
    let dom = other.lookup_domain_by_name("web1").unwrap();
    let err = virt_migration_check::check(&src, &open("dst-ok"), &dom, 0).unwrap_err();
    assert!(matches!(&err, Error::InvalidArgument(m) if m.contains("does not belong")), "{err}");
}

#[test]
fn default_test_host_guest_against_a_bundled_destination() {
    // test:///default: 2 NUMA cells, 16 CPUs, one running guest 'test' with 8 GiB, network
    // 'default' and a disk at /guest/diskimage1 in no pool.
    let src = virt::connect::Connect::open_read_only(Some("test:///default")).unwrap();
    let dom = src.lookup_domain_by_name("test").unwrap();
    let report = virt_migration_check::check(&src, &open("dst-ok"), &dom, 0).unwrap();
    // The disk is in no pool: neither its presence there nor its storage kind can be seen.
    assert_eq!(problems(&report), ["devices.storage-unknown", "disk.not-visible", "network.missing"]);
    // 8 GiB fit the 16 GiB host with db1's 4 GiB, but not a 4.5 GiB host even cold.
    let cold = virt_migration_check::check(&src, &open("dst-all-wrong"), &dom, (Flags::MEMORY | Flags::OFFLINE).bits())
        .unwrap();
    assert_eq!(problems(&cold), ["memory.exceeds-total"]);
}

#[test]
fn every_fact_gathers_or_says_why_not() {
    // libvirt 9.0 refuses virConnectGetDomainCapabilities on read-only connections, and the
    // test driver has none at all: either way the fact is recorded as unavailable with
    // libvirt's reason, and everything else is gathered.
    let read_write = virt::connect::Connect::open(Some(&common::host_uri("dst-ok"))).unwrap();
    let src = open("src");
    let dom = src.lookup_domain_by_name("web1").unwrap();
    let guest = virt_migration_check::libvirt::gather::guest(&dom).unwrap();
    let needs = virt_migration_check::facts::Needs::DOMAIN_CAPABILITIES;
    let why = virt_migration_check::libvirt::gather::host(&read_write, needs, &guest.def)
        .unwrap()
        .domain_capabilities
        .unwrap_err();
    assert!(why.reason.contains("not supported"), "{why}");
    let dst = open("dst-ok");
    let host = virt_migration_check::libvirt::gather::host(&dst, virt_migration_check::facts::Needs::all(), &guest.def)
        .unwrap();
    let why = host.domain_capabilities.unwrap_err();
    assert_eq!(why.call, "virConnectGetDomainCapabilities");
    assert!(why.reason.contains("read only"), "{why}");
    assert!(host.hostname.is_ok() && host.hypervisor.is_ok() && host.libvirt_version.is_ok());
    assert_eq!(host.capabilities.unwrap().host_arch, "i686");
    assert_eq!(host.node.unwrap().cpus, 8);
    assert!(host.free_memory.is_err(), "the test driver reports no free memory");
    let domains = host.domains.unwrap();
    assert_eq!(
        domains.iter().map(|d| (d.name.as_str(), d.active, d.memory_kib)).collect::<Vec<_>>(),
        [("db1", true, 4 * 1024 * 1024)]
    );
    assert_eq!(host.networks.unwrap()[0].bridge.as_deref(), Some("br-prod"));
    // libvirt lists interfaces in no set order.
    let mut interfaces: Vec<String> = host.interfaces.unwrap().into_iter().map(|i| i.name).collect();
    interfaces.sort();
    assert_eq!(interfaces, ["br-prod", "br-storage"]);
    assert_eq!(host.pools.unwrap()[0].kind, "netfs");
    assert_eq!(host.volumes_by_path.len(), 1);
    assert_eq!(host.volumes_by_name.len(), 1);
    assert_eq!(guest.def.disks.len(), 3);
    assert_eq!(guest.state, virt_migration_check::facts::GuestState::Running);
}
