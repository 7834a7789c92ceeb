// SPDX-License-Identifier: LGPL-2.1-or-later
//! NETWORK: every interface's network, bridge or host device must exist (and be up) on the
//! destination. libvirt's networks from its test data (host-bridge-net, isolated-network) and
//! its portgroup test domain. Live on libvirt's test driver: tests/test_driver.rs
//! (dst-no-network, dst-no-bridge, dst-no-network-bridge).

use virt_migration_check::{Check, Severity};

use crate::builder::*;

const CHECK: Check = Check::Network;

fn nic(kind: &str, source: &str) -> virt_migration_check::Guest {
    let attr = match kind {
        "network" => "network",
        "bridge" => "bridge",
        _ => "dev",
    };
    let mode = if kind == "direct" { " mode='bridge'" } else { "" };
    small(
        "",
        &format!(
            "<interface type='{kind}'><mac address='52:54:00:aa:bb:cc'/><source {attr}='{source}'{mode}/></interface>"
        ),
    )
}

scenarios! {
    fn network_present_and_active() {
        let (mut src, mut dst) = hosts();
        src.networks = Ok(vec![network("isolated-network.xml", true)]);
        dst.networks = Ok(vec![network("isolated-network.xml", true)]);
        expect_ok(&run(CHECK, &nic("network", "private"), &src, &dst), CHECK);
    }

    fn network_missing() {
        let (src, mut dst) = hosts();
        dst.networks = Ok(vec![network("isolated-network.xml", true)]);
        let f = expect(
            &run(CHECK, &nic("network", "prod"), &src, &dst),
            Severity::Error,
            "network.missing",
            &["'prod'", "52:54:00:aa:bb:cc"],
        );
        assert_eq!(detail(&f, "network"), "prod");
    }

    fn network_inactive() {
        let (src, mut dst) = hosts();
        dst.networks = Ok(vec![network("isolated-network.xml", false)]);
        expect(
            &run(CHECK, &nic("network", "private"), &src, &dst),
            Severity::Error,
            "network.inactive",
            &["'private'"],
        );
    }

    fn portgroup_missing() {
        // libvirt's portgroup test domain: interfaces in portgroups 'bob' and 'sam'.
        let xml = fixture("net-virtio-network-portgroup.xml");
        let g = guest(&xml);
        let name = "vepa-net;plug-bridge-basic";
        let (src, mut dst) = hosts();
        dst.networks = Ok(vec![net(name, true, None, Some("virbr9"), &["bob"])]);
        let f = expect(
            &run(CHECK, &g, &src, &dst),
            Severity::Error,
            "network.portgroup-missing",
            &["'sam'", "10:11:22:33:44:55"],
        );
        assert_eq!(detail(&f, "portgroup"), "sam");
        dst.networks = Ok(vec![net(name, true, None, Some("virbr9"), &["bob", "sam"])]);
        expect_ok(&run(CHECK, &g, &src, &dst), CHECK);
    }

    fn forward_differs() {
        let (mut src, mut dst) = hosts();
        src.networks = Ok(vec![net("private", true, Some("nat"), Some("virbr2"), &[])]);
        dst.networks = Ok(vec![network("isolated-network.xml", true)]);
        let f = expect(
            &run(CHECK, &nic("network", "private"), &src, &dst),
            Severity::Warning,
            "network.forward-differs",
            &["'isolated'", "'nat'"],
        );
        assert_eq!(detail(&f, "source_forward_mode"), "nat");
    }

    fn network_bridge_missing() {
        // libvirt's host-bridge-net forwards to br0, which the host's administrator makes.
        let (mut src, mut dst) = hosts();
        src.networks = Ok(vec![network("host-bridge-net.xml", true)]);
        dst.networks = Ok(vec![network("host-bridge-net.xml", true)]);
        dst.interfaces = Ok(vec![iface("eth0", true)]);
        expect(
            &run(CHECK, &nic("network", "host-bridge-net"), &src, &dst),
            Severity::Error,
            "network.bridge-missing",
            &["'host-bridge-net'", "bridge 'br0'"],
        );
        dst.interfaces = Ok(vec![iface("eth0", true), iface("br0", true)]);
        expect_ok(&run(CHECK, &nic("network", "host-bridge-net"), &src, &dst), CHECK);
    }

    fn bridge_missing() {
        let (src, mut dst) = hosts();
        dst.interfaces = Ok(vec![iface("eth0", true)]);
        dst.networks = Ok(Vec::new());
        expect(
            &run(CHECK, &nic("bridge", "br-storage"), &src, &dst),
            Severity::Error,
            "network.bridge-missing",
            &["'br-storage'", "does not exist"],
        );
        // A network's bridge exists while the network is active.
        dst.networks = Ok(vec![network("isolated-network.xml", false)]);
        expect(
            &run(CHECK, &nic("bridge", "virbr2"), &src, &dst),
            Severity::Error,
            "network.bridge-missing",
            &["'virbr2'", "network 'private'"],
        );
        dst.networks = Ok(vec![network("isolated-network.xml", true)]);
        expect_ok(&run(CHECK, &nic("bridge", "virbr2"), &src, &dst), CHECK);
    }

    fn bridge_inactive() {
        let (src, mut dst) = hosts();
        dst.interfaces = Ok(vec![iface("br-storage", false)]);
        expect(
            &run(CHECK, &nic("bridge", "br-storage"), &src, &dst),
            Severity::Warning,
            "network.bridge-inactive",
            &["'br-storage'", "down"],
        );
    }

    fn macvtap_device_missing() {
        let (src, mut dst) = hosts();
        dst.interfaces = Ok(vec![iface("eth0", true)]);
        let f = expect(
            &run(CHECK, &nic("direct", "eth1"), &src, &dst),
            Severity::Error,
            "network.device-missing",
            &["'eth1'", "macvtap"],
        );
        assert_eq!(detail(&f, "device"), "eth1");
    }

    fn lists_unavailable() {
        let (src, dst) = hosts();
        expect(
            &run(CHECK, &nic("network", "prod"), &src, &dst),
            Severity::Skipped,
            "network.unavailable",
            &["destination", "network list"],
        );
        expect(
            &run(CHECK, &nic("direct", "eth1"), &src, &dst),
            Severity::Skipped,
            "network.unavailable",
            &["interface list"],
        );
        expect(
            &run(CHECK, &nic("bridge", "br0"), &src, &dst),
            Severity::Skipped,
            "network.unavailable",
            &["interface list"],
        );
        let (mut src, mut dst) = hosts();
        src.networks = Ok(vec![network("host-bridge-net.xml", true)]);
        dst.networks = Ok(vec![network("host-bridge-net.xml", true)]);
        expect(
            &run(CHECK, &nic("network", "host-bridge-net"), &src, &dst),
            Severity::Skipped,
            "network.unavailable",
            &["interface list"],
        );
    }
}
