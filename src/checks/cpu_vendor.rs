// SPDX-License-Identifier: LGPL-2.1-or-later
//! CPU_VENDOR (proposal item 2): a vendor change is not a hard requirement (a named model
//! migrates), but guests that see the host CPU notice it.

use super::Context;
use super::cpu_view::{Subject, cpu_map, subject};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::CpuVendor;

fn host_vendor(
    host: &crate::facts::Host,
    domcaps: &crate::facts::Fact<&crate::facts::DomainCapabilities>,
) -> Option<String> {
    let from_domcaps = domcaps.as_ref().ok().and_then(|d| d.host_model.as_ref()).and_then(|c| c.vendor.clone());
    from_domcaps.or_else(|| host.capabilities.as_ref().ok().and_then(|c| c.host_cpu_vendor.clone()))
}

pub fn check(cx: &Context) -> Vec<Finding> {
    let declared_mode = cx.guest.def.cpu.as_ref().map(|c| c.mode().to_string()).unwrap_or_else(|| "custom".into());
    let guest_vendor = match subject(cx, CHECK) {
        Err(skipped) => return vec![skipped],
        Ok(Subject::Default) => return Vec::new(),
        Ok(Subject::Passthrough(_)) => host_vendor(cx.src, &cx.src_domcaps),
        Ok(Subject::Custom(cpu)) => match (&cpu.vendor, cpu.model.as_deref()) {
            (Some(vendor), _) => Some(vendor.clone()),
            // A model's vendor is in libvirt's CPU map: without the map it is unknown, not
            // "vendor-neutral" (a silent OK for a Haswell guest).
            (None, Some(model)) => match cpu_map(cx, CHECK) {
                Ok(map) => map.model(model).and_then(|m| m.vendor.clone()),
                Err(skipped) => return vec![skipped],
            },
            (None, None) => None,
        },
    };
    let Some(dst_vendor) = host_vendor(cx.dst, &cx.dst_domcaps) else {
        return vec![Finding::skipped(CHECK, "no-host-cpu", "cannot evaluate: the destination reports no CPU vendor")];
    };
    let Some(guest_vendor) = guest_vendor else {
        // A vendor-neutral model (qemu64, kvm64 ...) runs anywhere.
        return Vec::new();
    };
    if guest_vendor == dst_vendor {
        return Vec::new();
    }
    let host_bound = matches!(declared_mode.as_str(), "host-passthrough" | "host-model" | "maximum");
    let message = format!("the guest's CPU vendor is {guest_vendor} but the destination's is {dst_vendor}");
    let finding = if host_bound {
        Finding::warning(CHECK, "differs", message)
            .hint("a guest configured from the host CPU (host-model or host-passthrough) may misbehave on another \
                vendor's CPU; use a named model")
    } else {
        Finding::info(CHECK, "differs", message)
    };
    vec![
        finding
            .detail("guest_vendor", guest_vendor)
            .detail("destination_vendor", dst_vendor)
            .detail("guest_cpu_mode", declared_mode),
    ]
}
