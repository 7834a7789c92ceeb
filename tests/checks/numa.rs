// SPDX-License-Identifier: LGPL-2.1-or-later
//! NUMA: where the guest's memory and vCPUs land on the destination's NUMA nodes (nodesets,
//! node sizes, CPU pins). Real hosts: the 2-node Haswell KVM host (even CPUs on node 0, odd on
//! node 1, ~15.4 GiB each) and the 4-node host (nodes of 1 to 4 GiB, CPUs 4n..4n+3 on node n).
//! More, on libvirt's numatune and cpu-numa test domains: tests/numa_memory.rs.

use virt_migration_check::{Check, Host, Severity};

use crate::builder::*;

const CHECK: Check = Check::Numa;

fn on(dst_caps: &str) -> (Host, Host) {
    let (src, mut dst) = hosts();
    dst.capabilities = Ok(caps(dst_caps));
    (src, dst)
}

const HASWELL: &str = "capabilityschemadata/caps-qemu-kvm.xml";
const FOUR_NODES: &str = "vircaps2xmldata/vircaps-x86_64-basic.xml";

/// The small guest with `memory` MiB and `extra` (numatune, cputune).
fn sized(memory_mib: u64, extra: &str) -> virt_migration_check::Guest {
    guest(
        &domain(extra, "")
            .replace("<memory unit='MiB'>1024</memory>", &format!("<memory unit='MiB'>{memory_mib}</memory>")),
    )
}

scenarios! {
    fn fits_one_node() {
        let (src, dst) = on(HASWELL);
        expect_ok(&run(CHECK, &small("", ""), &src, &dst), CHECK);
    }

    fn emulated_cells() {
        // libvirt's cpu-numa1 guest (two cells) on a host with no NUMA topology.
        let (src, dst) = on("qemucaps2xmloutdata/caps.x86_64.xml");
        let f = expect(
            &run(CHECK, &guest(&fixture("cpu-numa1.xml")), &src, &dst),
            Severity::Info,
            "numa.emulated",
            &["2 NUMA cells", "no NUMA topology"],
        );
        assert_eq!(detail(&f, "guest_cells"), "2");
    }

    fn no_single_node_fit() {
        // 6 GiB, and the 4-node host's largest node has 4.
        let (src, dst) = on(FOUR_NODES);
        let f = expect(
            &run(CHECK, &sized(6144, ""), &src, &dst),
            Severity::Warning,
            "numa.no-single-node-fit",
            &["6.0 GiB", "node 3", "4.0 GiB in size"],
        );
        assert_eq!(detail(&f, "node"), "3");
    }

    fn nodeset_invalid() {
        let (src, dst) = on(HASWELL);
        let g = small("<numatune><memory mode='strict' nodeset='0-x'/></numatune>", "");
        expect(&run(CHECK, &g, &src, &dst), Severity::Error, "numa.bad-nodeset", &["numatune nodeset"]);
    }

    fn node_missing() {
        let (src, dst) = on(HASWELL);
        let g = small("<numatune><memory mode='strict' nodeset='0-3'/></numatune>", "");
        let f =
            expect(&run(CHECK, &g, &src, &dst), Severity::Error, "numa.node-missing", &["node(s) 2-3", "it has 0-1"]);
        assert_eq!(detail(&f, "missing_nodes"), "2-3");
    }

    fn nodes_too_small() {
        // 2 GiB placed on node 0 of the 4-node host, which has 1.
        let (src, dst) = on(FOUR_NODES);
        let strict = sized(2048, "<numatune><memory mode='strict' nodeset='0'/></numatune>");
        let f = expect(
            &run(CHECK, &strict, &src, &dst),
            Severity::Error,
            "numa.nodes-too-small",
            &["2.0 GiB", "node(s) 0", "1.0 GiB in size"],
        );
        assert_eq!(detail(&f, "mode"), "strict");
        // Preferred: the rest comes from other nodes.
        let preferred = sized(2048, "<numatune><memory mode='preferred' nodeset='0'/></numatune>");
        expect(&run(CHECK, &preferred, &src, &dst), Severity::Warning, "numa.nodes-too-small", &["(preferred)"]);
    }

    fn cpuset_invalid() {
        let (src, dst) = on(HASWELL);
        let g = small("<cputune><vcpupin vcpu='0' cpuset='x'/></cputune>", "");
        expect(&run(CHECK, &g, &src, &dst), Severity::Error, "numa.bad-cpuset", &["vcpupin of vCPU 0"]);
    }

    fn cpu_missing() {
        // libvirt's cputune-cpuset-big-id pins to CPUs 16383, 2048 and 4096; the host has 16.
        let (src, dst) = on(HASWELL);
        let f = expect(
            &run(CHECK, &guest(&fixture("cputune-cpuset-big-id.xml")), &src, &dst),
            Severity::Error,
            "numa.cpu-missing",
            &["vcpupin of vCPU 0", "16383", "it has 0-15"],
        );
        assert_eq!(detail(&f, "missing_cpus"), "16383");
    }

    fn pin_crosses_nodes() {
        // CPUs 0 and 4: both on node 0 of the Haswell host, nodes 0 and 1 of the 4-node host.
        let (mut src, dst) = on(FOUR_NODES);
        src.capabilities = Ok(caps(HASWELL));
        let g = small("<cputune><emulatorpin cpuset='0,4'/></cputune>", "");
        let f = expect(
            &run(CHECK, &g, &src, &dst),
            Severity::Warning,
            "numa.pin-crosses-nodes",
            &["emulatorpin", "nodes 0-1"],
        );
        assert_eq!(detail(&f, "cpuset"), "0,4");
    }

    fn capabilities_unavailable() {
        let (src, dst) = hosts();
        expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Skipped,
            "numa.unavailable",
            &["destination", "NUMA topology"],
        );
    }
}
