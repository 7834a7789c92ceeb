// SPDX-License-Identifier: LGPL-2.1-or-later
//! HYPERVISOR: same hypervisor type on both hosts; an older hypervisor or libvirt on the
//! destination is a risk. Live on libvirt's test driver (a good destination): tests/test_driver.rs.

use virt_migration_check::{Check, Severity};

use crate::builder::*;

const CHECK: Check = Check::Hypervisor;

fn pair(
    src_qemu: u64,
    dst_qemu: u64,
    src_libvirt: u64,
    dst_libvirt: u64,
) -> (virt_migration_check::Host, virt_migration_check::Host) {
    let (mut src, mut dst) = hosts();
    src.hypervisor = Ok(qemu(src_qemu));
    dst.hypervisor = Ok(qemu(dst_qemu));
    src.libvirt_version = Ok(src_libvirt);
    dst.libvirt_version = Ok(dst_libvirt);
    (src, dst)
}

scenarios! {
    fn a_guest_without_acpi_to_libvirt_9_0_with_qemu_10() {
        // The bed's host d: libvirt 9.0 builds -no-acpi, which QEMU 10 no longer has.
        let (src, dst) = pair(7_002_000, 10_000_000, 9_000_000, 9_000_000);
        let report = run(CHECK, &small("", ""), &src, &dst);
        let f = expect(&report, Severity::Error, "hypervisor.no-acpi-removed", &["9.0.0", "10.0.0", "-no-acpi"]);
        assert_eq!(detail(&f, "libvirt_error"), "qemu-system-x86_64: -no-acpi: invalid option");
        // With ACPI it starts; libvirt 9.1 may or may not build -machine acpi=off; 9.2 does.
        expect_none(&run(CHECK, &small("<features><acpi/></features>", ""), &src, &dst), "hypervisor.no-acpi-removed");
        let (src, dst) = pair(7_002_000, 10_000_000, 9_000_000, 9_001_000);
        expect(&run(CHECK, &small("", ""), &src, &dst), Severity::Warning, "hypervisor.no-acpi-removed", &["unless"]);
        let (src, dst) = pair(7_002_000, 9_000_000, 9_000_000, 9_002_000);
        expect_none(&run(CHECK, &small("", ""), &src, &dst), "hypervisor.no-acpi-removed");
    }

    fn a_qemu_newer_than_its_libvirt() {
        // libvirt 9.0 (January 2023) knew QEMU up to 7.2; QEMU 10.0 came in April 2025.
        let (src, dst) = pair(7_002_000, 10_000_000, 9_000_000, 9_000_000);
        let acpi = small("<features><acpi/></features>", "");
        let f = expect(&run(CHECK, &acpi, &src, &dst), Severity::Warning, "hypervisor.qemu-newer-than-libvirt", &["7.2.0"]);
        assert_eq!(detail(&f, "destination_qemu"), "10.0.0");
        // Debian 12's backports: libvirt 11.3 (May 2025) with QEMU 10.0 (April 2025).
        let (src, dst) = pair(7_002_000, 10_000_002, 9_000_000, 11_003_000);
        expect_ok(&run(CHECK, &acpi, &src, &dst), CHECK);
        // Beyond the table on both sides: not judged.
        let (src, dst) = pair(7_002_000, 12_000_000, 9_000_000, 13_000_000);
        expect_ok(&run(CHECK, &acpi, &src, &dst), CHECK);
    }

    fn same_or_newer_is_fine() {
        let (src, dst) = pair(7_002_000, 10_000_000, 9_000_000, 11_003_000);
        expect_ok(&run(CHECK, &small("", ""), &src, &dst), CHECK);
    }

    fn another_hypervisor_type() {
        let (src, mut dst) = pair(7_002_000, 7_002_000, 9_000_000, 9_000_000);
        dst.hypervisor = Ok(virt_migration_check::facts::Hypervisor { driver: "Xen".into(), version: 4_017_000 });
        let f = expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Error,
            "hypervisor.type-mismatch",
            &["Xen", "QEMU"],
        );
        assert_eq!(detail(&f, "destination_type"), "Xen");
    }

    fn the_type_is_compared_without_case() {
        let (src, mut dst) = pair(7_002_000, 7_002_000, 9_000_000, 9_000_000);
        dst.hypervisor = Ok(virt_migration_check::facts::Hypervisor { driver: "qemu".into(), version: 7_002_000 });
        expect_ok(&run(CHECK, &small("", ""), &src, &dst), CHECK);
    }

    fn older_hypervisor() {
        let (src, dst) = pair(10_000_000, 7_002_000, 9_000_000, 9_000_000);
        let f = expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Warning,
            "hypervisor.older-hypervisor",
            &["QEMU 7.2.0", "10.0.0"],
        );
        assert_eq!(detail(&f, "source_version"), "10.0.0");
    }

    fn older_libvirt() {
        let (src, dst) = pair(7_002_000, 7_002_000, 11_003_000, 9_000_000);
        expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Warning,
            "hypervisor.older-libvirt",
            &["libvirt 9.0.0", "11.3.0"],
        );
    }

    fn hypervisor_unavailable() {
        let (src, mut dst) = pair(7_002_000, 7_002_000, 9_000_000, 9_000_000);
        dst.hypervisor = Err(failed("virConnectGetVersion"));
        let f = expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Skipped,
            "hypervisor.unavailable",
            &["destination", "hypervisor type and version"],
        );
        assert_eq!(detail(&f, "call"), "virConnectGetVersion");
        // The source's, too.
        let (mut src, dst) = pair(7_002_000, 7_002_000, 9_000_000, 9_000_000);
        src.hypervisor = Err(failed("virConnectGetType"));
        expect(&run(CHECK, &small("", ""), &src, &dst), Severity::Skipped, "hypervisor.unavailable", &["source"]);
    }

    fn libvirt_version_unavailable() {
        let (src, mut dst) = pair(7_002_000, 7_002_000, 9_000_000, 9_000_000);
        dst.libvirt_version = Err(failed("virConnectGetLibVersion"));
        expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Skipped,
            "hypervisor.unavailable",
            &["destination", "libvirt version"],
        );
    }
    fn a_flag_the_destinations_libvirt_predates() {
        // VIR_MIGRATE_ZEROCOPY came with libvirt 8.5.0; a 8.0.0 destination refuses it.
        let (src, dst) = pair(7_002_000, 7_002_000, 9_000_000, 8_000_000);
        let m = virt_migration_check::migration::Migration::with_flags(
            virt_migration_check::migration::LIVE | virt_migration_check::migration::ZEROCOPY
                | virt_migration_check::migration::PARALLEL,
        );
        let report = run_with(CHECK, &small("", ""), &src, &dst, |o| o.migration = Some(m));
        let f = expect(&report, Severity::Error, "hypervisor.flag-unsupported", &["destination", "VIR_MIGRATE_ZEROCOPY (libvirt 8.5.0)"]);
        assert_eq!(detail(&f, "flags"), "VIR_MIGRATE_ZEROCOPY");
        assert_eq!(detail(&f, "libvirt_error"), "unsupported flags (0x100000)");
        assert_eq!(report.with_code("hypervisor.flag-unsupported").count(), 1, "the source knows it");
    }
}
