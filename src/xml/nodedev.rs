// SPDX-License-Identifier: LGPL-2.1-or-later
//! Node devices (`virNodeDeviceGetXMLDesc`), for what HOSTDEV needs of them: which mediated
//! device type an existing mdev is, and which mdev types a parent device (a GPU, a VF, an AP
//! matrix, a CSS channel) can still create, with how many free instances.

use super::dom::{Element, parse};
use crate::error::Error;
use crate::facts::NodeDevice;

pub fn parse_node_device(xml: &str, document: &str) -> Result<NodeDevice, Error> {
    let root = parse(xml, document)?;
    if root.name != "device" {
        return Err(Error::xml(document, format!("expected <device>, found <{}>", root.name)));
    }
    let name = root.text_at("name").unwrap_or_default().to_string();
    let mut device = NodeDevice { name: name.clone(), ..NodeDevice::default() };
    let mut stack: Vec<&Element> = root.children_named("capability").collect();
    // mdev_types sit at the top (ap_matrix, css) or inside a pci capability: walk them all.
    while let Some(cap) = stack.pop() {
        match cap.attr("type") {
            Some("mdev") => {
                let uuid = cap
                    .text_at("uuid")
                    .map(str::to_string)
                    .or_else(|| name.strip_prefix("mdev_").map(|u| u.replace('_', "-")))
                    .unwrap_or_default();
                if let Some(type_id) = cap.attr_at("type", "id") {
                    device.mdev = Some((uuid.to_ascii_lowercase(), type_id.to_string()));
                }
            }
            Some("mdev_types") => {
                for t in cap.children_named("type") {
                    let Some(id) = t.attr("id") else { continue };
                    // A count that does not parse counts as none free: never invent capacity.
                    let available = t.text_at("availableInstances").and_then(|n| n.parse().ok()).unwrap_or(0);
                    device.mdev_types.push((id.to_string(), available));
                }
            }
            _ => stack.extend(cap.children_named("capability")),
        }
    }
    Ok(device)
}
