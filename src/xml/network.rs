// SPDX-License-Identifier: LGPL-2.1-or-later
//! `<network>`: a libvirt virtual network (`virNetworkGetXMLDesc`).

use super::expect_root;
use crate::error::Error;
use crate::facts::Network;

/// Parses network XML. `active` comes from the API, not the XML.
pub fn parse_network(xml: &str, active: bool, document: &str) -> Result<Network, Error> {
    let root = super::parse(xml, document)?;
    expect_root(&root, "network", document)?;
    Ok(Network {
        name: root.text_at("name").ok_or_else(|| Error::xml(document, "missing <name>"))?.to_string(),
        uuid: root.text_at("uuid").unwrap_or_default().to_string(),
        active,
        forward_mode: root.child("forward").map(|f| f.attr("mode").unwrap_or("nat").to_string()),
        bridge: root.attr_at("bridge", "name").map(str::to_string),
        portgroups: root.children_named("portgroup").filter_map(|p| p.attr("name")).map(str::to_string).collect(),
        vf_count: root
            .child("forward")
            .map_or(0, |f| f.children_named("address").filter(|a| a.attr("type") == Some("pci")).count()),
        connections: root.attr_at("forward", "connections").and_then(|c| c.parse().ok()).unwrap_or(0),
    })
}
