// SPDX-License-Identifier: LGPL-2.1-or-later
//! NETWORK_MODEL (proposal item 6b): every NIC model must exist in the destination's
//! hypervisor. Domain capabilities do not list NIC models, so QEMU's are judged from a table of
//! the QEMU version that introduced each; other hypervisors' are unknowable here (SKIPPED).
//! vhost-user sockets cannot be seen through libvirt; interface type='hostdev' is HOSTDEV's.

use super::{Context, unavailable, version_string};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::NetworkModel;

/// libvirt NIC model names QEMU implements, with the first QEMU version that has each
/// (major * 1,000,000 + minor * 1,000 + micro). Documented in docs/checks.md (Devices and platform).
pub const QEMU_NIC_MODELS: &[(&str, u64)] = &[
    ("virtio", 0),
    ("virtio-net", 0),
    ("virtio-transitional", 4_000_000),
    ("virtio-non-transitional", 4_000_000),
    ("e1000", 0),
    ("e1000e", 2_006_000),
    ("igb", 8_000_000),
    ("rtl8139", 0),
    ("ne2k_pci", 0),
    ("pcnet", 0),
    ("i82551", 0),
    ("i82557b", 0),
    ("i82559er", 0),
    ("vmxnet3", 1_006_000),
    ("usb-net", 0),
    ("spapr-vlan", 0),
    ("lan9118", 0),
    ("smc91c111", 0),
];

pub fn check(cx: &Context) -> Vec<Finding> {
    let interfaces: Vec<_> = cx.dest_def().interfaces.iter().filter(|i| i.kind != "hostdev").collect();
    if interfaces.is_empty() {
        return Vec::new();
    }
    let mut findings = Vec::new();
    let mut models: Vec<(&str, String)> = Vec::new();
    for iface in &interfaces {
        if iface.kind == "vhostuser" {
            findings.push(
                Finding::warning(
                    CHECK,
                    "vhostuser-unverified",
                    format!("vhost-user {} needs its socket and backend (OVS-DPDK, ...) on the destination, which \
                        libvirt cannot show", iface.label()),
                )
                .hint("make sure the destination runs the same vhost-user backend with the same socket path"),
            );
        }
        if let (Some(backend), Ok(caps)) = (iface.backend.as_deref(), &cx.dst_domcaps)
            && let Some(offered) = caps.device_enums.get("interface.backendType")
            && !offered.iter().any(|b| b == backend)
        {
            findings.push(
                Finding::error(
                    CHECK,
                    "backend-unsupported",
                    format!("the destination does not offer the '{backend}' backend that {} uses", iface.label()),
                )
                .detail("backend", backend)
                .detail("offered", offered.join(",")),
            );
        }
        if let Some(model) = iface.model.as_deref() {
            models.push((model, iface.label()));
        }
    }
    if models.is_empty() {
        return findings;
    }
    let hypervisor = match &cx.dst.hypervisor {
        Ok(h) => h,
        Err(e) => {
            findings.push(unavailable(CHECK, "destination", "hypervisor type and version", e));
            return findings;
        }
    };
    if !hypervisor.driver.eq_ignore_ascii_case("QEMU") {
        findings.push(Finding::skipped(
            CHECK,
            "unknowable",
            format!(
                "cannot evaluate: the NIC models of the {} hypervisor are not known to this library",
                hypervisor.driver
            ),
        ));
        return findings;
    }
    for (model, label) in models {
        match QEMU_NIC_MODELS.iter().find(|(m, _)| m.eq_ignore_ascii_case(model)) {
            Some((_, since)) if hypervisor.version >= *since => {}
            Some((_, since)) => findings.push(
                Finding::error(
                    CHECK,
                    "unsupported",
                    format!(
                        "NIC model '{model}' of {label} needs QEMU {} or newer; the destination runs {}",
                        version_string(*since),
                        version_string(hypervisor.version)
                    ),
                )
                .hint("change the NIC model (virtio runs everywhere), or choose a newer destination")
                .detail("model", model)
                .detail("destination_version", version_string(hypervisor.version)),
            ),
            None => findings.push(
                Finding::warning(
                    CHECK,
                    "unknown-model",
                    format!("NIC model '{model}' of {label} is not one this library knows QEMU to provide"),
                )
                .hint("check `qemu-system-* -device help` on the destination")
                .detail("model", model),
            ),
        }
    }
    findings
}
