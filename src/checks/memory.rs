//! MEMORY (proposal items 5a/5c, whole host): the guest's memory must fit what the destination
//! can give, with headroom left for the host itself. libvirt does not check this at all: QEMU
//! allocates lazily, so an over-committed destination accepts the guest and swaps or OOM-kills
//! later.
//!
//! Which figure is "free": `virNodeGetMemoryStats` over all cells (free + buffers + cached, the
//! memory the kernel can hand out) when the driver has it, else `virNodeGetFreeMemory`, else (the
//! test driver) the node's total memory minus what its running guests hold. `virNodeGetCellsFree
//! Memory` is not summed: on some hosts it reports NUMA node 0 only. Every message says which
//! figure it used.

use super::{Context, kib_string, unavailable};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Memory;

/// The least headroom left on the destination after the guest arrives, unless the caller sets
/// one (`memory_headroom`): the larger of `HEADROOM_MIN_KIB` and `HEADROOM_PERCENT` of the
/// destination's total memory. Below it: WARNING.
pub const HEADROOM_MIN_KIB: u64 = 512 * 1024;
pub const HEADROOM_PERCENT: u64 = 5;

/// The headroom margin for a destination with `total_kib` of memory.
pub fn headroom_margin_kib(total_kib: u64) -> u64 {
    HEADROOM_MIN_KIB.max(total_kib / 100 * HEADROOM_PERCENT)
}

pub fn check(cx: &Context) -> Vec<Finding> {
    let mut findings = whole_host(cx);
    findings.extend(super::memory_hugepages::check(cx));
    findings
}

/// The margin for this call: the caller's, or the default for the destination's size.
fn margin_kib(cx: &Context, total_kib: u64) -> u64 {
    cx.options.memory_headroom_kib.unwrap_or_else(|| headroom_margin_kib(total_kib))
}

fn whole_host(cx: &Context) -> Vec<Finding> {
    let needed = cx.guest.def.memory_kib;
    let node = match &cx.dst.node {
        Ok(node) => node,
        Err(e) => return vec![unavailable(CHECK, "destination", "node info", e)],
    };
    if cx.options.offline {
        // A cold migration only needs the guest to fit the host at all when it next starts.
        if needed > node.memory_kib {
            return vec![
                Finding::error(
                    CHECK,
                    "exceeds-total",
                    format!(
                        "the guest's {} of memory exceeds the destination's total memory of {}",
                        kib_string(needed),
                        kib_string(node.memory_kib)
                    ),
                )
                .hint("reduce the guest's memory or choose a larger destination")
                .detail("needed_kib", needed)
                .detail("total_kib", node.memory_kib),
            ];
        }
        return Vec::new();
    }
    let (available, total, source, fallback_reason) = match &cx.dst.free_memory {
        Ok(free) => (free.available_kib, free.total_kib.unwrap_or(node.memory_kib), free.source.clone(), None),
        Err(why) => match &cx.dst.domains {
            Ok(domains) => {
                let held = super::saturating_sum(domains.iter().filter(|d| d.active).map(|d| d.memory_kib));
                let source = format!(
                    "its {} total minus the {} its running guests hold, as the driver reports no free memory",
                    kib_string(node.memory_kib),
                    kib_string(held)
                );
                (node.memory_kib.saturating_sub(held), node.memory_kib, source, Some(why.to_string()))
            }
            Err(e) => return vec![unavailable(CHECK, "destination", "free memory and domain list", e)],
        },
    };
    let base = |f: Finding| {
        f.detail("needed_kib", needed)
            .detail("available_kib", available)
            .detail("total_kib", total)
            .detail("source", source.as_str())
            .detail("free_memory_unavailable", fallback_reason.clone().unwrap_or_default())
    };
    if needed > available {
        return vec![base(
            Finding::error(
                CHECK,
                "insufficient",
                format!(
                    "the guest's {} of memory exceeds the {} available on the destination ({source})",
                    kib_string(needed),
                    kib_string(available)
                ),
            )
            .hint("free memory on the destination, reduce the guest's memory, or choose another destination; libvirt \
                will not stop this migration itself"),
        )];
    }
    let margin = margin_kib(cx, total);
    let headroom = available - needed;
    if headroom < margin {
        return vec![base(
            Finding::warning(
                CHECK,
                "low-headroom",
                format!(
                    "only {} would remain free on the destination after the guest's {} arrives, below the margin of {} ({source})",
                    kib_string(headroom),
                    kib_string(needed),
                    kib_string(margin)
                ),
            )
            .hint("the destination host may swap or OOM-kill under load; free memory there or choose another destination")
            .detail("headroom_kib", headroom)
            .detail("margin_kib", margin),
        )];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_is_the_larger_of_the_floor_and_the_percentage() {
        assert_eq!(headroom_margin_kib(1024 * 1024), HEADROOM_MIN_KIB);
        assert_eq!(headroom_margin_kib(100 * 1024 * 1024), 5 * 1024 * 1024);
    }
}
