// SPDX-License-Identifier: LGPL-2.1-or-later
//! NETWORK (proposal item 6a): every interface's network, bridge or host device must exist on
//! the destination (libvirt fails with "Network not found" or "Cannot get interface MTU").

use super::{Context, unavailable};
use crate::facts::{Host, Interface};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Network;

pub fn check(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for iface in &cx.dest_def().interfaces {
        let Some(source) = iface.source.as_deref() else { continue };
        match iface.kind.as_str() {
            "network" => check_network(cx, iface, source, &mut findings),
            "bridge" => check_bridge(cx.dst, iface, source, &mut findings),
            "direct" => check_device(cx.dst, iface, source, &mut findings),
            _ => {}
        }
    }
    findings
}

fn check_network(cx: &Context, iface: &Interface, name: &str, findings: &mut Vec<Finding>) {
    let with_iface = |f: Finding| f.detail("network", name).detail("interface", iface.mac.as_deref().unwrap_or(""));
    let network = match cx.dst.network(name) {
        Ok(Some(network)) => network,
        Ok(None) => {
            findings.push(with_iface(
                Finding::error(
                    CHECK,
                    "missing",
                    format!("network '{name}' used by {} does not exist on the destination", iface.label()),
                )
                .hint(format!("define and start network '{name}' on the destination (virsh net-define, net-start)")),
            ));
            return;
        }
        Err(e) => {
            findings.push(with_iface(unavailable(CHECK, "destination", "network list", &e)));
            return;
        }
    };
    if !network.active {
        findings.push(with_iface(
            Finding::error(
                CHECK,
                "inactive",
                format!("network '{name}' used by {} is not active on the destination", iface.label()),
            )
            .hint(format!("start it there: virsh net-start {name}")),
        ));
    } else if network.forward_mode.as_deref() == Some("bridge")
        && let Some(bridge) = network.bridge.as_deref()
    {
        check_network_bridge(cx.dst, iface, name, bridge, findings);
    }
    if let Some(group) = iface.portgroup.as_deref().filter(|g| !network.portgroups.iter().any(|p| p == g)) {
        findings.push(with_iface(
            Finding::error(
                CHECK,
                "portgroup-missing",
                format!("network '{name}' on the destination has no portgroup '{group}', which {} uses", iface.label()),
            )
            .hint(format!("add portgroup '{group}' to network '{name}' on the destination"))
            .detail("portgroup", group),
        ));
    }
    if let Ok(Some(src)) = cx.src.network(name)
        && src.forward_mode != network.forward_mode
    {
        let mode = |m: &Option<String>| m.clone().unwrap_or_else(|| "isolated".to_string());
        findings.push(with_iface(
            Finding::warning(
                CHECK,
                "forward-differs",
                format!(
                    "network '{name}' forwards in mode '{}' on the destination but '{}' on the source",
                    mode(&network.forward_mode),
                    mode(&src.forward_mode)
                ),
            )
            .hint("the guest keeps its addresses but may lose connectivity; align the network definitions")
            .detail("source_forward_mode", mode(&src.forward_mode))
            .detail("destination_forward_mode", mode(&network.forward_mode)),
        ));
    }
}

/// A `forward mode='bridge'` network only names a bridge the host's administrator made: libvirt
/// starts such a network whether or not the bridge exists, and the migration then fails
/// ("Cannot get interface MTU on 'X': No such device").
fn check_network_bridge(dst: &Host, iface: &Interface, network: &str, bridge: &str, findings: &mut Vec<Finding>) {
    let with_iface = |f: Finding| {
        f.detail("network", network).detail("bridge", bridge).detail("interface", iface.mac.as_deref().unwrap_or(""))
    };
    match &dst.interfaces {
        Ok(interfaces) if interfaces.iter().any(|i| i.name == bridge) => {}
        Ok(_) => findings.push(with_iface(
            Finding::error(
                CHECK,
                "bridge-missing",
                format!("network '{network}' used by {} forwards to bridge '{bridge}', which does not exist on the \
                    destination", iface.label()),
            )
            .hint(format!("create bridge '{bridge}' on the destination, or point network '{network}' there at a bridge that exists")),
        )),
        Err(e) => findings.push(with_iface(unavailable(CHECK, "destination", "interface list", e))),
    }
}

fn check_bridge(dst: &Host, iface: &Interface, bridge: &str, findings: &mut Vec<Finding>) {
    let with_iface = |f: Finding| f.detail("bridge", bridge).detail("interface", iface.mac.as_deref().unwrap_or(""));
    if let Ok(interfaces) = &dst.interfaces
        && let Some(host_iface) = interfaces.iter().find(|i| i.name == bridge)
    {
        if !host_iface.active {
            findings.push(with_iface(
                Finding::warning(
                    CHECK,
                    "bridge-inactive",
                    format!("bridge '{bridge}' used by {} is down on the destination", iface.label()),
                )
                .hint(format!("bring it up on the destination: ip link set {bridge} up")),
            ));
        }
        return;
    }
    // A network's bridge exists while the network is active.
    if let Ok(networks) = &dst.networks
        && let Some(network) = networks.iter().find(|n| n.bridge.as_deref() == Some(bridge))
    {
        if !network.active {
            findings.push(with_iface(
                Finding::error(
                    CHECK,
                    "bridge-missing",
                    format!(
                        "bridge '{bridge}' used by {} belongs to network '{}', which is not active on the destination",
                        iface.label(),
                        network.name
                    ),
                )
                .hint(format!("start network '{}' on the destination", network.name)),
            ));
        }
        return;
    }
    match &dst.interfaces {
        Ok(_) => findings.push(with_iface(
            Finding::error(
                CHECK,
                "bridge-missing",
                format!("bridge '{bridge}' used by {} does not exist on the destination", iface.label()),
            )
            .hint(format!(
                "create bridge '{bridge}' on the destination, or attach the interface to a bridge that exists there"
            )),
        )),
        Err(e) => findings.push(with_iface(unavailable(CHECK, "destination", "interface list", e))),
    }
}

fn check_device(dst: &Host, iface: &Interface, dev: &str, findings: &mut Vec<Finding>) {
    let with_iface = |f: Finding| f.detail("device", dev).detail("interface", iface.mac.as_deref().unwrap_or(""));
    match &dst.interfaces {
        Ok(interfaces) if interfaces.iter().any(|i| i.name == dev) => {}
        Ok(_) => findings.push(with_iface(
            Finding::error(
                CHECK,
                "device-missing",
                format!("host device '{dev}' that the direct (macvtap) {} uses does not exist on the destination", iface.label()),
            )
            .hint("macvtap needs the same device name on every host; rename the device there or use a libvirt network with a device pool"),
        )),
        Err(e) => findings.push(with_iface(unavailable(CHECK, "destination", "interface list", e))),
    }
}
