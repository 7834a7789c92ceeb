// SPDX-License-Identifier: LGPL-2.1-or-later
//! The hugepages part of MEMORY: a guest backed by huge pages needs enough free pages of its
//! page size on the destination, within the host nodes it may use, or QEMU fails with "unable
//! to map backing store for guest RAM" after the destination started (docs/testbed.md).

use std::collections::BTreeSet;

use super::{Context, kib_string};
use crate::facts::DomainDef;
use crate::facts::cpuset::{format_set, parse_set};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Memory;

/// The huge page size a guest gets when it names none: x86's and arm64's default (2 MiB).
pub const DEFAULT_HUGEPAGE_KIB: u64 = 2048;

/// Memory (KiB) each huge page size must back: `(page size, KiB)`. A `<page>` with a nodeset
/// covers those guest NUMA cells; one without covers the rest (all memory for a non-NUMA guest).
pub fn hugepage_needs(def: &DomainDef) -> Vec<(u64, u64)> {
    let Some(backing) = def.memory_backing.as_ref().filter(|b| b.hugepages) else { return Vec::new() };
    let specs: Vec<(u64, Option<String>)> =
        if backing.pages.is_empty() { vec![(DEFAULT_HUGEPAGE_KIB, None)] } else { backing.pages.clone() };
    let mut covered: BTreeSet<u32> = BTreeSet::new();
    let mut needs: Vec<(u64, u64)> = Vec::new();
    let mut add = |size: u64, kib: u64| match needs.iter_mut().find(|(s, _)| *s == size) {
        Some(entry) => entry.1 = entry.1.saturating_add(kib),
        None => needs.push((size, kib)),
    };
    for (size, nodeset) in specs.iter().filter(|(_, n)| n.is_some()) {
        let cells = nodeset.as_deref().and_then(|n| parse_set(n).ok()).unwrap_or_default();
        let kib = super::saturating_sum(def.numa_cells.iter().filter(|c| cells.contains(&c.id)).map(|c| c.memory_kib));
        covered.extend(cells);
        add(*size, kib);
    }
    if let Some((size, _)) = specs.iter().find(|(_, n)| n.is_none()) {
        let kib = if def.numa_cells.is_empty() {
            def.memory_kib
        } else {
            super::saturating_sum(def.numa_cells.iter().filter(|c| !covered.contains(&c.id)).map(|c| c.memory_kib))
        };
        add(*size, kib);
    }
    needs.retain(|(_, kib)| *kib > 0);
    needs
}

/// The host nodes the guest's memory may come from: a strict (or restrictive) numatune nodeset,
/// else every node.
fn allowed_nodes(def: &DomainDef) -> Option<BTreeSet<u32>> {
    let tune = def.numatune.as_ref()?;
    if tune.placement.as_deref() == Some("auto")
        || !matches!(tune.mode.as_deref().unwrap_or("strict"), "strict" | "restrictive")
    {
        return None;
    }
    tune.nodeset.as_deref().and_then(|n| parse_set(n).ok())
}

pub fn check(cx: &Context) -> Vec<Finding> {
    let needs = hugepage_needs(cx.dest_def());
    if needs.is_empty() {
        return Vec::new();
    }
    let caps = match &cx.dst.capabilities {
        Ok(caps) => caps,
        Err(e) => return vec![super::unavailable(CHECK, "destination", "capabilities (huge page sizes)", e)],
    };
    let allowed = allowed_nodes(cx.dest_def());
    let in_allowed = |id: u32| allowed.as_ref().is_none_or(|a| a.contains(&id));
    let nodes_text = allowed.as_ref().map(format_set).unwrap_or_else(|| "all".to_string());
    let mut findings = Vec::new();
    for (size, kib) in needs {
        let needed = kib.div_ceil(size);
        let base = |f: Finding| {
            f.detail("page_size_kib", size).detail("pages_needed", needed).detail("nodes", nodes_text.as_str())
        };
        // The sizes the host offers: its CPU's, and any its NUMA cells count pages of.
        let offered: BTreeSet<u64> = caps
            .page_sizes_kib
            .iter()
            .copied()
            .chain(caps.cells.iter().flat_map(|c| c.pages.iter().map(|(s, _)| *s)))
            .collect();
        if !offered.is_empty() && !offered.contains(&size) {
            findings.push(base(
                Finding::error(
                    CHECK,
                    "hugepages-size-unsupported",
                    format!("the destination offers no {} huge pages, which the guest's memory uses", kib_string(size)),
                )
                .hint("back the guest with a page size every host offers"),
            ));
            continue;
        }
        // Free pages where the host reports them (live, a snapshot of a live host); a cold
        // migration, or a host that reports none, is judged on the pages allocated.
        let free: Option<u64> = match (&cx.dst.cells, cx.options.offline) {
            (Ok(cells), false) if !cells.is_empty() => Some(super::saturating_sum(
                cells
                    .iter()
                    .filter(|c| in_allowed(c.id))
                    .map(|c| c.free_pages.iter().find(|(s, _)| *s == size).map_or(0, |(_, n)| *n)),
            )),
            _ => None,
        };
        let allocated = super::saturating_sum(
            caps.cells
                .iter()
                .filter(|c| in_allowed(c.id))
                .map(|c| c.pages.iter().find(|(s, _)| *s == size).map_or(0, |(_, n)| *n)),
        );
        let (available, what) = match free {
            Some(free) => (free, "free"),
            None if !caps.cells.is_empty() => (allocated, "allocated"),
            None => {
                findings.push(base(Finding::skipped(
                    CHECK,
                    "hugepages-unavailable",
                    format!(
                        "cannot evaluate: the destination reports neither free nor allocated {} huge pages",
                        kib_string(size)
                    ),
                )));
                continue;
            }
        };
        if available < needed {
            findings.push(base(
                Finding::error(
                    CHECK,
                    "hugepages-insufficient",
                    format!(
                        "the guest needs {needed} huge pages of {} on the destination (nodes {nodes_text}) but only {available} are {what}",
                        kib_string(size)
                    ),
                )
                .hint("allocate more huge pages on the destination (vm.nr_hugepages or \
                    /sys/devices/system/node/*/hugepages), or choose another destination")
                .detail("pages_available", available)
                .detail("counted", what),
            ));
        } else if free.is_none() && !cx.options.offline {
            findings.push(base(
                Finding::skipped(
                    CHECK,
                    "hugepages-free-unknown",
                    format!(
                        "cannot verify free huge pages of {} on the destination: {allocated} are allocated \
                        there, but how many are free is unknown",
                        kib_string(size)
                    ),
                )
                .detail("pages_allocated", allocated),
            ));
        }
    }
    findings
}
