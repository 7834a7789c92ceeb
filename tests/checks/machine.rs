// SPDX-License-Identifier: LGPL-2.1-or-later
//! MACHINE: the destination's emulator must offer the guest's machine type (or alias) and virt
//! type for its arch, the emulator binary must be there, and its firmware. Real capabilities
//! and domain capabilities; more: tests/devices.rs.

use virt_migration_check::{Check, Severity};

use crate::builder::*;

const CHECK: Check = Check::Machine;

/// A KVM x86_64 guest of machine `machine` on the real KVM host (x86_64 machines pc-0.11,
/// pc-0.10, isapc, and 'pc', an alias).
fn on_kvm_host(
    machine: &str,
    extra: &str,
) -> (virt_migration_check::Guest, virt_migration_check::Host, virt_migration_check::Host) {
    let (src, mut dst) = hosts();
    dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
    (guest(&domain(extra, "").replace("machine='pc-q35-7.2'", &format!("machine='{machine}'"))), src, dst)
}

/// A KVM i686 guest of machine `machine` (on qemu-system-i386) with `vcpu` as its `<vcpu>`.
fn i686(machine: &str, vcpu: &str) -> virt_migration_check::Guest {
    guest(
        &domain("", "")
            .replace("arch='x86_64' machine='pc-q35-7.2'", &format!("arch='i686' machine='{machine}'"))
            .replace("qemu-system-x86_64", "qemu-system-i386")
            .replace("<vcpu>2</vcpu>", vcpu),
    )
}

/// Capabilities a host of the QEMU bed printed (tests/data/bed/MANIFEST.txt).
fn bed_caps(name: &str) -> virt_migration_check::facts::Capabilities {
    virt_migration_check::xml::capabilities::parse_capabilities(&read(&format!("bed/{name}")), name).unwrap()
}

/// Domain capabilities a host of the QEMU bed printed.
fn bed_domcaps(name: &str) -> virt_migration_check::facts::DomainCapabilities {
    virt_migration_check::xml::domcaps::parse_domain_capabilities(&read(&format!("bed/{name}")), name).unwrap()
}

