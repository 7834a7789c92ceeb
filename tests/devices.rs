// SPDX-License-Identifier: LGPL-2.1-or-later
//! Devices, platform and libvirt's own migration blockers (proposal items 6b, 7b, 8, 9 and the
//! MACHINE and DEVICES checks) on real domain XML and real domain capabilities of QEMU 4.2,
//! 7.2 and 10.0 (x86_64 and s390x) from libvirt's test data, through snapshots; and live on
//! libvirt's test driver where it applies.

mod common;

use common::{open, problems, read};
use virt_migration_check::facts::{Hypervisor, Snapshot};
use virt_migration_check::xml::snapshot::{SavedDocuments, assemble, write};
use virt_migration_check::{Finding, Flags, Options, Report, Severity};

fn host(caps: &str, domcaps: &[&str], qemu: Option<u64>) -> Snapshot {
    let doc = |p: String| (p.clone(), read(&format!("fixtures/{p}")));
    let saved = SavedDocuments {
        capabilities: doc(format!("host-caps/{caps}")),
        domain_capabilities: domcaps.iter().map(|d| doc(format!("domcaps/domaincapsdata/{d}"))).collect(),
        ..SavedDocuments::default()
    };
    let mut snapshot = assemble(&saved, &format!("file:///{caps}"), "2026-11-26T00:00:00Z").unwrap();
    // Saved XML does not carry the QEMU version; an administrator knows it.
    if let Some(version) = qemu {
        snapshot.hypervisor = Ok(Hypervisor { driver: "QEMU".into(), version });
    }
    snapshot
}

/// A KVM x86_64 host (the real Haswell host's capabilities) with QEMU `version`'s domain
/// capabilities.
fn kvm_host(domcaps: &str, version: u64) -> Snapshot {
    host("capabilityschemadata/caps-qemu-kvm.xml", &[domcaps], Some(version))
}

/// A real guest, made a KVM guest where the fixture says TCG (the domain capabilities are KVM's).
fn guest(name: &str) -> String {
    read(&format!("fixtures/domains/qemuxmlconfdata/{name}")).replacen("<domain type='qemu'>", "<domain type='kvm'>", 1)
}

fn check(domain: &str, dst: &Snapshot, flags: Flags) -> Report {
    let options = Options::from_flags(flags.bits(), virt_migration_check::supported_checks()).unwrap();
    virt_migration_check::check_xml_with_options(domain, None, &write(dst), &options).unwrap()
}

fn only(report: &Report, code: &str) -> Finding {
    let found: Vec<_> = report.with_code(code).collect();
    assert_eq!(found.len(), 1, "{code} in {report:#?}");
    found[0].clone()
}

#[test]
fn nic_models_by_qemu_version() {
    let many = guest("net-many-models.xml");
    let report = check(&many, &kvm_host("qemu_7.2.0.x86_64.xml", 7_002_000), Flags::NETWORK_MODEL);
    // vmxnet3, ne2k_pci, pcnet and 'ViRtIo' are QEMU's; 'idontexist' and Xen's 'netfront' are not.
    let unknown: Vec<_> = report.with_code("network_model.unknown-model").map(|f| f.message.to_string()).collect();
    assert_eq!(unknown.len(), 2, "{report:#?}");
    assert!(unknown[0].contains("idontexist") && unknown[1].contains("netfront"));
    // igb arrived in QEMU 8.0.
    let igb = many.replace("<model type='vmxnet3'/>", "<model type='igb'/>");
    let f = only(
        &check(&igb, &kvm_host("qemu_7.2.0.x86_64.xml", 7_002_000), Flags::NETWORK_MODEL),
        "network_model.unsupported",
    );
    assert!(f.message.contains("'igb'") && f.message.contains("QEMU 8.0.0"), "{}", f.message);
    assert!(
        check(&igb, &kvm_host("qemu_10.0.0.x86_64.xml", 10_000_000), Flags::NETWORK_MODEL)
            .with_code("network_model.unsupported")
            .next()
            .is_none()
    );
    // Without the hypervisor's version it cannot be judged.
    let unknown_version = host("capabilityschemadata/caps-qemu-kvm.xml", &[], None);
    assert_eq!(
        only(&check(&many, &unknown_version, Flags::NETWORK_MODEL), "network_model.unavailable").severity,
        Severity::Skipped
    );
}

