// SPDX-License-Identifier: LGPL-2.1-or-later
//! NUMA (proposal items 5b to 5d): where the guest's memory and vCPUs land on the destination's
//! NUMA nodes. A nodeset naming a node the destination lacks makes QEMU's start fail; a strict
//! placement into nodes too small fails or swaps; a guest that no longer fits one node runs with
//! remote memory.

use std::collections::{BTreeMap, BTreeSet};

use super::{Context, kib_string, unavailable};
use crate::facts::cpuset::{format_set, parse_set};
use crate::facts::{Capabilities, DomainDef};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Numa;

/// Memory each destination node can give: its free memory where the host reports it (a live
/// migration), else its size. Returns the figures and which one they are.
fn node_memory(cx: &Context, caps: &Capabilities) -> (BTreeMap<u32, u64>, &'static str) {
    if !cx.options.offline
        && let Ok(cells) = &cx.dst.cells
        && !cells.is_empty()
        && cells.iter().any(|c| c.free_kib > 0)
    {
        return (cells.iter().map(|c| (c.id, c.free_kib)).collect(), "free");
    }
    (caps.cells.iter().map(|c| (c.id, c.memory_kib)).collect(), "in size")
}

fn strict(mode: Option<&str>) -> bool {
    matches!(mode.unwrap_or("strict"), "strict" | "restrictive")
}

pub fn check(cx: &Context) -> Vec<Finding> {
    let caps = match &cx.dst.capabilities {
        Ok(caps) => caps,
        Err(e) => return vec![unavailable(CHECK, "destination", "capabilities (NUMA topology)", e)],
    };
    let def = cx.dest_def();
    let dst_nodes: BTreeSet<u32> = caps.cells.iter().map(|c| c.id).collect();
    let dst_numa = caps.cells.len() >= 2;
    let guest_numa = !def.numa_cells.is_empty();
    let mut findings = Vec::new();

    if guest_numa && !dst_numa {
        findings.push(
            Finding::info(
                CHECK,
                "emulated",
                format!(
                    "the guest's {} NUMA cells will be emulated on the destination, which has {}",
                    def.numa_cells.len(),
                    if caps.cells.is_empty() { "no NUMA topology".to_string() } else { "a single node".to_string() }
                ),
            )
            .detail("guest_cells", def.numa_cells.len() as u64)
            .detail("destination_nodes", caps.cells.len() as u64),
        );
    }
    let (memory, figure) = node_memory(cx, caps);
    let tune = def.numatune.as_ref().filter(|t| t.placement.as_deref() != Some("auto"));
    if !guest_numa && dst_numa && tune.and_then(|t| t.nodeset.as_ref()).is_none() {
        // 5b: does the whole guest still fit one node?
        if let Some((&best, &kib)) = memory.iter().max_by_key(|(_, kib)| **kib)
            && kib < def.memory_kib
        {
            findings.push(
                    Finding::warning(
                        CHECK,
                        "no-single-node-fit",
                        format!(
                            "the guest's {} no longer fit one NUMA node of the destination: the best, node {best}, \
                                has {} {figure}, {} short",
                            kib_string(def.memory_kib),
                            kib_string(kib),
                            kib_string(def.memory_kib - kib)
                        ),
                    )
                    .hint("part of its memory will be remote to its vCPUs; choose a destination with a larger node, \
                        or give the guest a NUMA topology")
                    .detail("node", best)
                    .detail("node_kib", kib)
                    .detail("needed_kib", def.memory_kib)
                    .detail("figure", figure),
                );
        }
    }
    if let Some(tune) = tune {
        if let Some(nodeset) = &tune.nodeset {
            findings.extend(nodeset_findings(
                "numatune",
                nodeset,
                tune.mode.as_deref(),
                def.memory_kib,
                &dst_nodes,
                &memory,
                figure,
            ));
        }
        for memnode in &tune.memnodes {
            let cell_kib = def.numa_cells.iter().find(|c| c.id == memnode.cellid).map_or(0, |c| c.memory_kib);
            let what = format!("memnode of guest cell {}", memnode.cellid);
            findings.extend(nodeset_findings(
                &what,
                &memnode.nodeset,
                memnode.mode.as_deref(),
                cell_kib,
                &dst_nodes,
                &memory,
                figure,
            ));
        }
    }
    findings.extend(pin_findings(cx, caps));
    findings
}

