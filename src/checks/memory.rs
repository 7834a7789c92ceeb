// SPDX-License-Identifier: LGPL-2.1-or-later
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
//!
//! The total is a bound of its own, known where free memory is not (a snapshot assembled from
//! saved XML, a driver without free-memory figures): node info's memory (`virNodeGetInfo`, the
//! kernel's MemTotal), else the sum of the NUMA cells' `<memory>` in the capabilities. A guest
//! whose `<memory>` (its initial memory and memory devices; `<maxMemory>` is address space only,
//! never allocated) exceeds it cannot be backed there: QEMU maps the guest's RAM when it starts
//! (`ram_block_add`, softmmu/physmem.c in 7.2, system/physmem.c in 10.0), and under the kernel's
//! default overcommit heuristic a mapping larger than RAM plus swap fails, so the incoming QEMU
//! exits with "cannot set up guest memory 'pc.ram': Cannot allocate memory" (measured with QEMU
//! 7.2 and 10.0 alike: 24 GiB on a host of 23.5 GiB without swap); where swap lets it start, the
//! guest cannot be held in RAM. ERROR, as for a cold migration. When the guest fits the total but
//! free memory is unknown, the free-memory part stays SKIPPED (`memory.unavailable`): nothing
//! shows what else uses that memory, and a WARNING would be a guess. Only what follows from the
//! total alone is added: when even an idle destination would keep less than the margin, that is
//! a `memory.low-headroom` WARNING whatever else runs there. A hugepage-backed guest is judged on
//! its pages as well (memory_hugepages.rs).

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

/// The destination's total memory, in KiB, and where the figure came from: node info, else the
/// sum of its capabilities' NUMA cells.
fn total_memory(cx: &Context) -> Result<(u64, &'static str), Finding> {
    let cells = cx.dst.capabilities.as_ref().ok().map_or(0, |c| c.topology_memory_kib);
    match &cx.dst.node {
        Ok(node) if node.memory_kib > 0 => Ok((node.memory_kib, "virNodeGetInfo")),
        _ if cells > 0 => Ok((cells, "the sum of its capabilities' NUMA cells")),
        // No figure at all (libvirt's test driver capabilities without cell memory): unknown,
        // not a host of 0 KiB.
        Ok(_) => Err(unavailable(
            CHECK,
            "destination",
            "total memory",
            &crate::facts::Unavailable::new("virNodeGetInfo", "the host reports no memory size"),
        )),
        Err(e) => Err(unavailable(CHECK, "destination", "node info", e)),
    }
}

/// The guest needs more than the destination has at all.
fn exceeds_total(needed: u64, total: u64, total_source: &str) -> Finding {
    Finding::error(
        CHECK,
        "exceeds-total",
        format!(
            "the guest's {} of memory exceeds the destination's total memory of {} ({total_source})",
            kib_string(needed),
            kib_string(total)
        ),
    )
    .hint("reduce the guest's memory or choose a larger destination")
    .detail("needed_kib", needed)
    .detail("total_kib", total)
    .detail("total_source", total_source)
}

fn whole_host(cx: &Context) -> Vec<Finding> {
    let needed = cx.guest.def.memory_kib;
    let (total_kib, total_source) = match total_memory(cx) {
        Ok(total) => total,
        Err(skipped) => return vec![skipped],
    };
    if cx.options.offline {
        // A cold migration only needs the guest to fit the host at all when it next starts.
        if needed > total_kib {
            return vec![exceeds_total(needed, total_kib, total_source)];
        }
        return Vec::new();
    }
    let (available, total, source, fallback_reason) = match &cx.dst.free_memory {
        Ok(free) => (free.available_kib, free.total_kib.unwrap_or(total_kib), free.source.clone(), None),
        Err(why) => match &cx.dst.domains {
            Ok(domains) => {
                let held = super::saturating_sum(domains.iter().filter(|d| d.active).map(|d| d.memory_kib));
                let source = format!(
                    "its {} total minus the {} its running guests hold, as the driver reports no free memory",
                    kib_string(total_kib),
                    kib_string(held)
                );
                (total_kib.saturating_sub(held), total_kib, source, Some(why.to_string()))
            }
            Err(e) => return total_only(cx, needed, total_kib, total_source, e),
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

/// A live migration to a destination whose total memory is known but not what is free (nor
/// what its guests hold): the total bounds the guest; what is free stays unknown.
fn total_only(
    cx: &Context,
    needed: u64,
    total: u64,
    total_source: &str,
    why: &crate::facts::Unavailable,
) -> Vec<Finding> {
    if needed > total {
        return vec![exceeds_total(needed, total, total_source)];
    }
    let mut findings = vec![
        unavailable(CHECK, "destination", "free memory and domain list", why)
            .detail("needed_kib", needed)
            .detail("total_kib", total)
            .detail("total_source", total_source),
    ];
    let margin = margin_kib(cx, total);
    let headroom = total - needed;
    if headroom < margin {
        findings.push(
            Finding::warning(
                CHECK,
                "low-headroom",
                format!(
                    "at most {} would remain free on the destination after the guest's {} arrives, even if nothing \
                    else used its memory: below the margin of {} (its total memory, {total_source}; free memory is \
                    unknown)",
                    kib_string(headroom),
                    kib_string(needed),
                    kib_string(margin)
                ),
            )
            .hint("the destination host may swap or OOM-kill under load; choose a larger destination")
            .detail("needed_kib", needed)
            .detail("total_kib", total)
            .detail("source", total_source)
            .detail("headroom_kib", headroom)
            .detail("margin_kib", margin),
        );
    }
    findings
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
