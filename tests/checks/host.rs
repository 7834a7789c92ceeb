// SPDX-License-Identifier: LGPL-2.1-or-later
//! HOST: source and destination must be different hosts, and the destination must not hold
//! another domain of the guest's name or UUID. Live on libvirt's test driver:
//! tests/test_driver.rs (dst-clash, dst-all-wrong).

use virt_migration_check::{Check, Severity};

use virt_migration_check::migration::{self, Migration};

use crate::builder::*;

const CHECK: Check = Check::Host;

const WEB_UUID: &str = "6f5b6e34-0d1c-4f4e-9a57-3c0b8d0f7a11";

fn with_domains(
    domains: Vec<virt_migration_check::facts::DomainSummary>,
) -> (virt_migration_check::Host, virt_migration_check::Host) {
    let (src, mut dst) = hosts();
    dst.domains = Ok(domains);
    (src, dst)
}

scenarios! {
    fn another_host_without_the_guest() {
        let (src, dst) = with_domains(vec![domain_summary("db", "11111111-2222-3333-4444-555555555555", true, GIB)]);
        expect_ok(&run(CHECK, &small("", ""), &src, &dst), CHECK);
    }

    fn same_host_by_uuid() {
        // Both hosts report the same host UUID (the real KVM host's capabilities), whatever
        // their URIs.
        let (mut src, mut dst) = with_domains(Vec::new());
        src.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        let f = expect(&run(CHECK, &small("", ""), &src, &dst), Severity::Error, "host.same-host", &["same host UUID"]);
        assert_eq!(detail(&f, "host_uuid"), "a25c794c-34ad-11b2-a85c-b030533115b8");
    }

    fn same_host_by_uri_and_hostname() {
        // Neither reports a UUID (libvirt's test driver): the same URI and hostname are one host.
        let mut src = host("qemu:///system");
        let mut dst = host("QEMU:///system/");
        dst.domains = Ok(Vec::new());
        src.hostname = Ok("node1.example.com".into());
        dst.hostname = Ok("NODE1.example.com".into());
        let f = expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Error,
            "host.same-host",
            &["same connection URI and hostname"],
        );
        assert_eq!(detail(&f, "hostname"), "node1.example.com");
    }

    fn the_same_uri_alone_is_no_evidence() {
        // Two snapshots assembled from one capabilities file share a URI and know no hostname;
        // two hosts of one URI with different names are two hosts.
        let src = host("file:///srv/caps.xml");
        let mut dst = host("file:///srv/caps.xml");
        dst.domains = Ok(Vec::new());
        expect_ok(&run(CHECK, &small("", ""), &src, &dst), CHECK);
        let mut named = host("file:///srv/caps.xml");
        named.hostname = Ok("node1".into());
        dst.hostname = Ok("node2".into());
        expect_ok(&run(CHECK, &small("", ""), &named, &dst), CHECK);
    }

    fn name_clash() {
        let (src, dst) = with_domains(vec![domain_summary("web", "11111111-2222-3333-4444-555555555555", false, GIB)]);
        let f = expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Error,
            "host.name-clash",
            &["'web'", "11111111-2222-3333-4444-555555555555"],
        );
        assert_eq!(detail(&f, "name"), "web");
    }

    fn uuid_clash() {
        let (src, dst) = with_domains(vec![domain_summary("other", WEB_UUID, false, GIB)]);
        expect(&run(CHECK, &small("", ""), &src, &dst), Severity::Error, "host.uuid-clash", &["'other'", WEB_UUID]);
    }

    fn already_running() {
        let (src, dst) = with_domains(vec![domain_summary("web", &WEB_UUID.to_uppercase(), true, GIB)]);
        expect(&run(CHECK, &small("", ""), &src, &dst), Severity::Error, "host.already-running", &["'web'"]);
    }

    fn defined_on_destination() {
        let (src, dst) = with_domains(vec![domain_summary("web", WEB_UUID, false, GIB)]);
        expect(&run(CHECK, &small("", ""), &src, &dst), Severity::Info, "host.defined-on-destination", &["'web'"]);
    }

    fn domain_list_unavailable() {
        let (src, mut dst) = hosts();
        dst.domains = Err(failed("virConnectListAllDomains"));
        expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Skipped,
            "host.unavailable",
            &["destination", "domain list"],
        );
    }
    fn storage_flags_exclusive() {
        let f = refused(Migration::with_flags(migration::NON_SHARED_DISK | migration::NON_SHARED_INC | migration::LIVE), "host.storage-flags-exclusive", "mutually exclusive");
        assert!(detail(&f, "libvirt_function").starts_with("qemuMigration") || detail(&f, "libvirt_function") == "virDomainMigrate3");
    }

    fn tunnelled_without_p2p() {
        let f = refused(Migration::with_flags(migration::TUNNELLED | migration::LIVE), "host.tunnelled-without-p2p", "without using peer2peer");
        assert!(detail(&f, "libvirt_function").starts_with("qemuMigration") || detail(&f, "libvirt_function") == "virDomainMigrate3");
    }


    fn offline_storage_copy() {
        let f = refused(Migration::with_flags(migration::OFFLINE | migration::PERSIST_DEST | migration::NON_SHARED_DISK), "host.offline-storage-copy", "non-shared storage");
        assert!(detail(&f, "libvirt_function").starts_with("qemuMigration") || detail(&f, "libvirt_function") == "virDomainMigrate3");
    }

    fn offline_without_persist() {
        let f = refused(Migration::with_flags(migration::OFFLINE), "host.offline-without-persist", "persistent flag");
        assert!(detail(&f, "libvirt_function").starts_with("qemuMigration") || detail(&f, "libvirt_function") == "virDomainMigrate3");
    }

    fn offline_tunnelled() {
        let f = refused(Migration::with_flags(migration::OFFLINE | migration::PERSIST_DEST | migration::TUNNELLED | migration::PEER2PEER), "host.offline-tunnelled", "does not make sense");
        assert!(detail(&f, "libvirt_function").starts_with("qemuMigration") || detail(&f, "libvirt_function") == "virDomainMigrate3");
    }

    fn postcopy_offline() {
        let f = refused(Migration::with_flags(migration::POSTCOPY | migration::OFFLINE | migration::PERSIST_DEST), "host.postcopy-not-live", "non-live or paused");
        assert!(detail(&f, "libvirt_function").starts_with("qemuMigration") || detail(&f, "libvirt_function") == "virDomainMigrate3");
    }

    fn postcopy_resume_without_postcopy() {
        let f = refused(Migration::with_flags(migration::POSTCOPY_RESUME | migration::LIVE), "host.postcopy-resume-without-postcopy", "post-copy to be enabled");
        assert!(detail(&f, "libvirt_function").starts_with("qemuMigration") || detail(&f, "libvirt_function") == "virDomainMigrate3");
    }

    fn postcopy_tunnelled() {
        let f = refused(
            Migration::with_flags(migration::POSTCOPY | migration::TUNNELLED | migration::PEER2PEER | migration::LIVE),
            "host.postcopy-tunnelled",
            "tunnelled migration",
        );
        assert_eq!(detail(&f, "libvirt_function"), "qemuMigrationSrcBeginPhase");
    }

    fn zerocopy_without_parallel() {
        let f = refused(Migration::with_flags(migration::ZEROCOPY | migration::LIVE), "host.zerocopy-without-parallel", "parallel migration");
        assert!(detail(&f, "libvirt_function").starts_with("qemuMigration") || detail(&f, "libvirt_function") == "virDomainMigrate3");
    }

    fn a_guest_not_running_without_offline() {
        let mut guest = small("", "");
        guest.state = virt_migration_check::facts::GuestState::ShutOff;
        let (src, dst) = with_domains(Vec::new());
        let m = Migration::with_flags(migration::LIVE | migration::PERSIST_DEST);
        let report = run_with(CHECK, &guest, &src, &dst, |o| o.migration = Some(m));
        let f = expect(&report, Severity::Error, "host.not-running", &["domain is not running"]);
        assert_eq!(detail(&f, "libvirt_error"), "domain is not running");
        assert_eq!(detail(&f, "libvirt_function"), "qemuMigrationSrcBegin");
    }

    fn migrate_disks_without_storage_copy() {
        // libvirt 9.0 migrates (the QEMU bed shows it), later releases refuse: a WARNING.
        let m = Migration { migrate_disks: Some(vec!["vda".into()]), ..Migration::with_flags(migration::LIVE) };
        let (src, dst) = with_domains(Vec::new());
        let report = run_with(CHECK, &disk_guest(), &src, &dst, |o| o.migration = Some(m));
        let f = expect(&report, Severity::Warning, "host.migrate-disks-without-storage-copy", &["9.0 accepts it"]);
        assert!(detail(&f, "libvirt_error").contains("'VIR_MIGRATE_PARAM_MIGRATE_DISKS'"), "{f:#?}");
    }

    fn migrate_disks_naming_a_disk_the_guest_lacks() {
        let m = Migration {
            migrate_disks: Some(vec!["vda".into(), "vdz".into()]),
            ..Migration::with_flags(migration::LIVE | migration::NON_SHARED_DISK)
        };
        let f = refused_with(m, &disk_guest(), "host.migrate-disks-unknown", "disk target vdz not found");
        assert_eq!(detail(&f, "flags"), "VIR_MIGRATE_LIVE|VIR_MIGRATE_NON_SHARED_DISK");
    }

    fn dest_name_decides_the_name_clash() {
        // The destination holds another 'web': renamed by VIR_MIGRATE_PARAM_DEST_NAME, the guest
        // does not clash; renamed to the other one's name 'db', it does.
        let (src, dst) = with_domains(vec![
            domain_summary("web", "11111111-2222-3333-4444-555555555555", false, GIB),
            domain_summary("db", "22222222-2222-3333-4444-555555555555", false, GIB),
        ]);
        let named = |name: &str| Migration { dest_name: Some(name.into()), ..Migration::with_flags(migration::LIVE) };
        let report = run_with(CHECK, &small("", ""), &src, &dst, |o| o.migration = Some(named("web2")));
        expect_ok(&report, CHECK);
        let report = run_with(CHECK, &small("", ""), &src, &dst, |o| o.migration = Some(named("db")));
        let f = expect(&report, Severity::Error, "host.name-clash", &["'db'"]);
        assert_eq!(detail(&f, "name"), "db");
        expect_none(&report, "host.name-clash-web");
    }
    fn dest_xml_unreadable() {
        let (src, dst) = with_domains(Vec::new());
        let guest = with_destination(&domain("", ""), "<domain type='kvm'>");
        let f = expect(&run(CHECK, &guest, &src, &dst), Severity::Error, "host.dest-xml-invalid", &["cannot read"]);
        assert_eq!(detail(&f, "libvirt_function"), "qemuMigrationSrcBeginXML");
    }

    fn dest_xml_changes_the_abi() {
        // Every difference, each in libvirt's words (libvirt itself stops at the first). The
        // machine is judged with the source's machines (pc-q35-6.2 is no alias there).
        let (mut src, dst) = with_domains(Vec::new());
        src.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        let changed = domain("", "").replace("pc-q35-7.2", "pc-q35-6.2").replace("<vcpu>2", "<vcpu>4");
        let report = run(CHECK, &with_destination(&domain("", ""), &changed), &src, &dst);
        let f = expect(&report, Severity::Error, "host.dest-xml-abi", &["maximum vCPUs", "2 on the source, 4 in"]);
        assert_eq!(detail(&f, "libvirt_error"), "Target domain vCPU max 4 does not match source 2");
        let errors: Vec<_> = report.findings.iter().filter(|f| f.code == "host.dest-xml-abi").collect();
        assert_eq!(errors.len(), 2, "{report:#?}");
        assert_eq!(
            detail(errors[1], "libvirt_error"),
            "Target domain machine type pc-q35-6.2 does not match source pc-q35-7.2"
        );
    }

    fn dest_xml_leaves_out_what_libvirt_fills_in() {
        let (src, dst) = with_domains(Vec::new());
        let running = domain("", "<controller type='usb' index='0' model='qemu-xhci'/>");
        let f = expect(
            &run(CHECK, &with_destination(&running, &domain("", "")), &src, &dst),
            Severity::Warning,
            "host.dest-xml-abi-unproven",
            &["controller count", "unless libvirt fills it in"],
        );
        assert_eq!(detail(&f, "libvirt_function"), "virDomainDefCheckABIStability");
    }

    fn dest_xml_machine_alias_resolved_with_the_source_machines() {
        // libvirt's test host names 'pc' an alias of pc-0.11.
        let (mut src, dst) = with_domains(Vec::new());
        src.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        let running = domain("", "").replace("pc-q35-7.2", "pc-0.11");
        let alias = domain("", "").replace("pc-q35-7.2", "pc");
        expect_ok(&run(CHECK, &with_destination(&running, &alias), &src, &dst), CHECK);
        let other = domain("", "").replace("pc-q35-7.2", "pc-0.12");
        let report = run(CHECK, &with_destination(&running, &other), &src, &dst);
        expect(&report, Severity::Error, "host.dest-xml-abi", &["pc-0.12"]);
        // The same alias against another running machine is a difference, named canonically.
        let running = domain("", "");
        let f = expect(&run(CHECK, &with_destination(&running, &alias), &src, &dst), Severity::Error, "host.dest-xml-abi", &["pc"]);
        assert_eq!(detail(&f, "libvirt_error"), "Target domain machine type pc-0.11 does not match source pc-q35-7.2");
    }

    fn persist_xml_unreadable_with_persist_dest() {
        let (src, dst) = with_domains(Vec::new());
        let mut guest = small("", "");
        guest.persistent_xml = Some(virt_migration_check::xml::abi::persistent("not xml"));
        let persist = Migration::with_flags(migration::LIVE | migration::PERSIST_DEST);
        let report = run_with(CHECK, &guest, &src, &dst, |o| o.migration = Some(persist));
        expect(&report, Severity::Error, "host.persist-xml-invalid", &["persistent XML"]);
    }

    fn persist_xml_without_persist_dest_is_ignored() {
        let (src, dst) = with_domains(Vec::new());
        let mut guest = small("", "");
        guest.persistent_xml = Some(virt_migration_check::xml::abi::persistent(&domain("", "")));
        let live = Migration::with_flags(migration::LIVE);
        let report = run_with(CHECK, &guest, &src, &dst, |o| o.migration = Some(live));
        let f = expect(&report, Severity::Info, "host.persist-xml-ignored", &["ignored"]);
        assert_eq!(detail(&f, "cleared_by"), "VIR_MIGRATE_PERSIST_DEST");
    }
}

