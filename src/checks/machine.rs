// SPDX-License-Identifier: LGPL-2.1-or-later
//! MACHINE: the destination's emulator must offer the guest's machine type (or its alias) for
//! the guest's arch and virt type, the emulator binary must be there, and so must the firmware.
//! Real failures: "Emulator ... does not support machine type 'pc-i440fx-10.0'", "Cannot check
//! QEMU binary", "does not support virt type 'kvm'".
//!
//! The machine type also bounds the guest's vCPUs, so the limits are judged here, with the machine
//! on the destination, rather than by CPU_COUNT (which weighs vCPUs against physical CPUs, an
//! overcommit a host survives: WARNINGs): a guest above a limit cannot run on the destination at
//! all, which is a compatibility verdict, as the rest of this check.
//! - The machine type's limit: capabilities print QEMU's `query-machines` figure per machine
//!   (`<machine maxCpus='288'>pc-q35-7.2</machine>`, aliases too). libvirt refuses to start or
//!   define a guest whose maximum vCPUs (`<vcpu>`, `virDomainDefGetVcpusMax`) exceed it:
//!   `qemuValidateDomainVCpuTopology` (src/qemu/qemu_validate.c, reading
//!   `virQEMUCapsGetMachineMaxCpus` for the canonical machine) says "Maximum CPUs greater than
//!   specified machine type limit %u", the same rule and words in 9.0 and 11.3. An incoming
//!   migration skips that validation (`qemuMigrationAnyPrepareDef` parses with
//!   `VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE`, `qemuProcessStartValidate` validates new starts only),
//!   so there QEMU refuses instead, before any memory is copied: "Invalid SMP CPUs 300. The max
//!   CPUs supported by machine 'pc-q35-7.2' is 288" (`machine_parse_smp_config`, measured with
//!   QEMU 7.2 and 10.0). Both texts are in the finding's details. On the QEMU bed libvirt 9.0
//!   refused to define a 289-vCPU pc-q35-7.2 guest with exactly libvirt's words; the bed cannot
//!   show a refused migration, as pc-q35-7.2 takes 288 on its QEMU 7.2 and 10.0 alike (a
//!   machine's limit is part of its versioned definition; tests/data/bed).
//! - The hypervisor's limit: domain capabilities' `<vcpu max>` (`virQEMUCapsFillDomainCaps`: the
//!   machine's limit, and for KVM no more than the host kernel's `KVM_CAP_MAX_VCPUS`, which
//!   `virConnectGetMaxVcpus` reports too). A guest above it, within the machine's limit, is
//!   refused by QEMU's `kvm_init`: "Number of hotpluggable cpus requested (4096) exceeds the
//!   maximum cpus supported by KVM (1024)" (measured with QEMU 10.0). `virConnectGetMaxVcpus`
//!   itself is not read: for TCG it answers a fixed 16 that nothing enforces, and for KVM the
//!   domain capabilities already hold its figure.
//!
//! Only the domain capabilities of the guest's own (canonical) machine are read for the second:
//! another machine's figure says nothing of this one.

use super::{Context, unavailable};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Machine;

pub fn check(cx: &Context) -> Vec<Finding> {
    let caps = match &cx.dst.capabilities {
        Ok(caps) => caps,
        Err(e) => return vec![unavailable(CHECK, "destination", "capabilities", e)],
    };
    let def = &cx.dest_def();
    let arch =
        def.arch.clone().or_else(|| cx.src.capabilities.as_ref().ok().map(|c| c.host_arch.clone())).unwrap_or_default();
    let for_arch: Vec<_> = caps.guests.iter().filter(|g| g.os_type == def.os_type && g.arch == arch).collect();
    if for_arch.is_empty() {
        // ARCH reports a destination that cannot run this arch at all.
        return Vec::new();
    }
    let mut findings = Vec::new();
    if !for_arch.iter().any(|g| g.domain_types.contains(&def.virt_type)) {
        let offered: Vec<&str> = for_arch.iter().flat_map(|g| g.domain_types.iter().map(String::as_str)).collect();
        findings.push(
            Finding::error(
                CHECK,
                "virt-type-unavailable",
                format!(
                    "the destination's emulator for {arch} does not support virt type '{}' (it offers {})",
                    def.virt_type,
                    offered.join(", ")
                ),
            )
            .hint(if def.virt_type == "kvm" {
                "the destination has no usable KVM (/dev/kvm); migrate to a host with KVM"
            } else {
                "choose a destination offering this virt type"
            })
            .detail("virt_type", &def.virt_type)
            .detail("offered", offered.join(",")),
        );
    }
    if let Some(machine) = def.machine.as_deref() {
        let offered = for_arch
            .iter()
            .any(|g| g.machines.iter().any(|m| m == machine) || g.machine_aliases.iter().any(|(a, _)| a == machine));
        if !offered {
            findings.push(
                Finding::error(
                    CHECK,
                    "type-unsupported",
                    format!("the destination's emulator does not offer machine type '{machine}' for {arch}"),
                )
                .hint("a machine type newer than the destination's QEMU: choose a destination with QEMU as new as \
                    the source's, or start the guest with an older machine type")
                .detail("machine", machine),
            );
        }
    }
    findings.extend(vcpu_limits(cx, &for_arch));
    if let Some(emulator) = def.emulator.as_deref() {
        let present = for_arch
            .iter()
            .any(|g| g.emulator.as_deref() == Some(emulator) || g.domain_emulators.iter().any(|e| e == emulator));
        if !present {
            let known: Vec<&str> = for_arch.iter().filter_map(|g| g.emulator.as_deref()).collect();
            findings.push(
                Finding::error(
                    CHECK,
                    "emulator-missing",
                    format!("emulator '{emulator}' does not exist on the destination (it has {})", known.join(", ")),
                )
                .hint("install the same emulator there, or change the guest's <emulator> to one every host has")
                .detail("emulator", emulator),
            );
        }
    }
    if let Some(loader) = def.loader.as_deref() {
        match &cx.dst_domcaps {
            Ok(domcaps) if !domcaps.loader_values.is_empty() && !domcaps.loader_values.iter().any(|v| v == loader) => {
                findings.push(
                    Finding::error(
                        CHECK,
                        "loader-missing",
                        format!("firmware '{loader}' is not among the destination's firmware images"),
                    )
                    .hint(format!("install it there, or use one of: {}", domcaps.loader_values.join(", ")))
                    .detail("loader", loader),
                )
            }
            Ok(_) => {}
            Err(e) => findings
                .push(unavailable(CHECK, "destination", "domain capabilities (firmware)", e).detail("loader", loader)),
        }
    }
    findings
}

