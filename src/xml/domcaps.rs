// SPDX-License-Identifier: LGPL-2.1-or-later
//! `<domainCapabilities>`: what one emulator offers for one arch, machine and virt type
//! (`virConnectGetDomainCapabilities`).

use std::collections::BTreeMap;

use super::{expect_root, number};
use crate::error::Error;
use crate::facts::DomainCapabilities;

pub fn parse_domain_capabilities(xml: &str, document: &str) -> Result<DomainCapabilities, Error> {
    let root = super::parse(xml, document)?;
    expect_root(&root, "domainCapabilities", document)?;
    let mut device_enums = BTreeMap::new();
    let mut devices_unsupported = Vec::new();
    for device in root.child("devices").into_iter().flat_map(|d| d.children.iter()) {
        if device.attr("supported") == Some("no") {
            devices_unsupported.push(device.name.clone());
            continue;
        }
        for e in device.children_named("enum") {
            let Some(name) = e.attr("name") else { continue };
            let values = e.children_named("value").map(|v| v.text.trim().to_string()).collect();
            device_enums.insert(format!("{}.{name}", device.name), values);
        }
    }
    Ok(DomainCapabilities {
        path: root.text_at("path").unwrap_or_default().to_string(),
        domain: root.text_at("domain").unwrap_or_default().to_string(),
        machine: root.text_at("machine").unwrap_or_default().to_string(),
        arch: root.text_at("arch").unwrap_or_default().to_string(),
        max_vcpus: root.attr_at("vcpu", "max").map(|m| number(m, "<vcpu max>", document)).transpose()?,
        host_model: super::cpu::host_model(&root),
        cpu_models: cpu_models(&root),
        loader_values: root
            .path("os/loader")
            .map(|l| l.children_named("value").map(|v| v.text.trim().to_string()).collect())
            .unwrap_or_default(),
        host_passthrough: root.child("cpu").is_some_and(|c| {
            c.children_named("mode")
                .any(|m| m.attr("name") == Some("host-passthrough") && m.attr("supported") == Some("yes"))
        }),
        device_enums,
        devices_unsupported,
    })
}

/// `<cpu><mode name='custom'>`: each model, whether usable, its canonical name and blockers.
fn cpu_models(root: &super::dom::Element) -> Vec<crate::facts::CpuModelInfo> {
    let Some(custom) =
        root.child("cpu").and_then(|c| c.children_named("mode").find(|m| m.attr("name") == Some("custom")))
    else {
        return Vec::new();
    };
    let blockers = |name: &str| -> Vec<String> {
        custom
            .children_named("blockers")
            .filter(|b| b.attr("model") == Some(name))
            .flat_map(|b| b.children_named("feature").filter_map(|f| f.attr("name")).map(str::to_string))
            .collect()
    };
    custom
        .children_named("model")
        .map(|m| {
            let name = m.text.trim().to_string();
            crate::facts::CpuModelInfo {
                usable: m.attr("usable").map(|u| u == "yes"),
                canonical: m.attr("canonical").map(str::to_string),
                blockers: blockers(&name),
                name,
            }
        })
        .collect()
}