scenarios! {
    fn machine_alias_and_emulator_offered() {
        let (g, src, dst) = on_kvm_host("pc", "");
        expect_ok(&run(CHECK, &g, &src, &dst), CHECK);
    }

    fn machine_type_unsupported() {
        let (g, src, dst) = on_kvm_host("pc-q35-10.0", "");
        let f = expect(
            &run(CHECK, &g, &src, &dst),
            Severity::Error,
            "machine.type-unsupported",
            &["'pc-q35-10.0'", "x86_64"],
        );
        assert_eq!(detail(&f, "machine"), "pc-q35-10.0");
    }

    fn virt_type_unavailable() {
        // A macOS host's QEMU: TCG and HVF, no KVM.
        let (g, src, mut dst) = on_kvm_host("pc", "");
        dst.capabilities = Ok(caps("qemucaps2xmloutdata/caps.x86_64+hvf.xml"));
        let f = expect(
            &run(CHECK, &g, &src, &dst),
            Severity::Error,
            "machine.virt-type-unavailable",
            &["'kvm'", "qemu, hvf"],
        );
        assert_eq!(detail(&f, "offered"), "qemu,hvf");
    }

    fn emulator_missing() {
        let (g, src, dst) = on_kvm_host("pc", "");
        let mut g = g;
        g.def.emulator = Some("/usr/libexec/qemu-kvm".into());
        expect(
            &run(CHECK, &g, &src, &dst),
            Severity::Error,
            "machine.emulator-missing",
            &["'/usr/libexec/qemu-kvm'", "/usr/bin/qemu-system-x86_64"],
        );
    }

    fn loader_missing() {
        // QEMU 7.2's domain capabilities list libvirt's fake firmware1.fd and firmware2.fd.
        let loader = "<os><type arch='x86_64' machine='pc'>hvm</type><loader readonly='yes' \
            type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader></os>";
        let xml = domain("", "").replace("<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>", loader);
        let (src, mut dst) = hosts();
        dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        dst.domain_capabilities = Ok(vec![domcaps("qemu_7.2.0-q35.x86_64.xml")]);
        let f = expect(
            &run(CHECK, &guest(&xml), &src, &dst),
            Severity::Error,
            "machine.loader-missing",
            &["'/usr/share/OVMF/OVMF_CODE.fd'"],
        );
        assert_eq!(detail(&f, "loader"), "/usr/share/OVMF/OVMF_CODE.fd");
        let offered = xml.replace("/usr/share/OVMF/OVMF_CODE.fd", "/obviously/fake/firmware1.fd");
        expect_ok(&run(CHECK, &guest(&offered), &src, &dst), CHECK);
        // Without domain capabilities the firmware cannot be checked.
        dst.domain_capabilities = Err(failed("virConnectGetDomainCapabilities"));
        expect(
            &run(CHECK, &guest(&xml), &src, &dst),
            Severity::Skipped,
            "machine.unavailable",
            &["domain capabilities (firmware)"],
        );
    }

    fn vcpus_exceed_machine_limit() {
        // The real KVM host's i686 machines carry their limits: 'pc' is pc-0.11 there, maxCpus
        // 255; isapc takes 1.
        let (src, mut dst) = hosts();
        dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        let f = expect(
            &run(CHECK, &i686("pc", "<vcpu>300</vcpu>"), &src, &dst),
            Severity::Error,
            "machine.vcpus-exceed-machine-limit",
            &["300 vCPUs", "limit of 255", "'pc-0.11'"],
        );
        assert_eq!(detail(&f, "libvirt_error"), "Maximum CPUs greater than specified machine type limit 255");
        assert_eq!(
            detail(&f, "qemu_error"),
            "Invalid SMP CPUs 300. The max CPUs supported by machine 'pc-0.11' is 255"
        );
        assert_eq!(detail(&f, "machine"), "pc-0.11");
        // At the limit the machine takes the guest.
        expect_ok(&run(CHECK, &i686("pc", "<vcpu>255</vcpu>"), &src, &dst), CHECK);
        // The maximum counts, not the vCPUs online.
        let f = expect(
            &run(CHECK, &i686("isapc", "<vcpu current='1'>2</vcpu>"), &src, &dst),
            Severity::Error,
            "machine.vcpus-exceed-machine-limit",
            &["2 vCPUs", "limit of 1", "'isapc'"],
        );
        assert_eq!(detail(&f, "libvirt_error"), "Maximum CPUs greater than specified machine type limit 1");
    }

    fn vcpus_exceed_machine_limit_of_pc_q35_7_2() {
        // The case on real capabilities of the bed's hosts: pc-q35-7.2 takes 288 vCPUs
        // on QEMU 7.2 and still 288 on QEMU 10.0 (its own pc-q35-10.0 takes 4096). libvirt 9.0
        // on those hosts refused to define a 289-vCPU guest with exactly this libvirt_error.
        let (src, mut dst) = hosts();
        let xml = domain("", "").replace("<vcpu>2</vcpu>", "<vcpu current='2'>300</vcpu>");
        for (caps_file, machine) in [
            ("caps-libvirt-9.0.0-qemu-7.2.xml", "pc-q35-7.2"),
            ("caps-libvirt-9.0.0-qemu-7.2.xml", "q35"),
            ("caps-libvirt-9.0.0-qemu-10.0.xml", "pc-q35-7.2"),
        ] {
            dst.capabilities = Ok(bed_caps(caps_file));
            let g = guest(&xml.replace("machine='pc-q35-7.2'", &format!("machine='{machine}'")));
            let f = expect(
                &run(CHECK, &g, &src, &dst),
                Severity::Error,
                "machine.vcpus-exceed-machine-limit",
                &["300 vCPUs", "limit of 288", "'pc-q35-7.2'"],
            );
            assert_eq!(detail(&f, "libvirt_error"), "Maximum CPUs greater than specified machine type limit 288");
            assert_eq!(
                detail(&f, "qemu_error"),
                "Invalid SMP CPUs 300. The max CPUs supported by machine 'pc-q35-7.2' is 288"
            );
        }
        // On QEMU 10.0's own q35 the same guest fits.
        let g = guest(&xml.replace("machine='pc-q35-7.2'", "machine='pc-q35-10.0'"));
        expect_ok(&run(CHECK, &g, &src, &dst), CHECK);
    }

    fn vcpus_exceed_hypervisor_limit() {
        // The bed's QEMU 10.0 host: pc-q35-10.0 takes 4096 vCPUs, but its kernel's KVM 1024, so
        // its KVM domain capabilities say <vcpu max='1024'/>.
        let (src, mut dst) = hosts();
        dst.capabilities = Ok(bed_caps("caps-libvirt-9.0.0-qemu-10.0.xml"));
        dst.domain_capabilities = Ok(vec![bed_domcaps("domcaps-libvirt-9.0.0-qemu-10.0-kvm-pc-q35-10.0.xml")]);
        let xml = domain("", "").replace("<vcpu>2</vcpu>", "<vcpu current='2'>2000</vcpu>");
        for machine in ["pc-q35-10.0", "q35"] {
            let g = guest(&xml.replace("machine='pc-q35-7.2'", &format!("machine='{machine}'")));
            let f = expect(
                &run(CHECK, &g, &src, &dst),
                Severity::Error,
                "machine.vcpus-exceed-hypervisor-limit",
                &["2000 vCPUs", "the 1024", "'pc-q35-10.0'", "KVM"],
            );
            assert_eq!(
                detail(&f, "qemu_error"),
                "Number of hotpluggable cpus requested (2000) exceeds the maximum cpus supported by KVM (1024)"
            );
            assert_eq!(detail(&f, "limit"), "1024");
        }
        // 1024 fit; a TCG guest is not bound by KVM (and these domain capabilities are KVM's).
        let g = guest(
            &domain("", "")
                .replace("<vcpu>2</vcpu>", "<vcpu current='2'>1024</vcpu>")
                .replace("machine='pc-q35-7.2'", "machine='pc-q35-10.0'"),
        );
        expect_ok(&run(CHECK, &g, &src, &dst), CHECK);
        let tcg =
            guest(&xml.replace("machine='pc-q35-7.2'", "machine='pc-q35-10.0'").replace("type='kvm'", "type='qemu'"));
        expect_ok(&run(CHECK, &tcg, &src, &dst), CHECK);
        // libvirt's own test data: QEMU 7.2's q35 KVM domain capabilities say 288. With
        // capabilities that give no machine limit (the bed's QEMU 7.2 host's, their maxCpus taken
        // away), the domain capabilities alone bound the guest, and cannot tell whose limit it is.
        let (src, mut dst) = hosts();
        let mut no_limits = bed_caps("caps-libvirt-9.0.0-qemu-7.2.xml");
        no_limits.guests.iter_mut().for_each(|g| g.machine_max_cpus.clear());
        dst.capabilities = Ok(no_limits);
        dst.domain_capabilities = Ok(vec![domcaps("qemu_7.2.0-q35.x86_64.xml")]);
        let g = guest(&domain("", "").replace("<vcpu>2</vcpu>", "<vcpu current='2'>300</vcpu>"));
        let report = run(CHECK, &g, &src, &dst);
        expect_none(&report, "machine.vcpus-exceed-machine-limit");
        let f = expect(
            &report,
            Severity::Error,
            "machine.vcpus-exceed-hypervisor-limit",
            &["300 vCPUs", "the 288", "'pc-q35-7.2'", "the machine type's limit or KVM's"],
        );
        assert_eq!(detail(&f, "max_vcpus"), "300");
    }

    fn capabilities_unavailable() {
        let (src, dst) = hosts();
        expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Skipped,
            "machine.unavailable",
            &["destination", "capabilities"],
        );
    }
}
