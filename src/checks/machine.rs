//! MACHINE: the destination's emulator must offer the guest's machine type (or its alias) for
//! the guest's arch and virt type, the emulator binary must be there, and so must the firmware.
//! Real failures: "Emulator ... does not support machine type 'pc-i440fx-10.0'", "Cannot check
//! QEMU binary", "does not support virt type 'kvm'".

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