/// The guest running as `running`, to be defined on the destination as `destination`
/// (VIR_MIGRATE_PARAM_DEST_XML).
fn with_destination(running: &str, destination: &str) -> virt_migration_check::Guest {
    let mut guest = guest(running);
    guest.destination = Some(virt_migration_check::xml::abi::destination(running, destination));
    guest
}

/// A guest with one disk, vda.
fn disk_guest() -> virt_migration_check::Guest {
    small(
        "",
        "<disk type='file' device='disk'><source file='/var/lib/libvirt/images/web.qcow2'/><target dev='vda' bus='virtio'/></disk>",
    )
}

/// The one refusal `code` of `migration` for a running guest, whose libvirt words hold `needle`.
fn refused(migration: Migration, code: &str, needle: &str) -> virt_migration_check::Finding {
    refused_with(migration, &small("", ""), code, needle)
}

fn refused_with(
    migration: Migration,
    guest: &virt_migration_check::Guest,
    code: &str,
    needle: &str,
) -> virt_migration_check::Finding {
    let (src, dst) = with_domains(Vec::new());
    let report = run_with(CHECK, guest, &src, &dst, |o| o.migration = Some(migration));
    let f = expect(&report, Severity::Error, code, &["libvirt refuses this migration"]);
    assert!(detail(&f, "libvirt_error").contains(needle), "{f:#?}");
    assert_eq!(report.findings.iter().filter(|f| f.severity == Severity::Error).count(), 1, "{report:#?}");
    f
}
