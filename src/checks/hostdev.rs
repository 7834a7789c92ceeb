// SPDX-License-Identifier: LGPL-2.1-or-later
//! HOSTDEV (proposal item 9, source side): host devices tie a guest to its host. libvirt (or
//! QEMU) refuses PCI, SCSI and mdev devices and interface type='hostdev'; PCI with transient
//! teaming is unplugged for the migration; USB devices are re-attached if present.

use std::collections::BTreeMap;

use super::Context;
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Hostdev;

pub fn check(cx: &Context) -> Vec<Finding> {
    let def = &cx.guest.def;
    let mut findings = Vec::new();
    for (i, dev) in def.hostdevs.iter().enumerate() {
        let name = format!("host device #{} ({} {})", i + 1, dev.mode, dev.kind);
        let finding = match (dev.mode.as_str(), dev.kind.as_str()) {
            ("capabilities", _) => Finding::error(CHECK, "capabilities-mode", format!("{name}: libvirt cannot \
                migrate a domain with <hostdev mode='capabilities'>")),
            (_, "usb") => Finding::warning(CHECK, "usb", format!("{name} is re-attached on the destination only if \
                the same USB device is present there"))
                .hint("detach it before migrating if the destination lacks it"),
            (_, "pci") if dev.transient_teaming => Finding::warning(
                CHECK,
                "pci-failover",
                format!("{name} has transient teaming: QEMU unplugs it during the migration and the guest falls back \
                    to its teamed virtio NIC"),
            ),
            (_, "pci") => Finding::error(CHECK, "pci", format!("{name}: a PCI device assigned from the host cannot migrate"))
                .hint("detach it before migrating (virsh detach-device), or give it <teaming type='transient'> with a virtio NIC"),
            (_, "mdev") => Finding::error(CHECK, "mdev", format!("{name} (mediated device {}): libvirt cannot \
                migrate it", dev.mdev_uuid.as_deref().unwrap_or("?")))
                .hint("detach the mediated device (vGPU) before migrating"),
            (_, kind) => Finding::error(CHECK, "unsupported", format!("{name}: a {kind} host device cannot \
                migrate")).hint("detach it before migrating"),
        };
        findings.push(finding.detail("mode", &dev.mode).detail("type", &dev.kind));
    }
    for iface in &def.interfaces {
        // type='hostdev', or a network whose forward mode hands out host devices (SR-IOV pool).
        let pool_network = iface.kind == "network"
            && iface
                .source
                .as_deref()
                .and_then(|n| cx.src.network(n).ok().flatten())
                .is_some_and(|n| n.forward_mode.as_deref() == Some("hostdev"));
        if iface.kind != "hostdev" && !pool_network {
            continue;
        }
        findings.push(if iface.teaming.as_deref() == Some("transient") {
            Finding::warning(
                CHECK,
                "interface-failover",
                format!("{} (SR-IOV, transient teaming) is unplugged during the migration", iface.label()),
            )
        } else {
            Finding::error(
                CHECK,
                "interface",
                format!(
                    "{} passes a host network device (SR-IOV VF) to the guest: libvirt cannot migrate it",
                    iface.label()
                ),
            )
            .hint("use a virtio NIC, or pair the VF with a virtio NIC through <teaming> (failover)")
        });
    }
    findings.extend(mdev_capacity(cx));
    findings.extend(vf_capacity(cx));
    findings
}

