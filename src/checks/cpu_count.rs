//! CPU_COUNT (proposal item 4): more vCPUs than the destination has physical CPUs overcommits
//! them; emergency migrations may accept it, so it is a WARNING.

use super::{unavailable, Context};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::CpuCount;

pub fn check(cx: &Context) -> Vec<Finding> {
    let node = match &cx.dst.node {
        Ok(node) => node,
        Err(e) => return vec![unavailable(CHECK, "destination", "node info", e)],
    };
    let def = &cx.guest.def;
    let pcpus = node.cpus;
    if def.vcpus > pcpus {
        return vec![Finding::warning(
            CHECK,
            "vcpus-exceed-pcpus",
            format!("the guest's {} vCPUs exceed the destination's {pcpus} physical CPUs", def.vcpus),
        )
        .hint("the vCPUs will be overcommitted there; choose a larger destination or reduce the guest's vCPUs")
        .detail("vcpus", def.vcpus)
        .detail("max_vcpus", def.max_vcpus)
        .detail("destination_cpus", pcpus)];
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
    Vec::new()
}
