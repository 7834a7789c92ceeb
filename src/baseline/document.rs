// SPDX-License-Identifier: LGPL-2.1-or-later
//! The baseline document, `<migrationBaseline version='1'>` (format in docs/baseline.md):
//! written by virMigrationBaseline(), read by virMigrationBaselineApply().

use crate::xml::escape;
use std::fmt::Write as _;

use super::{Baseline, CpuCrossCheck, MachineFamily};
use crate::cpu::format::format_guest_cpu;
use crate::error::Error;
use crate::xml::{self, Element};

/// Writes a baseline.
pub fn write(b: &Baseline) -> String {
    let mut out = String::from("<migrationBaseline version='1'>\n");
    let _ = writeln!(out, "  <arch>{}</arch>", escape(&b.arch));
    if !b.virt_type.is_empty() {
        let _ = writeln!(out, "  <virtType>{}</virtType>", escape(&b.virt_type));
    }
    if let Some(emulator) = &b.emulator {
        let _ = writeln!(out, "  <emulator>{}</emulator>", escape(emulator));
    }
    // cpu_sources, domain_capabilities and hidden run parallel to hosts (or are empty): paired
    // by position, since two hosts may carry the same name.
    for (i, host) in b.hosts.iter().enumerate() {
        let source = b.cpu_sources.get(i).map(|(_, s)| s.as_str());
        let hidden: Vec<&String> = b.hidden.get(i).map(|(_, f)| f.iter().collect()).unwrap_or_default();
        let mut source = source.map(|s| format!(" cpuSource='{}'", escape(s))).unwrap_or_default();
        if let Some(Some((emulator, machine))) = b.domain_capabilities.get(i) {
            let _ = write!(source, " emulator='{}'", escape(emulator));
            // libvirt's test driver (from 9.8) answers domain capabilities naming no machine type.
            if !machine.is_empty() {
                let _ = write!(source, " machine='{}'", escape(machine));
            }
        }
        if hidden.is_empty() {
            let _ = writeln!(out, "  <host name='{}'{source}/>", escape(host));
        } else {
            let _ = writeln!(out, "  <host name='{}'{source}>", escape(host));
            for f in hidden {
                let _ = writeln!(out, "    <hidden name='{}'/>", escape(f));
            }
            let _ = writeln!(out, "  </host>");
        }
    }
    if let Some(cpu) = &b.cpu {
        for line in format_guest_cpu(cpu).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    if let Some(check) = &b.cpu_cross_check {
        write_cross_check(&mut out, check);
    }
    for m in &b.machines {
        let _ = writeln!(
            out,
            "  <machine arch='{}' virtType='{}' family='{}'>{}</machine>",
            escape(&m.arch),
            escape(&m.virt_type),
            escape(&m.family),
            escape(&m.newest)
        );
    }
    if !b.devices.is_empty() {
        out.push_str("  <devices>\n");
        for (name, values) in &b.devices {
            let _ = write!(out, "    <enum name='{}'>", escape(name));
            for v in values {
                let _ = write!(out, "<value>{}</value>", escape(v));
            }
            out.push_str("</enum>\n");
        }
        out.push_str("  </devices>\n");
    }
    if !b.nic_models.is_empty() {
        out.push_str("  <nicModels>");
        for m in &b.nic_models {
            let _ = write!(out, "<model>{}</model>", escape(m));
        }
        out.push_str("</nicModels>\n");
    }
    out.push_str("  <networks>");
    for n in &b.networks {
        let _ = write!(out, "<network>{}</network>", escape(n));
    }
    out.push_str("</networks>\n");
    if let Some(kib) = b.max_memory_kib {
        let _ = writeln!(out, "  <memory unit='KiB'>{kib}</memory>");
    }
    if let Some(n) = b.max_vcpus {
        let _ = writeln!(out, "  <vcpus>{n}</vcpus>");
    }
    match b.tsc_hz {
        Some(hz) => {
            let _ = writeln!(out, "  <tsc frequency='{hz}'/>");
        }
        None => out.push_str("  <tsc/>\n"),
    }
    out.push_str("</migrationBaseline>\n");
    out
}

fn write_cross_check(out: &mut String, check: &CpuCrossCheck) {
    let agree = match check.agree() {
        Some(true) => " agree='yes'",
        Some(false) => " agree='no'",
        None => "",
    };
    let _ = writeln!(out, "  <cpuCrossCheck computedBy='{}'{agree}>", escape(&check.computed_by));
    for (host, reason) in &check.answers {
        match reason {
            None => {
                let _ = writeln!(out, "    <host name='{}' answered='yes'/>", escape(host));
            }
            Some(r) => {
                let _ = writeln!(out, "    <host name='{}' answered='no' reason='{}'/>", escape(host), escape(r));
            }
        }
    }
    for f in &check.only_library {
        let _ = writeln!(out, "    <onlyLibrary name='{}'/>", escape(f));
    }
    for f in &check.only_libvirt {
        let _ = writeln!(out, "    <onlyLibvirt name='{}'/>", escape(f));
    }
    out.push_str("  </cpuCrossCheck>\n");
}

fn read_cross_check(e: &Element) -> CpuCrossCheck {
    let names = |child: &str| e.children_named(child).filter_map(|f| f.attr("name")).map(str::to_string).collect();
    CpuCrossCheck {
        computed_by: e.attr("computedBy").unwrap_or_default().to_string(),
        answers: e
            .children_named("host")
            .map(|h| {
                let reason =
                    (h.attr("answered") != Some("yes")).then(|| h.attr("reason").unwrap_or_default().to_string());
                (h.attr("name").unwrap_or_default().to_string(), reason)
            })
            .collect(),
        only_library: names("onlyLibrary"),
        only_libvirt: names("onlyLibvirt"),
    }
}

fn values(e: &Element, child: &str) -> Vec<String> {
    e.children_named(child).map(|v| v.text.trim().to_string()).collect()
}

/// Reads a baseline document.
pub fn read(text: &str) -> Result<Baseline, Error> {
    const DOC: &str = "baseline XML";
    let root = xml::parse(text, DOC)?;
    xml::expect_root(&root, "migrationBaseline", DOC)?;
    if root.attr("version") != Some("1") {
        return Err(Error::xml(
            DOC,
            format!(
                "baseline version '{}' is not supported (this build reads version 1)",
                root.attr("version").unwrap_or("")
            ),
        ));
    }
    let num = |t: &str, what: &str| xml::number::<u64>(t, what, DOC);
    let mut b = Baseline {
        arch: root.text_at("arch").unwrap_or_default().to_string(),
        // Empty in a document written before baselines named their virt type.
        virt_type: root.text_at("virtType").unwrap_or_default().trim().to_string(),
        emulator: root.text_at("emulator").map(|e| e.trim().to_string()),
        ..Baseline::default()
    };
    for host in root.children_named("host") {
        let name = host.attr("name").unwrap_or_default().to_string();
        b.domain_capabilities
            .push(host.attr("emulator").map(|e| (e.to_string(), host.attr("machine").unwrap_or_default().to_string())));
        if let Some(source) = host.attr("cpuSource") {
            b.cpu_sources.push((name.clone(), source.to_string()));
        }
        b.hidden.push((
            name.clone(),
            host.children_named("hidden").filter_map(|h| h.attr("name")).map(str::to_string).collect(),
        ));
        b.hosts.push(name);
    }
    b.cpu = root.child("cpu").map(xml::cpu::parse_cpu);
    b.cpu_cross_check = root.child("cpuCrossCheck").map(read_cross_check);
    for m in root.children_named("machine") {
        b.machines.push(MachineFamily {
            arch: m.attr("arch").unwrap_or_default().to_string(),
            virt_type: m.attr("virtType").unwrap_or_default().to_string(),
            family: m.attr("family").unwrap_or_default().to_string(),
            newest: m.text.trim().to_string(),
        });
    }
    if let Some(devices) = root.child("devices") {
        for e in devices.children_named("enum") {
            b.devices.insert(e.attr("name").unwrap_or_default().to_string(), values(e, "value"));
        }
    }
    b.nic_models = root.child("nicModels").map(|n| values(n, "model")).unwrap_or_default();
    b.networks = root.child("networks").map(|n| values(n, "network")).unwrap_or_default();
    b.max_memory_kib = root
        .child("memory")
        .map(|m| xml::dom::element_kib(m, "KiB").ok_or_else(|| Error::xml(DOC, "bad <memory>")))
        .transpose()?;
    b.max_vcpus = root.text_at("vcpus").map(|v| num(v, "<vcpus>").map(|n| n as u32)).transpose()?;
    b.tsc_hz = root.attr_at("tsc", "frequency").map(|f| num(f, "<tsc frequency>")).transpose()?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_whose_domain_capabilities_name_no_machine_reads_back() {
        // libvirt 11.3's test driver answers domain capabilities with an emulator and no machine.
        let b = Baseline {
            hosts: vec!["test:///default".into()],
            arch: "x86_64".into(),
            virt_type: "test".into(),
            domain_capabilities: vec![Some(("/usr/bin/test-hv".into(), String::new()))],
            ..Baseline::default()
        };
        let text = write(&b);
        assert!(text.contains("emulator='/usr/bin/test-hv'/>") && !text.contains("machine=''"), "{text}");
        assert_eq!(read(&text).unwrap().domain_capabilities, b.domain_capabilities);
    }
}
