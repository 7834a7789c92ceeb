// SPDX-License-Identifier: LGPL-2.1-or-later
//! CPU_COUNT (proposal item 4): more vCPUs than the destination has physical CPUs overcommits
//! them; emergency migrations may accept it, so it is a WARNING. The hard limits (the machine
//! type's maxCpus, the hypervisor's `<vcpu max>`), above which the guest cannot start at all, are
//! judged by MACHINE, with the machine type they belong to.

use super::{Context, unavailable};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::CpuCount;

pub fn check(cx: &Context) -> Vec<Finding> {
    let node = match &cx.dst.node {
        Ok(node) => node,
        Err(e) => return vec![unavailable(CHECK, "destination", "node info", e)],
    };
    let def = &cx.dest_def();
    let pcpus = node.cpus;
    if def.vcpus > pcpus {
        return vec![
            Finding::warning(
                CHECK,
                "vcpus-exceed-pcpus",
                format!("the guest's {} vCPUs exceed the destination's {pcpus} physical CPUs", def.vcpus),
            )
            .hint("the vCPUs will be overcommitted there; choose a larger destination or reduce the guest's vCPUs")
            .detail("vcpus", def.vcpus)
            .detail("max_vcpus", def.max_vcpus)
            .detail("destination_cpus", pcpus),
        ];
    }
    if def.max_vcpus > pcpus {
        return vec![Finding::warning(
            CHECK,
            "max-vcpus-exceed-pcpus",
            format!(
                "the guest may hotplug up to {} vCPUs, more than the destination's {pcpus} physical CPUs",
                def.max_vcpus
            ),
        )
        .hint("vCPUs hotplugged after the migration would be overcommitted; lower the guest's maximum vCPUs or choose a larger destination")
        .detail("vcpus", def.vcpus)
        .detail("max_vcpus", def.max_vcpus)
        .detail("destination_cpus", pcpus)];
    }
    pinned(cx).into_iter().collect()
}

/// The vCPUs against the destination CPUs they are confined to: their `<vcpu cpuset>`, or the
/// CPUs of the nodes a strict numatune nodeset names.
fn pinned(cx: &Context) -> Option<Finding> {
    use crate::facts::cpuset::{format_set, parse_set};
    let def = &cx.dest_def();
    let caps = cx.dst.capabilities.as_ref().ok()?;
    let (what, cpus) = if let Some(set) = &def.vcpu_cpuset {
        ("its <vcpu cpuset>", parse_set(set).ok()?)
    } else {
        let tune = def.numatune.as_ref().filter(|t| t.placement.as_deref() != Some("auto"))?;
        if !matches!(tune.mode.as_deref().unwrap_or("strict"), "strict" | "restrictive") {
            return None;
        }
        let nodes = parse_set(tune.nodeset.as_deref()?).ok()?;
        (
            "the NUMA nodes its numatune names",
            caps.cells.iter().filter(|c| nodes.contains(&c.id)).flat_map(|c| c.cpus.iter().copied()).collect(),
        )
    };
    let available = if caps.cells.iter().any(|c| !c.cpus.is_empty()) {
        let host: std::collections::BTreeSet<u32> = caps.cells.iter().flat_map(|c| c.cpus.iter().copied()).collect();
        cpus.intersection(&host).count() as u32
    } else {
        cpus.len() as u32
    };
    (def.vcpus > available).then(|| {
        Finding::warning(
            CHECK,
            "vcpus-exceed-pinned-cpus",
            format!("the guest's {} vCPUs are confined to {available} CPU(s) of the destination by {what}", def.vcpus),
        )
        .hint("the vCPUs will share those CPUs; widen the pinning for the destination")
        .detail("vcpus", def.vcpus)
        .detail("pinned_cpus", format_set(&cpus))
        .detail("available_cpus", available)
    })
}