#[test]
fn disk_buses_and_devices_from_domain_capabilities() {
    // An s390x host offers no IDE or SATA bus.
    let s390 = host("qemucaps2xmloutdata/caps.s390x.xml", &["qemu_10.0.0.s390x.xml"], Some(10_000_000));
    let guest = read("hosts/parts/web1.xml")
        .replace("<domain type='test'", "<domain type='kvm'")
        .replace("<type arch='i686'>hvm</type>", "<type arch='s390x' machine='s390-ccw-virtio'>hvm</type>");
    let report = check(&guest, &s390, Flags::DISK_MODEL);
    let f = only(&report, "disk_model.unsupported");
    assert!(f.message.contains("disk hdc") && f.message.contains("'ide'"), "{}", f.message);
    // Without domain capabilities (a read-only connection, libvirt's test driver) it says so.
    let report = check(&guest, &host("qemucaps2xmloutdata/caps.s390x.xml", &[], None), Flags::DISK_MODEL);
    assert_eq!(only(&report, "disk_model.unavailable").severity, Severity::Skipped);
}

#[test]
fn device_models_against_domain_capabilities() {
    // QEMU 4.2's swtpm reported TPM 1.2 only: a TPM 2.0 guest cannot go there; QEMU 7.2 is fine.
    let tpm2 = guest("tpm-emulator-tpm2.xml");
    let f =
        only(&check(&tpm2, &kvm_host("qemu_4.2.0.x86_64.xml", 4_002_000), Flags::DEVICES), "devices.model-unsupported");
    assert!(f.message.contains("TPM version 2.0"), "{}", f.message);
    assert!(check(&tpm2, &kvm_host("qemu_7.2.0.x86_64.xml", 7_002_000), Flags::DEVICES).errors().next().is_none());
    // A video model whose QEMU module is absent: libvirt drops it from the domain capabilities
    // (docs/testbed.md: "domain configuration does not support video model 'virtio'").
    let mut no_virtio_gpu = kvm_host("qemu_7.2.0.x86_64.xml", 7_002_000);
    if let Ok(docs) = &mut no_virtio_gpu.domain_capabilities {
        let video = docs[0].find("<enum name='modelType'>").unwrap();
        let cut = docs[0][video..].find("<value>virtio</value>").unwrap() + video;
        docs[0].replace_range(cut..cut + "<value>virtio</value>".len(), "");
    }
    let video_guest =
        guest("tpm-emulator-tpm2.xml").replace("</devices>", "<video><model type='virtio'/></video></devices>");
    let f = only(&check(&video_guest, &no_virtio_gpu, Flags::DEVICES), "devices.model-unsupported");
    assert!(f.message.contains("video model 'virtio'"), "{}", f.message);
}

#[test]
fn machine_type_emulator_virt_type_and_firmware() {
    let dst = kvm_host("qemu_7.2.0.x86_64.xml", 7_002_000);
    // The Haswell host's QEMU knows 'pc' (an alias) but no pc-q35-10.0.
    let base = guest("tpm-emulator-tpm2.xml").replace("machine='pc-i440fx-2.12'", "machine='pc'");
    assert!(check(&base, &dst, Flags::MACHINE).errors().next().is_none(), "{:#?}", check(&base, &dst, Flags::MACHINE));
    let newer = base.replace("machine='pc'", "machine='pc-q35-10.0'");
    let f = only(&check(&newer, &dst, Flags::MACHINE), "machine.type-unsupported");
    assert!(f.message.contains("'pc-q35-10.0'"), "{}", f.message);
    // An emulator path the destination lacks.
    let other = base.replace("/usr/bin/qemu-system-x86_64", "/opt/qemu-10/bin/qemu-system-x86_64");
    assert_eq!(only(&check(&other, &dst, Flags::MACHINE), "machine.emulator-missing").severity, Severity::Error);
    // A KVM guest on a host offering only TCG and HVF.
    let hvf = host("qemucaps2xmloutdata/caps.x86_64+hvf.xml", &[], None);
    let f = only(
        &check(&base.replace("machine='pc'", "machine='pc-i440fx-2.12'"), &hvf, Flags::MACHINE),
        "machine.virt-type-unavailable",
    );
    assert!(f.message.contains("'kvm'"), "{}", f.message);
    // Firmware the destination does not have.
    let efi = base.replace("<os>", "<os><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>");
    let f = only(&check(&efi, &dst, Flags::MACHINE), "machine.loader-missing");
    assert!(f.hint.as_deref().unwrap().contains("/obviously/fake/firmware1.fd"));
}

