// SPDX-License-Identifier: LGPL-2.1-or-later
//! DISK_MODEL: every disk's bus and device kind must be offered by the destination's emulator
//! for the guest's machine (real domain capabilities of QEMU 7.2's q35). More: tests/devices.rs
//! (an s390x host).

use virt_migration_check::{Check, Severity};

use crate::builder::*;

const CHECK: Check = Check::DiskModel;

fn disk(bus: &str, device: &str) -> virt_migration_check::Guest {
    small(
        "",
        &format!(
            "<disk type='file' device='{device}'><source file='/var/lib/libvirt/images/web.img'/><target dev='sda' bus='{bus}'/></disk>"
        ),
    )
}

fn q35_dst() -> (virt_migration_check::Host, virt_migration_check::Host) {
    let (src, mut dst) = hosts();
    dst.domain_capabilities = Ok(vec![domcaps("qemu_7.2.0-q35.x86_64.xml")]);
    (src, dst)
}

scenarios! {
    fn offered_bus_and_device() {
        let (src, dst) = q35_dst();
        expect_ok(&run(CHECK, &disk("sata", "disk"), &src, &dst), CHECK);
    }

    fn bus_not_offered() {
        // q35 has no IDE bus.
        let (src, dst) = q35_dst();
        let f = expect(
            &run(CHECK, &disk("ide", "cdrom"), &src, &dst),
            Severity::Error,
            "disk_model.unsupported",
            &["disk sda", "bus 'ide'", "pc-q35-7.2"],
        );
        assert_eq!(detail(&f, "bus"), "ide");
    }

    fn device_not_offered() {
        let (src, mut dst) = q35_dst();
        if let Ok(all) = &mut dst.domain_capabilities {
            all[0].device_enums.insert("disk.diskDevice".into(), vec!["disk".into()]);
        }
        expect(
            &run(CHECK, &disk("sata", "cdrom"), &src, &dst),
            Severity::Error,
            "disk_model.unsupported",
            &["device 'cdrom'"],
        );
    }

    fn no_disks_at_all() {
        let (src, mut dst) = q35_dst();
        if let Ok(all) = &mut dst.domain_capabilities {
            all[0].devices_unsupported.push("disk".into());
        }
        expect(
            &run(CHECK, &disk("sata", "disk"), &src, &dst),
            Severity::Error,
            "disk_model.disks-unsupported",
            &["supports no disks"],
        );
    }

    fn domain_capabilities_unavailable() {
        let (src, dst) = hosts();
        expect(
            &run(CHECK, &disk("sata", "disk"), &src, &dst),
            Severity::Skipped,
            "disk_model.unavailable",
            &["destination", "domain capabilities"],
        );
    }
}
