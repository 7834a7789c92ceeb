// SPDX-License-Identifier: LGPL-2.1-or-later
//! ARCH (proposal item 1): the destination must offer a guest of the domain's arch, os type and
//! virt type. Moving between host arches that can both run the guest (i686 -> x86_64) is noted.

use super::{Context, unavailable};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Arch;

pub fn check(cx: &Context) -> Vec<Finding> {
    let dst = match &cx.dst.capabilities {
        Ok(caps) => caps,
        Err(e) => return vec![unavailable(CHECK, "destination", "capabilities", e)],
    };
    let def = &cx.guest.def;
    // A domain without an explicit arch runs the host's own.
    let src_arch = cx.src.capabilities.as_ref().ok().map(|c| c.host_arch.as_str());
    let Some(arch) = def.arch.as_deref().or(src_arch) else {
        let why = cx.src.capabilities.as_ref().err().map(super::cause).unwrap_or_default();
        return vec![Finding::skipped(
            CHECK,
            "unknown-arch",
            format!(
                "cannot evaluate: the guest XML names no arch, so it runs the source host's, and the source \
                 host's capabilities, which name it, are missing: {why}"
            ),
        )];
    };
    let offered = dst
        .guests
        .iter()
        .any(|g| g.os_type == def.os_type && g.arch == arch && g.domain_types.contains(&def.virt_type));
    if !offered {
        let mut offers: Vec<String> =
            dst.guests.iter().map(|g| format!("{}/{} ({})", g.os_type, g.arch, g.domain_types.join(","))).collect();
        offers.dedup();
        return vec![
            Finding::error(
                CHECK,
                "unsupported",
                format!(
                    "the destination cannot run a {} guest of arch '{arch}' with virt type '{}'",
                    def.os_type, def.virt_type
                ),
            )
            .hint(
                "choose a destination whose hypervisor offers this arch and virt type (see `virsh capabilities` there)",
            )
            .detail("arch", arch)
            .detail("os_type", &def.os_type)
            .detail("virt_type", &def.virt_type)
            .detail("destination_host_arch", &dst.host_arch)
            .detail("destination_offers", offers.join(" ")),
        ];
    }
    // Only a note depends on the source's capabilities: without them there is nothing to add.
    let mut findings = Vec::new();
    match &cx.src.capabilities {
        Ok(src) if src.host_arch != dst.host_arch => findings.push(
            Finding::info(
                CHECK,
                "host-arch-differs",
                format!(
                    "the {arch} guest moves from an {} host to an {} host, which can run it",
                    src.host_arch, dst.host_arch
                ),
            )
            .detail("arch", arch)
            .detail("source_host_arch", &src.host_arch)
            .detail("destination_host_arch", &dst.host_arch),
        ),
        _ => {}
    }
    findings
}