/// The guest's maximum vCPUs against the machine type's limit (capabilities) and the
/// hypervisor's (domain capabilities), on the destination.
fn vcpu_limits(cx: &Context, for_arch: &[&crate::facts::GuestCapability]) -> Option<Finding> {
    let def = cx.dest_def();
    let machine = def.machine.as_deref()?;
    let max = def.max_vcpus;
    // The emulator's own <guest> where it is listed; any for the arch otherwise.
    let own: Vec<_> = for_arch
        .iter()
        .filter(|g| {
            def.emulator.as_deref().is_some_and(|e| {
                g.emulator.as_deref() == Some(e) || g.domain_emulators.iter().any(|d| d == e)
            })
        })
        .collect();
    let guests: Vec<&crate::facts::GuestCapability> =
        if own.is_empty() { for_arch.to_vec() } else { own.into_iter().copied().collect() };
    let canonical = guests.iter().map(|g| g.canonical_machine(machine)).find(|c| *c != machine).unwrap_or(machine);
    let machine_limit = guests.iter().find_map(|g| g.max_cpus(machine));
    if let Some(limit) = machine_limit.filter(|limit| max > *limit) {
        let libvirt_error = format!("Maximum CPUs greater than specified machine type limit {limit}");
        let qemu_error = format!("Invalid SMP CPUs {max}. The max CPUs supported by machine '{canonical}' is {limit}");
        return Some(
            Finding::error(
                CHECK,
                "vcpus-exceed-machine-limit",
                format!(
                    "the guest's maximum of {max} vCPUs exceeds the limit of {limit} of machine type '{canonical}' on \
                    the destination: its QEMU refuses to start the incoming guest (\"{qemu_error}\"), and libvirt \
                    there refuses to start or define it (\"{libvirt_error}\")"
                ),
            )
            .hint(format!(
                "lower the guest's maximum vCPUs (<vcpu>) to {limit} or fewer, or choose a destination whose QEMU \
                allows more for this machine type"
            ))
            .detail("machine", canonical)
            .detail("max_vcpus", max)
            .detail("limit", limit)
            .detail("libvirt_error", libvirt_error)
            .detail("qemu_error", qemu_error),
        );
    }
    // The domain capabilities of this very machine (a live check asks for it; a snapshot holds
    // several), whatever alias the guest names it by.
    let domcaps = cx.dst.domain_capabilities.as_ref().ok()?.iter().find(|c| {
        c.domain == def.virt_type && c.machine == canonical && def.arch.as_deref().is_none_or(|a| c.arch == a)
    })?;
    let limit = domcaps.max_vcpus.filter(|limit| *limit > 0 && max > *limit)?;
    // Within the machine's limit, a KVM guest meets the kernel's (kvm_init names the current
    // vCPUs, "SMP", when they exceed it, else the maximum); a TCG guest's figure is the machine's.
    let kvm = def.virt_type == "kvm";
    let (why, qemu_error) = match (kvm, machine_limit) {
        (true, Some(_)) => {
            let (what, requested) = if def.vcpus > limit { ("SMP", def.vcpus) } else { ("hotpluggable", max) };
            (
                ", the limit of KVM in its kernel",
                Some(format!(
                    "Number of {what} cpus requested ({requested}) exceeds the maximum cpus supported by KVM ({limit})"
                )),
            )
        }
        (true, None) => (", the machine type's limit or KVM's in its kernel", None),
        (false, _) => (
            ", the machine type's limit",
            Some(format!("Invalid SMP CPUs {max}. The max CPUs supported by machine '{canonical}' is {limit}")),
        ),
    };
    let mut finding = Finding::error(
        CHECK,
        "vcpus-exceed-hypervisor-limit",
        format!(
            "the guest's maximum of {max} vCPUs exceeds the {limit} the destination's hypervisor runs for machine type \
            '{canonical}' (its domain capabilities' <vcpu max>{why})"
        ),
    )
    .hint(format!("lower the guest's maximum vCPUs (<vcpu>) to {limit} or fewer, or choose another destination"))
    .detail("machine", canonical)
    .detail("max_vcpus", max)
    .detail("limit", limit);
    if !kvm {
        // The machine's limit, so libvirt's own validation names it too (the caps did not).
        let libvirt_error = format!("Maximum CPUs greater than specified machine type limit {limit}");
        finding = finding.detail("libvirt_error", libvirt_error);
    }
    if let Some(qemu_error) = qemu_error {
        finding = finding.detail("qemu_error", qemu_error);
    }
    Some(finding)
}