#[test]
fn tsc_frequency_and_invtsc() {
    // invtsc with the TSC pinned to 4.57 GHz; the Haswell host runs at 2.597 GHz, no scaling.
    let tsc = guest("cpu-tsc-frequency.xml");
    let dst = kvm_host("qemu_7.2.0.x86_64.xml", 7_002_000);
    let f = only(&check(&tsc, &dst, Flags::TIME), "time.tsc-unavailable");
    assert!(f.message.contains("4567890000") && f.message.contains("2596991000"), "{}", f.message);
    // Pinned to the host's own frequency: fine. A cold migration does not care.
    assert!(check(&tsc.replace("4567890000", "2596991000"), &dst, Flags::TIME).errors().next().is_none());
    assert!(check(&tsc, &dst, Flags::TIME | Flags::OFFLINE).errors().next().is_none());
    // invtsc without a pinned frequency: libvirt refuses whatever the destination.
    let unpinned = tsc.replace("<timer name='tsc' frequency='4567890000'/>", "");
    assert_eq!(only(&check(&unpinned, &dst, Flags::TIME), "time.invtsc-unpinned").severity, Severity::Error);
}

#[test]
fn host_devices() {
    let dst = kvm_host("qemu_7.2.0.x86_64.xml", 7_002_000);
    // Every assigned PCI device is its own show-stopper.
    let vfio = check(&guest("hostdev-vfio.xml"), &dst, Flags::HOSTDEV);
    let pci: Vec<_> = vfio.with_code("hostdev.pci").collect();
    assert_eq!(pci.len(), read("fixtures/domains/qemuxmlconfdata/hostdev-vfio.xml").matches("<hostdev ").count());
    assert!(pci.iter().all(|f| f.severity == Severity::Error && f.hint.is_some()));
    assert_eq!(
        only(&check(&guest("hostdev-usb-address.xml"), &dst, Flags::HOSTDEV), "hostdev.usb").severity,
        Severity::Warning
    );
    let net = check(&read("fixtures/domains/qemuxmlconfdata/net-hostdev.xml"), &dst, Flags::HOSTDEV);
    assert_eq!(only(&net, "hostdev.interface").severity, Severity::Error);
    // A VF teamed with a virtio NIC (failover) is unplugged for the migration.
    let teaming = check(&guest("net-virtio-teaming-hostdev.xml"), &dst, Flags::HOSTDEV);
    assert!(teaming.errors().next().is_none(), "{teaming:#?}");
    assert!(
        teaming.findings.iter().any(|f| f.code.ends_with("failover") && f.severity == Severity::Warning),
        "{teaming:#?}"
    );
}

#[test]
fn libvirts_own_blockers() {
    let dst = kvm_host("qemu_7.2.0.x86_64.xml", 7_002_000);
    let code_of = |name: &str| problems(&check(&guest(name), &dst, Flags::DEVICES));
    assert!(code_of("disk-transient.xml").contains(&"devices.transient-disk".to_string()));
    assert!(code_of("vhost-user-fs-sock.xml").contains(&"devices.virtiofs".to_string()));
    assert!(code_of("tpm-passthrough.xml").contains(&"devices.tpm-passthrough".to_string()));
    // shmem0 has no role (not master), shmem1 is a peer; shmem2 is the master.
    let shmem: Vec<_> = check(&guest("shmem-plain-doorbell.xml"), &dst, Flags::DEVICES)
        .with_code("devices.shmem-not-master")
        .map(|f| f.message.to_string())
        .collect();
    assert!(shmem.iter().any(|m| m.contains("'shmem0'")) && shmem.iter().any(|m| m.contains("'shmem1'")), "{shmem:?}");
}

