// SPDX-License-Identifier: LGPL-2.1-or-later
//! HOSTDEV: host devices tie a guest to its host (libvirt refuses PCI, SCSI, mdev and
//! interface type='hostdev'; transient teaming is unplugged; USB is re-attached), and whether
//! the destination could give its mdevs and SR-IOV VFs back. libvirt's hostdev test domains,
//! networks and node devices. More, through snapshots and live on libvirt's test driver:
//! tests/devices.rs (host devices, mdev types, SR-IOV pool networks).

use virt_migration_check::{Check, Severity};

use crate::builder::*;

const CHECK: Check = Check::Hostdev;

/// A guest with mediated devices of these UUIDs.
fn mdev_guest(uuids: &[&str]) -> virt_migration_check::Guest {
    let devices: String = uuids
        .iter()
        .map(|u| format!("<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source><address uuid='{u}'/></source></hostdev>"))
        .collect();
    small("", &devices)
}

/// libvirt's vfio_ccw-io mdevs on the source; `parents` on the destination.
fn mdev_hosts(parents: &[&str]) -> (virt_migration_check::Host, virt_migration_check::Host) {
    let (mut src, mut dst) = hosts();
    src.node_devices = Ok(vec![
        node_device("mdev_cc000052_9b13_9b13_9b13_cc23009b1326.xml"),
        node_device("mdev_c60cc60c_c60c_c60c_c60c_c60cc60cc60c.xml"),
    ]);
    dst.node_devices = Ok(parents.iter().map(|p| node_device(p)).collect());
    (src, dst)
}

const CCW_A: &str = "cc000052-9b13-9b13-9b13-cc23009b1326";
const CCW_B: &str = "c60cc60c-c60c-c60c-c60c-c60cc60cc60c";

/// A guest NIC taking a VF from network 'hostdev' (an SR-IOV pool).
fn pool_nic() -> virt_migration_check::Guest {
    small("", "<interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='hostdev'/></interface>")
}

