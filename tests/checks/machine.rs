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
