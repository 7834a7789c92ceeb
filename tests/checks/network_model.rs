// SPDX-License-Identifier: LGPL-2.1-or-later
//! NETWORK_MODEL: every NIC model must exist in the destination's QEMU (by the version that
//! introduced it), and every backend in its domain capabilities. libvirt's net-many-models test
//! domain and real domain capabilities; more: tests/devices.rs.

use virt_migration_check::{Check, Severity};

use crate::builder::*;

const CHECK: Check = Check::NetworkModel;

fn with_model(model: &str) -> virt_migration_check::Guest {
    small("", &format!("<interface type='user'><mac address='52:54:00:aa:bb:cc'/><model type='{model}'/></interface>"))
}

fn qemu_dst(version: u64) -> (virt_migration_check::Host, virt_migration_check::Host) {
    let (src, mut dst) = hosts();
    dst.hypervisor = Ok(qemu(version));
    (src, dst)
}

scenarios! {
    fn known_models() {
        let (src, dst) = qemu_dst(7_002_000);
        expect_ok(&run(CHECK, &with_model("virtio"), &src, &dst), CHECK);
        expect_ok(&run(CHECK, &with_model("e1000e"), &src, &dst), CHECK);
    }

    fn model_newer_than_the_destinations_qemu() {
        let (src, dst) = qemu_dst(7_002_000);
        let f = expect(
            &run(CHECK, &with_model("igb"), &src, &dst),
            Severity::Error,
            "network_model.unsupported",
            &["'igb'", "QEMU 8.0.0", "7.2.0"],
        );
        assert_eq!(detail(&f, "model"), "igb");
    }

    fn unknown_model() {
        // libvirt's net-many-models: 'idontexist' and Xen's 'netfront' are not QEMU's.
        let (src, dst) = qemu_dst(10_000_000);
        let report = run(CHECK, &guest(&fixture("net-many-models.xml")), &src, &dst);
        expect(&report, Severity::Warning, "network_model.unknown-model", &["'idontexist'"]);
        expect(&report, Severity::Warning, "network_model.unknown-model", &["'netfront'"]);
    }

    fn backend_unsupported() {
        // QEMU 7.2's domain capabilities offer the default and passt backends; a QEMU built without
        // passt offers the default one only.
        let (src, mut dst) = qemu_dst(7_002_000);
        let mut offered = domcaps("qemu_7.2.0-q35.x86_64.xml");
        offered.device_enums.insert("interface.backendType".into(), vec!["default".into()]);
        dst.domain_capabilities = Ok(vec![offered]);
        let passt =
            small("", "<interface type='user'><mac address='52:54:00:aa:bb:cc'/><backend type='passt'/></interface>");
        let f = expect(
            &run(CHECK, &passt, &src, &dst),
            Severity::Error,
            "network_model.backend-unsupported",
            &["'passt'", "52:54:00:aa:bb:cc"],
        );
        assert_eq!(detail(&f, "offered"), "default");
    }

    fn vhostuser_unverified() {
        let (src, dst) = qemu_dst(7_002_000);
        let vhost = small(
            "",
            "<interface type='vhostuser'><mac address='52:54:00:aa:bb:cc'/><source type='unix' \
                path='/run/vhost.sock' mode='client'/><model type='virtio'/></interface>",
        );
        expect(
            &run(CHECK, &vhost, &src, &dst),
            Severity::Warning,
            "network_model.vhostuser-unverified",
            &["vhost-user", "52:54:00:aa:bb:cc"],
        );
    }

    fn other_hypervisors_unknowable() {
        let (src, mut dst) = hosts();
        dst.hypervisor = Ok(virt_migration_check::facts::Hypervisor { driver: "Xen".into(), version: 4_017_000 });
        expect(&run(CHECK, &with_model("virtio"), &src, &dst), Severity::Skipped, "network_model.unknowable", &["Xen"]);
    }

    fn hypervisor_unavailable() {
        let (src, dst) = hosts();
        expect(
            &run(CHECK, &with_model("virtio"), &src, &dst),
            Severity::Skipped,
            "network_model.unavailable",
            &["destination", "hypervisor type and version"],
        );
    }
}