#[test]
fn unsafe_storage_and_snapshots_live_on_the_test_driver() {
    virt::error::clear_error_callback();
    // A guest whose disks lie in a dir pool of its host (dst-local-dir as source): local or an
    // NFS mount, which only statfs on that host tells (qemuMigrationSrcIsSafe), so a WARNING
    // saying so, never a false ERROR.
    let src = virt::connect::Connect::open(Some(&common::host_uri("dst-local-dir"))).unwrap();
    let dom = src.define_domain_xml(&read("hosts/parts/web1.xml")).unwrap();
    dom.create().unwrap();
    let dst = open("dst-ok");
    let flags = Flags::DEVICES;
    let report = virt_migration_check::check(&src, &dst, &dom, flags.bits()).unwrap();
    assert!(report.with_code("devices.unsafe-storage").next().is_none(), "{report:#?}");
    let unknown: Vec<_> = report.with_code("devices.storage-unknown").collect();
    assert_eq!(unknown.len(), 2, "{report:#?}");
    assert!(unknown.iter().all(|f| f.severity == Severity::Warning
        && f.hint.as_deref().unwrap().contains("--copy-storage-all")
        && f.hint.as_deref().unwrap().contains("--shared-filesystem")));
    // --copy-storage-all clears it, and so does the caller's word that the directory is shared.
    let report = virt_migration_check::check(&src, &dst, &dom, (flags | Flags::NON_SHARED_DISK).bits()).unwrap();
    assert!(report.with_code("devices.storage-unknown").next().is_none());
    let mut options =
        virt_migration_check::Options::from_flags(flags.bits(), virt_migration_check::supported_checks()).unwrap();
    options.shared_filesystems = vec!["/srv/nfs".to_string()];
    let report = virt_migration_check::check_with_options(&src, &dst, &dom, &options).unwrap();
    let left: Vec<_> = report.with_code("devices.storage-unknown").collect();
    assert!(left.len() < 2 && left.iter().all(|f| !f.message.contains("/srv/nfs/web1-data.img")), "{report:#?}");
    // A snapshot: libvirt refuses to migrate the domain.
    // (The virt crate has no snapshot-create call; the test driver's state is per connection,
    // so it must be made on this one.)
    let xml = std::ffi::CString::new("<domainsnapshot><name>before-upgrade</name></domainsnapshot>").unwrap();
    // SAFETY: a valid domain and a NUL-terminated XML string; the snapshot handle is freed.
    unsafe {
        let snapshot = virt::sys::virDomainSnapshotCreateXML(dom.as_ptr(), xml.as_ptr(), 0);
        assert!(!snapshot.is_null());
        virt::sys::virDomainSnapshotFree(snapshot);
    }
    let report = virt_migration_check::check(&src, &dst, &dom, (flags | Flags::NON_SHARED_DISK).bits()).unwrap();
    let f = only(&report, "devices.snapshots");
    assert!(f.message.contains("1 snapshot"), "{}", f.message);
}

/// A host whose node devices are libvirt's test data files `devices`.
fn host_with_node_devices(devices: &[&str]) -> Snapshot {
    let doc = |p: String| (p.clone(), read(&format!("fixtures/{p}")));
    let saved = SavedDocuments {
        capabilities: doc("host-caps/capabilityschemadata/caps-qemu-kvm.xml".into()),
        node_devices: devices.iter().map(|d| doc(format!("host-caps/nodedevschemadata/{d}"))).collect(),
        ..SavedDocuments::default()
    };
    assemble(&saved, "file:///node-devices", "2026-11-26T00:00:00Z").unwrap()
}

#[test]
fn mdev_types_and_free_instances_on_the_destination() {
    // The s390x vfio-ccw guest, pointed at the source's real mdev node device c60cc60c… (type
    // vfio_ccw-io); the destination is a CSS subchannel offering that type (1 free) or a PCI
    // device offering only foo1/foo2.
    let ccw = read("fixtures/domains/qemuxmlconfdata/hostdev-subsys-mdev-vfio-ccw.xml")
        .replace("90c6c135-ad44-41d0-b1b7-bae47de48627", "c60cc60c-c60c-c60c-c60c-c60cc60cc60c");
    assert!(ccw.contains("c60cc60c-c60c"));
    let src = write(&host_with_node_devices(&[
        "mdev_c60cc60c_c60c_c60c_c60c_c60cc60cc60c.xml",
        "mdev_cc000052_9b13_9b13_9b13_cc23009b1326.xml",
        "css_0_0_fffe_mdev_types.xml",
    ]));
    let judge = |domain: &str, dst: &[&str]| {
        let options = Options::from_flags(Flags::HOSTDEV.bits(), virt_migration_check::supported_checks()).unwrap();
        virt_migration_check::check_xml_with_options(domain, Some(&src), &write(&host_with_node_devices(dst)), &options)
            .unwrap()
    };
    let report = judge(&ccw, &["css_0_0_fffe_mdev_types.xml"]);
    // libvirt still refuses the mdev itself; the destination could create its type.
    assert_eq!(only(&report, "hostdev.mdev").severity, Severity::Error);
    let f = only(&report, "hostdev.mdev-type-available");
    assert_eq!(f.severity, Severity::Info);
    assert!(f.message.contains("vfio_ccw-io") && f.message.contains("css_0_0_fffe"), "{}", f.message);

    let f = only(&judge(&ccw, &["pci_0000_02_10_7_mdev_types.xml"]), "hostdev.mdev-type-missing");
    assert!(f.message.contains("'vfio_ccw-io'"), "{}", f.message);

    // Two mdevs of that type (the source's second real one, cc000052…): one free instance.
    let hostdev_start = ccw.find("<hostdev").unwrap();
    let hostdev_end = ccw.find("</hostdev>").unwrap() + "</hostdev>".len();
    let second = ccw[hostdev_start..hostdev_end]
        .replace("c60cc60c-c60c-c60c-c60c-c60cc60cc60c", "cc000052-9b13-9b13-9b13-cc23009b1326");
    let two = ccw.replacen("</hostdev>", &format!("</hostdev>\n    {second}"), 1);
    let f = only(&judge(&two, &["css_0_0_fffe_mdev_types.xml"]), "hostdev.mdev-no-capacity");
    assert!(f.message.contains("1 free instance(s), the guest needs 2"), "{}", f.message);

    // A source that does not know the mdev (another host's node devices): SKIPPED, not guessed.
    let other = ccw.replace("c60cc60c-c60c-c60c-c60c-c60cc60cc60c", "3627463d-b7f0-4fea-b468-f1da537d301b");
    assert_eq!(
        only(&judge(&other, &["css_0_0_fffe_mdev_types.xml"]), "hostdev.mdev-type-unknown").severity,
        Severity::Skipped
    );
}

