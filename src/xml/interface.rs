// SPDX-License-Identifier: LGPL-2.1-or-later
//! `<interface>`: a host network interface (`virInterfaceGetXMLDesc`).

use super::expect_root;
use crate::error::Error;

/// A host interface definition: its name, type, and for a bridge the devices enslaved to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceDef {
    pub name: String,
    /// ethernet, bridge, bond, vlan.
    pub kind: String,
    pub bridge_ports: Vec<String>,
}

pub fn parse_interface(xml: &str, document: &str) -> Result<InterfaceDef, Error> {
    let root = super::parse(xml, document)?;
    expect_root(&root, "interface", document)?;
    Ok(InterfaceDef {
        name: root.attr("name").ok_or_else(|| Error::xml(document, "missing name attribute"))?.to_string(),
        kind: root.attr("type").unwrap_or_default().to_string(),
        bridge_ports: root
            .child("bridge")
            .map(|b| b.children_named("interface").filter_map(|i| i.attr("name")).map(str::to_string).collect())
            .unwrap_or_default(),
    })
}