/// A nodeset's nodes must exist on the destination, and hold the memory placed there.
fn nodeset_findings(
    what: &str,
    nodeset: &str,
    mode: Option<&str>,
    needed: u64,
    dst_nodes: &BTreeSet<u32>,
    memory: &BTreeMap<u32, u64>,
    figure: &str,
) -> Vec<Finding> {
    let nodes = match parse_set(nodeset) {
        Ok(nodes) => nodes,
        Err(e) => return vec![Finding::error(CHECK, "bad-nodeset", format!("the {what} nodeset is invalid: {e}"))],
    };
    let missing: BTreeSet<u32> = nodes.difference(dst_nodes).copied().collect();
    if !missing.is_empty() {
        return vec![
            Finding::error(
                CHECK,
                "node-missing",
                format!(
                    "the {what} places memory on host NUMA node(s) {} that the destination lacks (it has {})",
                    format_set(&missing),
                    if dst_nodes.is_empty() { "none".to_string() } else { format_set(dst_nodes) }
                ),
            )
            .hint("change the guest's <numatune> nodeset to nodes every host has, or use placement='auto'")
            .detail("nodeset", nodeset)
            .detail("missing_nodes", format_set(&missing)),
        ];
    }
    let available = super::saturating_sum(nodes.iter().filter_map(|n| memory.get(n).copied()));
    if needed <= available || memory.is_empty() {
        return Vec::new();
    }
    let mode = mode.unwrap_or("strict");
    let message = format!(
        "the {what} ({mode}) places {} on destination node(s) {nodeset}, which have {} {figure}",
        kib_string(needed),
        kib_string(available)
    );
    let finding = if strict(Some(mode)) {
        Finding::error(CHECK, "nodes-too-small", message).hint("free memory on those nodes, or widen the nodeset")
    } else {
        Finding::warning(CHECK, "nodes-too-small", message)
            .hint("the rest will come from other nodes, with remote-memory latency")
    };
    vec![
        finding
            .detail("nodeset", nodeset)
            .detail("needed_kib", needed)
            .detail("available_kib", available)
            .detail("mode", mode),
    ]
}

/// The guest's CPU pins must name CPUs the destination has, and keep their node layout.
fn pin_findings(cx: &Context, caps: &Capabilities) -> Vec<Finding> {
    let def: &DomainDef = cx.dest_def();
    let dst_cpus: BTreeSet<u32> = if caps.cells.iter().any(|c| !c.cpus.is_empty()) {
        caps.cells.iter().flat_map(|c| c.cpus.iter().copied()).collect()
    } else if let Ok(node) = &cx.dst.node {
        (0..node.cpus).collect()
    } else {
        return Vec::new();
    };
    let node_of = |caps: &Capabilities, cpu: u32| caps.cells.iter().find(|c| c.cpus.contains(&cpu)).map(|c| c.id);
    let mut pins: Vec<(String, &str)> = Vec::new();
    if let Some(set) = &def.vcpu_cpuset {
        pins.push(("<vcpu cpuset>".to_string(), set));
    }
    for (vcpu, set) in &def.vcpupins {
        pins.push((format!("vcpupin of vCPU {vcpu}"), set));
    }
    if let Some(set) = &def.emulatorpin {
        pins.push(("emulatorpin".to_string(), set));
    }
    for (id, set) in &def.iothreadpins {
        pins.push((format!("iothreadpin of iothread {id}"), set));
    }
    let mut findings = Vec::new();
    for (what, set) in pins {
        let cpus = match parse_set(set) {
            Ok(cpus) => cpus,
            Err(e) => {
                findings.push(Finding::error(CHECK, "bad-cpuset", format!("the {what} cpuset is invalid: {e}")));
                continue;
            }
        };
        let missing: BTreeSet<u32> = cpus.difference(&dst_cpus).copied().collect();
        if !missing.is_empty() {
            findings.push(
                Finding::error(
                    CHECK,
                    "cpu-missing",
                    format!(
                        "the {what} names host CPU(s) {} that the destination lacks (it has {})",
                        format_set(&missing),
                        format_set(&dst_cpus)
                    ),
                )
                .hint("re-pin the guest to CPUs every host has before migrating, or drop the pin")
                .detail("pin", what.as_str())
                .detail("cpuset", set)
                .detail("missing_cpus", format_set(&missing)),
            );
            continue;
        }
        // Same CPU ids, other layout: one node on the source, several on the destination.
        if let Ok(src_caps) = &cx.src.capabilities {
            let src_nodes: BTreeSet<u32> = cpus.iter().filter_map(|c| node_of(src_caps, *c)).collect();
            let dst_nodes: BTreeSet<u32> = cpus.iter().filter_map(|c| node_of(caps, *c)).collect();
            if src_nodes.len() == 1 && dst_nodes.len() > 1 {
                findings.push(
                    Finding::warning(
                        CHECK,
                        "pin-crosses-nodes",
                        format!(
                            "the {what} (CPUs {set}) lies in one NUMA node on the source but spans nodes {} on the destination",
                            format_set(&dst_nodes)
                        ),
                    )
                    .hint("re-pin the guest for the destination's topology")
                    .detail("pin", what.as_str())
                    .detail("cpuset", set),
                );
            }
        }
    }
    findings
}