/// Whether the destination's SR-IOV pool networks have a free VF for each guest interface that
/// takes one from them (libvirt refuses to migrate such interfaces today, above; this tells
/// whether the destination could give them VFs once re-attached there). A missing network is
/// the NETWORK check's.
fn vf_capacity(cx: &Context) -> Vec<Finding> {
    let mut wanted: BTreeMap<&str, u64> = BTreeMap::new();
    for iface in cx.guest.def.interfaces.iter().filter(|i| i.kind == "network") {
        let Some(name) = iface.source.as_deref() else { continue };
        if cx.src.network(name).ok().flatten().is_some_and(|n| n.forward_mode.as_deref() == Some("hostdev")) {
            *wanted.entry(name).or_insert(0) += 1;
        }
    }
    let mut findings = Vec::new();
    for (name, count) in wanted {
        let network = match cx.dst.network(name) {
            Ok(Some(n)) if n.forward_mode.as_deref() == Some("hostdev") => n,
            Ok(_) => continue,
            Err(e) => return vec![super::unavailable(CHECK, "destination", "networks (SR-IOV pools)", &e)],
        };
        let vfs = network.vf_count as u64;
        let free = vfs.saturating_sub(network.connections);
        let base = |f: Finding| {
            f.detail("network", name).detail("needed", count).detail("vfs", vfs).detail("in_use", network.connections)
        };
        if vfs == 0 {
            // A PF-only definition lists its VFs only once the network is active.
            findings.push(base(Finding::skipped(
                CHECK,
                "vf-count-unknown",
                format!("cannot evaluate: network '{name}' on the destination lists no VFs (not active, or defined by its PF only)"),
            )));
        } else if free < count {
            findings.push(
                base(Finding::error(
                    CHECK,
                    "vf-no-capacity",
                    format!(
                        "network '{name}' on the destination has {free} free VF(s) of {vfs}, the guest needs {count}"
                    ),
                ))
                .hint("free VFs on the destination (detach unused guests' interfaces) or choose another destination"),
            );
        }
    }
    findings
}

/// Whether the destination could give the guest's mediated devices (vGPUs) their types: a
/// parent offering each type with enough free instances. libvirt refuses the migration itself
/// today (above), so this tells what detaching and re-creating them there would take.
fn mdev_capacity(cx: &Context) -> Vec<Finding> {
    let uuids: Vec<&str> =
        cx.guest.def.hostdevs.iter().filter(|h| h.kind == "mdev").filter_map(|h| h.mdev_uuid.as_deref()).collect();
    if uuids.is_empty() {
        return Vec::new();
    }
    let src_devices = match &cx.src.node_devices {
        Ok(d) => d,
        Err(e) => return vec![super::unavailable(CHECK, "source", "node devices (mdev types)", e)],
    };
    let dst_devices = match &cx.dst.node_devices {
        Ok(d) => d,
        Err(e) => return vec![super::unavailable(CHECK, "destination", "node devices (mdev types)", e)],
    };
    let mut findings = Vec::new();
    // How many instances of each type the guest needs.
    let mut needed: BTreeMap<&str, u64> = BTreeMap::new();
    for uuid in uuids {
        let type_id = src_devices
            .iter()
            .find_map(|d| d.mdev.as_ref().filter(|(u, _)| u.eq_ignore_ascii_case(uuid)).map(|(_, t)| t.as_str()));
        match type_id {
            Some(t) => *needed.entry(t).or_insert(0) += 1,
            None => findings.push(
                Finding::skipped(CHECK, "mdev-type-unknown", format!("cannot evaluate: the source has no node device \
                    for mediated device {uuid}, so its type is unknown"))
                    .detail("uuid", uuid),
            ),
        }
    }
    for (type_id, count) in needed {
        let parents: Vec<(&str, u64)> = dst_devices
            .iter()
            .flat_map(|d| d.mdev_types.iter().filter(|(t, _)| t == type_id).map(move |(_, n)| (d.name.as_str(), *n)))
            .collect();
        let available = super::saturating_sum(parents.iter().map(|(_, n)| *n));
        let base = |f: Finding| f.detail("mdev_type", type_id).detail("needed", count).detail("available", available);
        findings.push(if parents.is_empty() {
            base(Finding::error(CHECK, "mdev-type-missing", format!("no device on the destination offers mediated \
                device type '{type_id}'")))
                .hint("choose a destination with the same GPU or adapter and its mdev driver loaded")
        } else if available < count {
            base(Finding::error(
                CHECK,
                "mdev-no-capacity",
                format!("the destination offers mediated device type '{type_id}' but has {available} free \
                    instance(s), the guest needs {count}"),
            ))
            .hint("free instances on the destination (remove unused mdevs) or choose another destination")
        } else {
            base(Finding::info(
                CHECK,
                "mdev-type-available",
                format!("the destination can create {count} mediated device(s) of type '{type_id}' ({available} \
                    free, on {})", parents[0].0),
            ))
        });
    }
    findings
}
