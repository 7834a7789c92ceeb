// SPDX-License-Identifier: LGPL-2.1-or-later
//! `<capabilities>`: what a host can run (`virConnectGetCapabilities`).

use super::expect_root;
use crate::error::Error;
use crate::facts::{Capabilities, CapsCell, GuestCapability};

pub fn parse_capabilities(xml: &str, document: &str) -> Result<Capabilities, Error> {
    let root = super::parse(xml, document)?;
    expect_root(&root, "capabilities", document)?;
    let host = root.child("host").ok_or_else(|| Error::xml(document, "missing <host>"))?;
    let guests = root
        .children_named("guest")
        .flat_map(|guest| {
            let os_type = guest.text_at("os_type").unwrap_or_default().to_string();
            guest.children_named("arch").map(move |arch| GuestCapability {
                os_type: os_type.clone(),
                arch: arch.attr("name").unwrap_or_default().to_string(),
                emulator: arch.text_at("emulator").map(str::to_string),
                domain_emulators: arch
                    .children_named("domain")
                    .filter_map(|d| d.text_at("emulator"))
                    .map(str::to_string)
                    .collect(),
                // Machines listed per arch, and per domain type (<domain type='kvm'><machine>).
                machines: arch
                    .children_named("machine")
                    .chain(arch.children_named("domain").flat_map(|d| d.children_named("machine")))
                    .map(|m| m.text.trim().to_string())
                    .collect(),
                machine_aliases: arch
                    .children_named("machine")
                    .chain(arch.children_named("domain").flat_map(|d| d.children_named("machine")))
                    .filter_map(|m| Some((m.text.trim().to_string(), m.attr("canonical")?.to_string())))
                    .collect(),
                machine_max_cpus: arch
                    .children_named("machine")
                    .chain(arch.children_named("domain").flat_map(|d| d.children_named("machine")))
                    .filter_map(|m| Some((m.text.trim().to_string(), m.attr("maxCpus")?.trim().parse().ok()?)))
                    .collect(),
                domain_types: arch
                    .children_named("domain")
                    .filter_map(|d| d.attr("type"))
                    .map(str::to_string)
                    .collect(),
            })
        })
        .collect();
    let cells: Vec<_> = host.path("topology/cells").map(|c| c.children_named("cell").collect()).unwrap_or_default();
    let num = |t: Option<&str>| t.and_then(|v| v.trim().parse::<u64>().ok());
    let caps_cells = cells
        .iter()
        .enumerate()
        .map(|(i, c)| CapsCell {
            id: num(c.attr("id")).map_or(i as u32, |v| v as u32),
            memory_kib: c.child("memory").and_then(|m| super::dom::element_kib(m, "KiB")).unwrap_or(0),
            pages: c
                .children_named("pages")
                .filter_map(|p| {
                    Some((super::dom::scaled_to_kib(p.attr("size")?, p.attr("unit"), "KiB")?, num(Some(&p.text))?))
                })
                .collect(),
            cpus: c
                .child("cpus")
                .map(|cpus| {
                    cpus.children_named("cpu").filter_map(|cpu| num(cpu.attr("id")).map(|v| v as u32)).collect()
                })
                .unwrap_or_default(),
            distances: c
                .child("distances")
                .map(|d| {
                    d.children_named("sibling")
                        .filter_map(|s| Some((num(s.attr("id"))? as u32, num(s.attr("value"))? as u32)))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    Ok(Capabilities {
        cells: caps_cells,
        topology_cpus: cells
            .iter()
            .filter_map(|c| c.child("cpus"))
            .map(|c| c.children_named("cpu").count() as u32)
            .sum(),
        topology_memory_kib: cells
            .iter()
            .filter_map(|c| c.child("memory"))
            .filter_map(|m| super::dom::element_kib(m, "KiB"))
            .fold(0, u64::saturating_add),
        host_uuid: host.text_at("uuid").map(str::to_string),
        host_arch: host.text_at("cpu/arch").unwrap_or_default().to_string(),
        host_cpu_model: host.text_at("cpu/model").map(str::to_string),
        host_cpu_vendor: host.text_at("cpu/vendor").map(str::to_string),
        host_cpu: host.child("cpu").filter(|c| c.child("model").is_some()).map(super::cpu::parse_cpu),
        tsc: host
            .child("cpu")
            .and_then(|c| c.children_named("counter").find(|k| k.attr("name") == Some("tsc")))
            .and_then(|k| Some((k.attr("frequency")?.parse().ok()?, k.attr("scaling").map(|s| s == "yes")))),
        host_cpu_signature: host.path("cpu/signature").and_then(|s| {
            let n = |a: &str| s.attr(a)?.parse::<u32>().ok();
            Some((n("family")?, n("model")?, n("stepping")?))
        }),
        numa_cells: host.path("topology/cells").map(|c| c.children_named("cell").count() as u32).unwrap_or(0),
        page_sizes_kib: host
            .child("cpu")
            .into_iter()
            .flat_map(|cpu| cpu.children_named("pages"))
            .filter_map(|p| super::dom::scaled_to_kib(p.attr("size")?, p.attr("unit"), "KiB"))
            .collect(),
        guests,
    })
}