scenarios! {
    fn no_host_devices() {
        let (src, dst) = hosts();
        expect_ok(&run(CHECK, &small("", ""), &src, &dst), CHECK);
    }

    fn pci() {
        let (src, dst) = hosts();
        let f = expect(
            &run(CHECK, &guest(&fixture("hostdev-vfio.xml")), &src, &dst),
            Severity::Error,
            "hostdev.pci",
            &["host device #1 (subsystem pci)"],
        );
        assert_eq!(detail(&f, "type"), "pci");
    }

    fn pci_failover() {
        let (src, dst) = hosts();
        let report = run(CHECK, &guest(&fixture("net-virtio-teaming-hostdev.xml")), &src, &dst);
        expect(
            &report,
            Severity::Warning,
            "hostdev.pci-failover",
            &["host device #2 (subsystem pci)", "transient teaming"],
        );
        expect_none(&report, "hostdev.pci");
    }

    fn usb() {
        let (src, dst) = hosts();
        expect(
            &run(CHECK, &guest(&fixture("hostdev-usb-address.xml")), &src, &dst),
            Severity::Warning,
            "hostdev.usb",
            &["host device #1 (subsystem usb)"],
        );
    }

    fn mdev() {
        // libvirt's vfio-ccw test domain; its mdev is no node device of the source.
        let (mut src, mut dst) = hosts();
        src.node_devices = Ok(Vec::new());
        dst.node_devices = Ok(Vec::new());
        let report = run(CHECK, &guest(&fixture("hostdev-subsys-mdev-vfio-ccw.xml")), &src, &dst);
        expect(&report, Severity::Error, "hostdev.mdev", &["90c6c135-ad44-41d0-b1b7-bae47de48627"]);
        let f =
            expect(&report, Severity::Skipped, "hostdev.mdev-type-unknown", &["90c6c135-ad44-41d0-b1b7-bae47de48627"]);
        assert_eq!(detail(&f, "uuid"), "90c6c135-ad44-41d0-b1b7-bae47de48627");
    }

    fn capabilities_mode() {
        let (src, dst) = hosts();
        let caps_dev = small(
            "",
            "<hostdev mode='capabilities' type='storage'><source><block>/dev/sdf1</block></source></hostdev>",
        );
        expect(
            &run(CHECK, &caps_dev, &src, &dst),
            Severity::Error,
            "hostdev.capabilities-mode",
            &["host device #1 (capabilities storage)"],
        );
    }

    fn other_kinds() {
        let (src, dst) = hosts();
        let scsi = small(
            "",
            "<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/><address bus='0' target='0' \
                unit='0'/></source></hostdev>",
        );
        expect(
            &run(CHECK, &scsi, &src, &dst),
            Severity::Error,
            "hostdev.unsupported",
            &["host device #1 (subsystem scsi)", "a scsi host device"],
        );
    }

    fn interface_hostdev() {
        let (src, dst) = hosts();
        expect(
            &run(CHECK, &guest(&fixture("net-hostdev.xml")), &src, &dst),
            Severity::Error,
            "hostdev.interface",
            &["interface 00:11:22:33:44:55", "SR-IOV VF"],
        );
    }

    fn interface_from_an_sriov_pool() {
        // libvirt's hostdev network: four VFs listed.
        let (mut src, mut dst) = hosts();
        src.networks = Ok(vec![network("hostdev.xml", true)]);
        dst.networks = Ok(vec![network("hostdev.xml", true)]);
        let report = run(CHECK, &pool_nic(), &src, &dst);
        expect(&report, Severity::Error, "hostdev.interface", &["interface 52:54:00:aa:bb:cc"]);
        expect_none(&report, "hostdev.vf-no-capacity");
    }

    fn interface_failover() {
        let (src, dst) = hosts();
        let teamed = small(
            "",
            "<interface type='hostdev'><mac address='52:54:00:aa:bb:cc'/><source><address type='pci' domain='0x0000' \
                bus='0x03' slot='0x07' function='0x1'/></source><teaming type='transient' persistent='ua-backup0'/></interface>",
        );
        expect(
            &run(CHECK, &teamed, &src, &dst),
            Severity::Warning,
            "hostdev.interface-failover",
            &["interface 52:54:00:aa:bb:cc", "transient teaming"],
        );
    }

    fn vf_no_capacity() {
        let (mut src, mut dst) = hosts();
        src.networks = Ok(vec![network("hostdev.xml", true)]);
        let mut busy = network("hostdev.xml", true);
        busy.connections = busy.vf_count as u64;
        dst.networks = Ok(vec![busy]);
        let f = expect(
            &run(CHECK, &pool_nic(), &src, &dst),
            Severity::Error,
            "hostdev.vf-no-capacity",
            &["'hostdev'", "0 free VF(s) of 4"],
        );
        assert_eq!(detail(&f, "in_use"), "4");
    }

    fn vf_count_unknown() {
        // libvirt's PF-only definition lists no VFs until it is active.
        let (mut src, mut dst) = hosts();
        src.networks = Ok(vec![network("hostdev.xml", true)]);
        dst.networks = Ok(vec![network("hostdev-pf.xml", false)]);
        expect(
            &run(CHECK, &pool_nic(), &src, &dst),
            Severity::Skipped,
            "hostdev.vf-count-unknown",
            &["'hostdev'", "lists no VFs"],
        );
    }

    fn mdev_type_available() {
        let (src, dst) = mdev_hosts(&["css_0_0_fffe_mdev_types.xml"]);
        let f = expect(
            &run(CHECK, &mdev_guest(&[CCW_A]), &src, &dst),
            Severity::Info,
            "hostdev.mdev-type-available",
            &["'vfio_ccw-io'", "css_0_0_fffe"],
        );
        assert_eq!(detail(&f, "available"), "1");
    }

    fn mdev_no_capacity() {
        let (src, dst) = mdev_hosts(&["css_0_0_fffe_mdev_types.xml"]);
        expect(
            &run(CHECK, &mdev_guest(&[CCW_A, CCW_B]), &src, &dst),
            Severity::Error,
            "hostdev.mdev-no-capacity",
            &["'vfio_ccw-io'", "1 free instance(s)", "needs 2"],
        );
    }

    fn mdev_type_missing() {
        // The destination's only parent offers types foo1 and foo2.
        let (src, dst) = mdev_hosts(&["pci_0000_02_10_7_mdev_types.xml"]);
        expect(
            &run(CHECK, &mdev_guest(&[CCW_A]), &src, &dst),
            Severity::Error,
            "hostdev.mdev-type-missing",
            &["'vfio_ccw-io'"],
        );
    }

    fn facts_unavailable() {
        let (src, dst) = hosts();
        expect(
            &run(CHECK, &mdev_guest(&[CCW_A]), &src, &dst),
            Severity::Skipped,
            "hostdev.unavailable",
            &["source", "node devices"],
        );
        let (src, mut dst) = mdev_hosts(&[]);
        dst.node_devices = Err(failed("virConnectListAllNodeDevices"));
        expect(
            &run(CHECK, &mdev_guest(&[CCW_A]), &src, &dst),
            Severity::Skipped,
            "hostdev.unavailable",
            &["destination", "node devices"],
        );
        let (mut src, dst) = hosts();
        src.networks = Ok(vec![network("hostdev.xml", true)]);
        expect(
            &run(CHECK, &pool_nic(), &src, &dst),
            Severity::Skipped,
            "hostdev.unavailable",
            &["destination", "SR-IOV pools"],
        );
    }
}
