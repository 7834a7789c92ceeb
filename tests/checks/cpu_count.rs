// SPDX-License-Identifier: LGPL-2.1-or-later
//! CPU_COUNT: more vCPUs (or hotpluggable vCPUs) than the destination's physical CPUs, or than
//! the CPUs their pinning confines them to there. Live on libvirt's test driver:
//! tests/test_driver.rs (dst-few-cpus); pinning on real NUMA hosts: tests/numa_memory.rs.

use virt_migration_check::{Check, Severity};

use crate::builder::*;

const CHECK: Check = Check::CpuCount;

scenarios! {
    fn enough_cpus() {
        let (src, mut dst) = hosts();
        dst.node = Ok(node(4, 8 * GIB));
        expect_ok(&run(CHECK, &small("", ""), &src, &dst), CHECK);
    }

    fn vcpus_exceed_pcpus() {
        let (src, mut dst) = hosts();
        dst.node = Ok(node(1, 8 * GIB));
        let f = expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Warning,
            "cpu_count.vcpus-exceed-pcpus",
            &["2 vCPUs", "1 physical CPUs"],
        );
        assert_eq!(detail(&f, "destination_cpus"), "1");
    }

    fn max_vcpus_exceed_pcpus() {
        let (src, mut dst) = hosts();
        dst.node = Ok(node(4, 8 * GIB));
        let hotplug = guest(&domain("", "").replace("<vcpu>2</vcpu>", "<vcpu current='2'>8</vcpu>"));
        let f = expect(
            &run(CHECK, &hotplug, &src, &dst),
            Severity::Warning,
            "cpu_count.max-vcpus-exceed-pcpus",
            &["up to 8 vCPUs", "4 physical CPUs"],
        );
        assert_eq!(detail(&f, "max_vcpus"), "8");
    }

    fn vcpus_exceed_pinned_cpus() {
        // Two vCPUs confined to one CPU of the real 2-node Haswell host.
        let (src, mut dst) = hosts();
        dst.node = Ok(node(8, 32 * GIB));
        dst.capabilities = Ok(caps("capabilityschemadata/caps-qemu-kvm.xml"));
        let pinned = guest(&domain("", "").replace("<vcpu>2</vcpu>", "<vcpu cpuset='3'>2</vcpu>"));
        let f = expect(
            &run(CHECK, &pinned, &src, &dst),
            Severity::Warning,
            "cpu_count.vcpus-exceed-pinned-cpus",
            &["2 vCPUs", "1 CPU(s)", "<vcpu cpuset>"],
        );
        assert_eq!(detail(&f, "pinned_cpus"), "3");
        // The check also counts the CPUs of a strict numatune's nodes: node 0 has eight, enough.
        let tuned = small("<numatune><memory mode='strict' nodeset='0'/></numatune>", "");
        expect_ok(&run(CHECK, &tuned, &src, &dst), CHECK);
    }

    fn node_info_unavailable() {
        let (src, mut dst) = hosts();
        dst.node = Err(failed("virNodeGetInfo"));
        expect(
            &run(CHECK, &small("", ""), &src, &dst),
            Severity::Skipped,
            "cpu_count.unavailable",
            &["destination", "node info"],
        );
    }
}
