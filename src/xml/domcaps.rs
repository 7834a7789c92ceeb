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
