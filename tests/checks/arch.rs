// SPDX-License-Identifier: LGPL-2.1-or-later
//! ARCH: the destination must offer a guest of the domain's arch, os type and virt type; a
//! move between host arches that both run it is noted. Real capabilities from libvirt's test
//! data. More: tests/real_data.rs.

use virt_migration_check::{Check, Severity};

use crate::builder::*;

const CHECK: Check = Check::Arch;

scenarios! {
    fn offered_on_the_same_host_arch() {
        let (mut src, mut dst) = hosts();
        src.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        expect_ok(&run(CHECK, &small("", ""), &src, &dst), CHECK);
    }

    fn arch_not_offered() {
        // An aarch64 host's QEMU offers no x86_64 guests.
        let (mut src, mut dst) = hosts();
        src.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        dst.capabilities = Ok(caps("qemucaps2xmloutdata/caps.aarch64.xml"));
        let f = expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Error,
            "arch.unsupported",
            &["'x86_64'", "'kvm'"],
        );
        assert_eq!(detail(&f, "destination_host_arch"), "aarch64");
    }

    fn virt_type_not_offered_for_the_arch() {
        // libvirt's test driver offers i686 guests of virt type 'test' only.
        let (mut src, mut dst) = hosts();
        src.capabilities = Ok(caps("capabilityschemadata/caps-test.xml"));
        dst.capabilities = Ok(caps("capabilityschemadata/caps-test.xml"));
        let i686 = guest(&domain("", "").replace("arch='x86_64'", "arch='i686'"));
        expect(&run(CHECK, &i686, &src, &dst), Severity::Error, "arch.unsupported", &["'i686'", "'kvm'"]);
    }

    fn host_arch_differs() {
        // An i686 guest from libvirt's test host (i686) to a KVM x86_64 host, which runs i686.
        let (mut src, mut dst) = hosts();
        src.capabilities = Ok(caps("capabilityschemadata/caps-test.xml"));
        dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        let i686 = guest(&domain("", "").replace("arch='x86_64'", "arch='i686'"));
        let f = expect(
            &run(CHECK, &i686, &src, &dst),
            Severity::Info,
            "arch.host-arch-differs",
            &["i686 guest", "x86_64 host"],
        );
        assert_eq!(detail(&f, "source_host_arch"), "i686");
    }

    fn no_arch_and_no_source_capabilities() {
        let (src, mut dst) = hosts();
        dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        let no_arch = guest(&domain("", "").replace(" arch='x86_64'", ""));
        expect(&run(CHECK, &no_arch, &src, &dst), Severity::Skipped, "arch.unknown-arch", &["names no arch"]);
        // The source's capabilities name the arch it runs.
        let mut src = src;
        src.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        expect_ok(&run(CHECK, &no_arch, &src, &dst), CHECK);
    }

    fn capabilities_unavailable() {
        let (src, mut dst) = hosts();
        dst.capabilities = Err(failed("virConnectGetCapabilities"));
        expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Skipped,
            "arch.unavailable",
            &["destination", "capabilities"],
        );
    }
}
