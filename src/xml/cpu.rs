// SPDX-License-Identifier: LGPL-2.1-or-later
//! `<cpu>` elements wherever they stand: bare, several inside another element (libvirt's
//! `<cpuTest>`), in capabilities (the host CPU), in domain capabilities (host-model) or in
//! domain XML.

use super::dom::Element;
use crate::error::Error;
use crate::facts::CpuDef;

/// Parses one `<cpu>` element.
pub fn parse_cpu(cpu: &Element) -> CpuDef {
    let host = cpu.child("arch").is_some();
    CpuDef {
        host,
        mode: cpu.attr("mode").map(str::to_string),
        matching: cpu.attr("match").map(str::to_string),
        arch: cpu.text_at("arch").map(str::to_string),
        model: cpu.text_at("model").map(str::to_string),
        fallback: cpu.attr_at("model", "fallback").map(str::to_string),
        vendor: cpu.text_at("vendor").map(str::to_string),
        features: cpu
            .children_named("feature")
            .filter_map(|f| {
                let policy = if host { "require" } else { f.attr("policy").unwrap_or("require") };
                Some((f.attr("name")?.to_string(), policy.to_string()))
            })
            .collect(),
        cache_mode: cpu.attr_at("cache", "mode").map(str::to_string),
    }
}

/// Every CPU definition in a document: a bare `<cpu>`, the `<cpu>` children of any wrapper,
/// the host CPU of `<capabilities>`, the host-model CPU of `<domainCapabilities>`, the CPU of a
/// `<domain>`.
pub fn parse_cpus(xml: &str, document: &str) -> Result<Vec<CpuDef>, Error> {
    let root = super::parse(xml, document)?;
    let cpus: Vec<CpuDef> = match root.name.as_str() {
        "cpu" => vec![parse_cpu(&root)],
        "capabilities" => root.path("host/cpu").map(parse_cpu).into_iter().collect(),
        "domain" => root.child("cpu").map(parse_cpu).into_iter().collect(),
        "domainCapabilities" => host_model(&root).into_iter().collect(),
        _ => root.children_named("cpu").map(parse_cpu).collect(),
    };
    if cpus.is_empty() {
        return Err(Error::xml(document, format!("no <cpu> element in <{}>", root.name)));
    }
    Ok(cpus)
}

/// The host-model CPU of domain capabilities, as a guest CPU definition.
pub fn host_model(domcaps: &Element) -> Option<CpuDef> {
    let mode = domcaps
        .child("cpu")?
        .children_named("mode")
        .find(|m| m.attr("name") == Some("host-model") && m.attr("supported") != Some("no"))?;
    let mut cpu = parse_cpu(mode);
    cpu.mode = Some("custom".to_string());
    Some(cpu)
}
