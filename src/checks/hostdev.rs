//! HOSTDEV (proposal item 9, source side): host devices tie a guest to its host. libvirt (or
//! QEMU) refuses PCI, SCSI and mdev devices and interface type='hostdev'; PCI with transient
//! teaming is unplugged for the migration; USB devices are re-attached if present.

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
            ("capabilities", _) => Finding::error(CHECK, "capabilities-mode", format!("{name}: libvirt cannot migrate a domain with <hostdev mode='capabilities'>")),
            (_, "usb") => Finding::warning(CHECK, "usb", format!("{name} is re-attached on the destination only if the same USB device is present there"))
                .hint("detach it before migrating if the destination lacks it"),
            (_, "pci") if dev.transient_teaming => Finding::warning(
                CHECK,
                "pci-failover",
                format!("{name} has transient teaming: QEMU unplugs it during the migration and the guest falls back to its teamed virtio NIC"),
            ),
            (_, "pci") => Finding::error(CHECK, "pci", format!("{name}: a PCI device assigned from the host cannot migrate"))
                .hint("detach it before migrating (virsh detach-device), or give it <teaming type='transient'> with a virtio NIC"),
            (_, "mdev") => Finding::error(CHECK, "mdev", format!("{name} (mediated device {}): libvirt cannot migrate it", dev.mdev_uuid.as_deref().unwrap_or("?")))
                .hint("detach the mediated device (vGPU) before migrating"),
            (_, kind) => Finding::error(CHECK, "unsupported", format!("{name}: a {kind} host device cannot migrate")).hint("detach it before migrating"),
        };
        findings.push(finding.detail("mode", &dev.mode).detail("type", &dev.kind));
    }
    for iface in &def.interfaces {
        // type='hostdev', or a network whose forward mode hands out host devices (SR-IOV pool).
        let pool_network = iface.kind == "network"
            && iface.source.as_deref().and_then(|n| cx.src.network(n).ok().flatten()).is_some_and(|n| n.forward_mode.as_deref() == Some("hostdev"));
        if iface.kind != "hostdev" && !pool_network {
            continue;
        }
        findings.push(if iface.teaming.as_deref() == Some("transient") {
            Finding::warning(CHECK, "interface-failover", format!("{} (SR-IOV, transient teaming) is unplugged during the migration", iface.label()))
        } else {
            Finding::error(CHECK, "interface", format!("{} passes a host network device (SR-IOV VF) to the guest: libvirt cannot migrate it", iface.label()))
                .hint("use a virtio NIC, or pair the VF with a virtio NIC through <teaming> (failover)")
        });
    }
    findings
}
