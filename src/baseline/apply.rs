// SPDX-License-Identifier: LGPL-2.1-or-later
//! Rewriting a guest to a baseline (virMigrationBaselineApply), and the checks that judge whether
//! a guest's definition can run on a host at all (the pairs of `both_ways`).

use super::Baseline;
use crate::cpu::format::format_guest_cpu;
use crate::error::Error;
use crate::facts::machines::machine_family;
use crate::flags::Flags;
use crate::xml;

/// `domain_xml` rewritten to run on every host of `baseline`: its CPU becomes the baseline's
/// (model, vendor, features; topology, NUMA and cache kept), its machine type the newest of its
/// family every host offers, NIC models no host lacks replace missing ones (virtio). Memory
/// and vCPUs are left as the user set them; where they exceed what every host can hold, and
/// where a device cannot be rewritten safely, a comment at the top of the domain says so. The
/// guest keeps its arch, virt type and emulator: a baseline for another arch, virt type or
/// emulator is an error (its CPU is another hypervisor's host-model: KVM's follows the
/// machine's CPU, TCG's is AMD-branded, and a TCG guest given KVM's Intel CPU is refused by the
/// same hosts, "host CPU vendor does not match").
pub fn apply(domain_xml: &str, baseline: &Baseline) -> Result<String, Error> {
    const DOC: &str = "domain XML";
    let root = xml::parse(domain_xml, DOC)?;
    xml::expect_root(&root, "domain", DOC)?;
    let def = xml::domain::parse_domain(domain_xml, DOC)?;
    let differs =
        |ours: Option<&str>, theirs: &str| ours.is_some_and(|o| !o.is_empty() && !theirs.is_empty() && o != theirs);
    for (what, guest, of_baseline) in [
        ("virt type", Some(def.virt_type.as_str()), baseline.virt_type.as_str()),
        ("arch", def.arch.as_deref(), baseline.arch.as_str()),
        ("emulator", def.emulator.as_deref(), baseline.emulator.as_deref().unwrap_or_default()),
    ] {
        if differs(guest, of_baseline) {
            return Err(Error::invalid(format!(
                "the baseline is for {what} '{of_baseline}' and the guest's {what} is '{}': compute the baseline for \
                 the guest's own (the command line's default with --apply)",
                guest.unwrap_or_default()
            )));
        }
    }
    // Edits as (byte range, replacement), applied back to front so spans stay valid.
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    if baseline.cpu.is_none() {
        notes
            .push("the baseline has no CPU every host can give (a host's is unknown); the CPU is left as it is".into());
    }
    if let Some(cpu) = &baseline.cpu {
        let kept: String = root
            .child("cpu")
            .map(|c| {
                c.children
                    .iter()
                    .filter(|e| !matches!(e.name.as_str(), "model" | "vendor" | "feature"))
                    .map(|e| format!("    {}\n", &domain_xml[e.span.clone()]))
                    .collect()
            })
            .unwrap_or_default();
        let formatted = format_guest_cpu(cpu);
        let mut lines: Vec<String> = formatted.lines().map(|l| format!("  {l}")).collect();
        if !kept.is_empty()
            && let Some(last) = lines.pop()
        {
            if last.trim() == "</cpu>" {
                lines.push(kept.trim_end().to_string());
                lines.push(last);
            } else {
                // A self-closing <cpu .../>: open it to hold the kept children.
                lines.push(last.trim_end().trim_end_matches("/>").to_string() + ">");
                lines.push(kept.trim_end().to_string());
                lines.push("  </cpu>".to_string());
            }
        }
        let new_cpu = lines.join("\n").trim_start().to_string();
        match root.child("cpu") {
            Some(old) => edits.push((old.span.clone(), new_cpu)),
            None => {
                let at = root
                    .child("devices")
                    .map(|d| d.span.start)
                    .ok_or_else(|| Error::xml(DOC, "no <devices> to place <cpu> before"))?;
                edits.push((at..at, format!("{new_cpu}\n  ")));
            }
        }
    }
    if let (Some(machine), Some(os_type)) = (def.machine.as_deref(), root.path("os/type")) {
        let family = machine_family(machine);
        let arch = def.arch.clone().unwrap_or_else(|| baseline.arch.clone());
        match baseline.machines.iter().find(|m| m.family == family && m.virt_type == def.virt_type && m.arch == arch) {
            Some(m) if m.newest != machine => {
                let start = &domain_xml[os_type.span.clone()];
                let replaced = start
                    .replacen(&format!("machine='{machine}'"), &format!("machine='{}'", m.newest), 1)
                    .replacen(&format!("machine=\"{machine}\""), &format!("machine=\"{}\"", m.newest), 1);
                edits.push((os_type.span.clone(), replaced));
            }
            Some(_) => {}
            None => notes.push(format!(
                "machine type '{machine}' is of a family not every host offers; choose one from the baseline"
            )),
        }
    }
    if !baseline.nic_models.is_empty() {
        for iface in root.child("devices").into_iter().flat_map(|d| d.children_named("interface")) {
            let Some(model) = iface.child("model") else { continue };
            let name = model.attr("type").unwrap_or_default();
            if !baseline.nic_models.iter().any(|m| m.eq_ignore_ascii_case(name)) {
                edits.push((model.span.clone(), "<model type='virtio'/>".to_string()));
            }
        }
    }
    for (key, label, values) in [
        ("disk.bus", "disk bus", def.disks.iter().filter_map(|d| d.bus.clone()).collect::<Vec<_>>()),
        ("video.modelType", "video model", def.devices.videos.clone()),
    ] {
        if let Some(offered) = baseline.devices.get(key) {
            for v in values.iter().filter(|v| *v != "none" && *v != "default" && !offered.contains(v)) {
                notes.push(format!(
                    "{label} '{v}' is not offered by every host (they share: {}); change it by hand",
                    offered.join(", ")
                ));
            }
        }
    }
    if let Some(max) = baseline.max_memory_kib.filter(|m| def.memory_kib > *m) {
        notes.push(format!("memory {} KiB exceeds the {max} KiB every host can hold", def.memory_kib));
    }
    if let Some(max) = baseline.max_vcpus.filter(|m| def.max_vcpus > *m) {
        notes.push(format!("{} vCPUs exceed the {max} physical CPUs of the smallest host", def.max_vcpus));
    }
    for iface in def.interfaces.iter().filter(|i| i.kind == "network") {
        if let Some(net) = iface.source.as_deref().filter(|n| !baseline.networks.iter().any(|b| b == *n)) {
            notes.push(format!("network '{net}' is not defined and active on every host"));
        }
    }
    if !notes.is_empty() {
        let comment: String =
            notes.iter().map(|n| format!("\n  <!-- libvirt-migration-check: {} -->", n.replace("--", "- -"))).collect();
        let after_start = root.children.first().map(|c| c.span.start).unwrap_or(root.span.end);
        // Insert right after the root's start tag: before its first child's indentation.
        let tag_end = domain_xml[..after_start].rfind('>').map_or(after_start, |i| i + 1);
        edits.push((tag_end..tag_end, comment));
    }
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = domain_xml.to_string();
    for (range, text) in edits {
        out.replace_range(range, &text);
    }
    // What we wrote must still be a domain libvirt's parser (and ours) reads.
    xml::domain::parse_domain(&out, "rewritten domain XML")?;
    Ok(out)
}

/// The checks that decide whether a guest can run on a host at all (not the runtime ones): those
/// the table of checks marks `compatibility`.
pub fn compatibility_flags() -> Flags {
    crate::flags::Check::ALL
        .into_iter()
        .filter(|c| c.judges_compatibility())
        .fold(Flags::empty(), |acc, c| acc | c.bit())
}