#[test]
fn mdev_node_devices_are_gathered_live_on_the_test_driver() {
    // A guest with an mdev on libvirt's test driver: the live gatherer lists both hosts' node
    // devices (test:///default has none that is an mdev), so the type is unknown, SKIPPED with
    // that reason, and not "not gathered".
    virt::error::clear_error_callback();
    let src = virt::connect::Connect::open(Some(&common::host_uri("src"))).unwrap();
    let xml = read("hosts/parts/web1.xml")
        .replace("<name>web1</name>", "<name>vgpu1</name>")
        .replace("3b1c6f2a-9a5e-4f0e-8d1e-1d2c3b4a5f60", "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e")
        .replacen(
            "<devices>",
            "<devices><hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address \
                uuid='c60cc60c-c60c-c60c-c60c-c60cc60cc60c'/></source></hostdev>",
            1,
        );
    let dom = src.define_domain_xml(&xml).unwrap();
    let dst = virt::connect::Connect::open_read_only(Some("test:///default")).unwrap();
    let report = virt_migration_check::check(&src, &dst, &dom, Flags::HOSTDEV.bits()).unwrap();
    assert_eq!(only(&report, "hostdev.mdev").severity, Severity::Error);
    let f = only(&report, "hostdev.mdev-type-unknown");
    assert!(f.message.contains("c60cc60c-c60c-c60c-c60c-c60cc60cc60c"), "{}", f.message);
}

#[test]
fn sr_iov_pool_networks_need_free_vfs_on_the_destination() {
    // libvirt's SR-IOV pool network (4 VFs listed) on both hosts; the guest takes two VFs.
    let pool = read("fixtures/networks/networkxml2xmlin/hostdev.xml");
    let host_with = |network: &str| {
        let saved = SavedDocuments {
            capabilities: ("caps".into(), read("fixtures/host-caps/capabilityschemadata/caps-qemu-kvm.xml")),
            networks: vec![("hostdev".into(), network.to_string())],
            ..SavedDocuments::default()
        };
        write(&assemble(&saved, "file:///sriov", "2026-11-26T00:00:00Z").unwrap())
    };
    let vf = "<interface type='network'><source network='hostdev'/></interface>";
    let guest = guest("cpu-Haswell.xml").replacen("<devices>", &format!("<devices>{vf}{vf}"), 1);
    assert!(guest.contains(vf));
    let options = Options::from_flags(Flags::HOSTDEV.bits(), virt_migration_check::supported_checks()).unwrap();
    let judge = |dst: &str| {
        virt_migration_check::check_xml_with_options(&guest, Some(&host_with(&pool)), dst, &options).unwrap()
    };

    // Every VF free: only libvirt's own refusal of VF interfaces remains.
    let report = judge(&host_with(&pool));
    assert_eq!(report.with_code("hostdev.interface").count(), 2, "{report:#?}");
    assert_eq!(report.with_code("hostdev.vf-no-capacity").count(), 0, "{report:#?}");
    // Three of the four in use (an active network's <forward connections>): one free, two needed.
    let busy = pool
        .replace("<forward mode='hostdev' managed='yes'>", "<forward mode='hostdev' managed='yes' connections='3'>");
    assert_ne!(busy, pool);
    let f = only(&judge(&host_with(&busy)), "hostdev.vf-no-capacity");
    assert!(
        f.message.contains("network 'hostdev'") && f.message.contains("1 free VF(s) of 4, the guest needs 2"),
        "{}",
        f.message
    );
    // Defined by its PF only (inactive): the VFs are not listed, so the answer is unknown.
    let by_pf = read("fixtures/networks/networkxml2xmlin/hostdev-pf.xml");
    assert_eq!(only(&judge(&host_with(&by_pf)), "hostdev.vf-count-unknown").severity, Severity::Skipped);
}
