// SPDX-License-Identifier: LGPL-2.1-or-later
//! Every reason code the library can emit, in one place, with the check it belongs to.
//!
//! A finding's code is `<check name>.<reason>`. Callers (the C API, the Python binding, scripts
//! reading the CLI's JSON) match on these strings, so they are a contract: a new rule adds its
//! code here, and `Finding::new` asserts (in debug builds) that the code it builds is declared.
//! The integration tests (`tests/checks`) run a scenario for every code listed and fail when one
//! is produced by no scenario.
//!
//! The OK codes (`<check>.ok`) come from the table of checks (`Check::ok_code`) and are not
//! repeated here. Reading only `crate::flags`, this list sits at the bottom of the layers with the
//! table of checks, so `report` can assert on it.

use crate::flags::Check;

/// Every reason code but the OK codes, grouped by check in bit order: the check's own rules, then
/// the SKIPPED reasons it can give (`unavailable` when a host fact is missing). CPU_FLAGS and MSR
/// share one CPU judgement (`cpu_view`), so MSR repeats its SKIPPED reasons.
pub const CODES: &[(Check, &str)] = &[
    (Check::Hypervisor, "hypervisor.type-mismatch"),
    (Check::Hypervisor, "hypervisor.older-hypervisor"),
    (Check::Hypervisor, "hypervisor.older-libvirt"),
    (Check::Hypervisor, "hypervisor.flag-unsupported"),
    (Check::Hypervisor, "hypervisor.no-acpi-removed"),
    (Check::Hypervisor, "hypervisor.qemu-newer-than-libvirt"),
    (Check::Hypervisor, "hypervisor.unavailable"),
    (Check::Arch, "arch.unsupported"),
    (Check::Arch, "arch.host-arch-differs"),
    (Check::Arch, "arch.unknown-arch"),
    (Check::Arch, "arch.unavailable"),
    (Check::CpuVendor, "cpu_vendor.differs"),
    (Check::CpuVendor, "cpu_vendor.host-model-unexpanded"),
    (Check::CpuVendor, "cpu_vendor.no-host-cpu"),
    (Check::CpuVendor, "cpu_vendor.no-cpu-map"),
    (Check::CpuFlags, "cpu_flags.unknown-to-destination"),
    (Check::CpuFlags, "cpu_flags.model-blocked"),
    (Check::CpuFlags, "cpu_flags.unknown-to-map"),
    (Check::CpuFlags, "cpu_flags.feature-missing"),
    (Check::CpuFlags, "cpu_flags.passthrough-mismatch"),
    (Check::CpuFlags, "cpu_flags.forbidden-present"),
    (Check::CpuFlags, "cpu_flags.strict-extra"),
    (Check::CpuFlags, "cpu_flags.incompatible"),
    (Check::CpuFlags, "cpu_flags.passthrough-superset"),
    (Check::CpuFlags, "cpu_flags.hypervisor-incompatible"),
    (Check::CpuFlags, "cpu_flags.newer-model"),
    (Check::CpuFlags, "cpu_flags.no-return"),
    (Check::CpuFlags, "cpu_flags.host-model-unexpanded"),
    (Check::CpuFlags, "cpu_flags.no-cpu-map"),
    (Check::CpuFlags, "cpu_flags.unknown-cpu"),
    (Check::CpuFlags, "cpu_flags.emulated-cpu-unknown"),
    (Check::CpuFlags, "cpu_flags.no-host-cpu"),
    (Check::CpuFlags, "cpu_flags.unavailable"),
    (Check::CpuCount, "cpu_count.vcpus-exceed-pcpus"),
    (Check::CpuCount, "cpu_count.max-vcpus-exceed-pcpus"),
    (Check::CpuCount, "cpu_count.vcpus-exceed-pinned-cpus"),
    (Check::CpuCount, "cpu_count.unavailable"),
    (Check::Memory, "memory.exceeds-total"),
    (Check::Memory, "memory.insufficient"),
    (Check::Memory, "memory.low-headroom"),
    (Check::Memory, "memory.hugepages-size-unsupported"),
    (Check::Memory, "memory.hugepages-insufficient"),
    (Check::Memory, "memory.hugepages-unavailable"),
    (Check::Memory, "memory.hugepages-free-unknown"),
    (Check::Memory, "memory.unavailable"),
    (Check::Numa, "numa.emulated"),
    (Check::Numa, "numa.no-single-node-fit"),
    (Check::Numa, "numa.bad-nodeset"),
    (Check::Numa, "numa.node-missing"),
    (Check::Numa, "numa.nodes-too-small"),
    (Check::Numa, "numa.bad-cpuset"),
    (Check::Numa, "numa.cpu-missing"),
    (Check::Numa, "numa.pin-crosses-nodes"),
    (Check::Numa, "numa.unavailable"),
    (Check::Network, "network.missing"),
    (Check::Network, "network.inactive"),
    (Check::Network, "network.portgroup-missing"),
    (Check::Network, "network.forward-differs"),
    (Check::Network, "network.bridge-missing"),
    (Check::Network, "network.bridge-inactive"),
    (Check::Network, "network.device-missing"),
    (Check::Network, "network.unavailable"),
    (Check::NetworkModel, "network_model.unsupported"),
    (Check::NetworkModel, "network_model.unknown-model"),
    (Check::NetworkModel, "network_model.backend-unsupported"),
    (Check::NetworkModel, "network_model.vhostuser-unverified"),
    (Check::NetworkModel, "network_model.unknowable"),
    (Check::NetworkModel, "network_model.unavailable"),
    (Check::Disk, "disk.missing"),
    (Check::Disk, "disk.different-storage"),
    (Check::Disk, "disk.unproven"),
    (Check::Disk, "disk.not-visible"),
    (Check::Disk, "disk.readonly-copy"),
    (Check::Disk, "disk.will-copy"),
    (Check::Disk, "disk.copy-target-differs"),
    (Check::Disk, "disk.no-target-pool"),
    (Check::Disk, "disk.pool-missing"),
    (Check::Disk, "disk.pool-inactive"),
    (Check::Disk, "disk.volume-missing"),
    (Check::Disk, "disk.unavailable"),
    (Check::DiskModel, "disk_model.unsupported"),
    (Check::DiskModel, "disk_model.disks-unsupported"),
    (Check::DiskModel, "disk_model.unavailable"),
    (Check::Time, "time.invtsc-unpinned"),
    (Check::Time, "time.tsc-scaled"),
    (Check::Time, "time.tsc-unavailable"),
    (Check::Time, "time.tsc-unknown"),
    (Check::Time, "time.unavailable"),
    (Check::Hostdev, "hostdev.pci"),
    (Check::Hostdev, "hostdev.pci-failover"),
    (Check::Hostdev, "hostdev.usb"),
    (Check::Hostdev, "hostdev.mdev"),
    (Check::Hostdev, "hostdev.capabilities-mode"),
    (Check::Hostdev, "hostdev.unsupported"),
    (Check::Hostdev, "hostdev.interface"),
    (Check::Hostdev, "hostdev.interface-failover"),
    (Check::Hostdev, "hostdev.vf-no-capacity"),
    (Check::Hostdev, "hostdev.vf-count-unknown"),
    (Check::Hostdev, "hostdev.mdev-type-available"),
    (Check::Hostdev, "hostdev.mdev-type-missing"),
    (Check::Hostdev, "hostdev.mdev-no-capacity"),
    (Check::Hostdev, "hostdev.mdev-type-unknown"),
    (Check::Hostdev, "hostdev.unavailable"),
    (Check::Msr, "msr.feature-missing"),
    (Check::Msr, "msr.host-model-unexpanded"),
    (Check::Msr, "msr.no-cpu-map"),
    (Check::Msr, "msr.unknown-cpu"),
    (Check::Msr, "msr.emulated-cpu-unknown"),
    (Check::Msr, "msr.no-host-cpu"),
    (Check::Msr, "msr.unavailable"),
    (Check::Cpuid, "cpuid.passthrough"),
    (Check::Cpuid, "cpuid.cache-passthrough"),
    (Check::Machine, "machine.virt-type-unavailable"),
    (Check::Machine, "machine.type-unsupported"),
    (Check::Machine, "machine.emulator-missing"),
    (Check::Machine, "machine.loader-missing"),
    (Check::Machine, "machine.vcpus-exceed-machine-limit"),
    (Check::Machine, "machine.vcpus-exceed-hypervisor-limit"),
    (Check::Machine, "machine.unavailable"),
    (Check::Devices, "devices.model-unsupported"),
    (Check::Devices, "devices.snapshots"),
    (Check::Devices, "devices.block-job"),
    (Check::Devices, "devices.dimm-no-address"),
    (Check::Devices, "devices.io-error"),
    (Check::Devices, "devices.transient-disk"),
    (Check::Devices, "devices.shmem-not-master"),
    (Check::Devices, "devices.virtiofs"),
    (Check::Devices, "devices.vdpa"),
    (Check::Devices, "devices.tpm-passthrough"),
    (Check::Devices, "devices.unsafe-storage"),
    (Check::Devices, "devices.storage-unknown"),
    (Check::Devices, "devices.shared-by-caller"),
    (Check::Devices, "devices.unsafe-cache"),
    (Check::Devices, "devices.unavailable"),
    (Check::Host, "host.same-host"),
    (Check::Host, "host.name-clash"),
    (Check::Host, "host.uuid-clash"),
    (Check::Host, "host.already-running"),
    (Check::Host, "host.defined-on-destination"),
    (Check::Host, "host.storage-flags-exclusive"),
    (Check::Host, "host.tunnelled-without-p2p"),
    (Check::Host, "host.not-running"),
    (Check::Host, "host.offline-storage-copy"),
    (Check::Host, "host.offline-without-persist"),
    (Check::Host, "host.offline-tunnelled"),
    (Check::Host, "host.postcopy-not-live"),
    (Check::Host, "host.postcopy-tunnelled"),
    (Check::Host, "host.postcopy-resume-without-postcopy"),
    (Check::Host, "host.zerocopy-without-parallel"),
    (Check::Host, "host.migrate-disks-without-storage-copy"),
    (Check::Host, "host.migrate-disks-unknown"),
    (Check::Host, "host.dest-xml-invalid"),
    (Check::Host, "host.dest-xml-abi"),
    (Check::Host, "host.dest-xml-abi-unproven"),
    (Check::Host, "host.persist-xml-invalid"),
    (Check::Host, "host.persist-xml-ignored"),
    (Check::Host, "host.unavailable"),
];

/// Every code the library can emit: each check's OK code, then [`CODES`].
pub fn all() -> impl Iterator<Item = (Check, &'static str)> {
    Check::ALL.into_iter().map(|c| (c, c.ok_code())).chain(CODES.iter().copied())
}

/// Whether `code` is declared: an OK code of the table of checks or one of [`CODES`].
pub fn is_declared(code: &str) -> bool {
    all().any(|(_, c)| c == code)
}

/// The codes `check` can emit, its OK code first.
pub fn of(check: Check) -> impl Iterator<Item = &'static str> {
    all().filter(move |(c, _)| *c == check).map(|(_, code)| code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_grouped_in_bit_order_and_named_after_their_check() {
        let mut seen = std::collections::BTreeSet::new();
        for (check, code) in CODES {
            assert!(seen.insert(*code), "{code} declared twice");
            let reason = code.strip_prefix(&format!("{}.", check.name()));
            assert!(reason.is_some_and(|r| !r.is_empty() && !r.contains('.')), "{code} is not a {} code", check.name());
        }
        for pair in CODES.windows(2) {
            assert!(pair[0].0 <= pair[1].0, "{} listed after {}", pair[1].1, pair[0].1);
        }
        for check in Check::ALL {
            assert_eq!(
                of(check).next(),
                Some(format!("{}.ok", check.name()).as_str()),
                "{check:?} starts with its OK code"
            );
        }
    }

    /// The reasons written literally in a check's source: the string after `Finding::x(CHECK,`
    /// (or `Finding::new(CHECK, severity,`), and `unavailable` for `unavailable(CHECK, ...)`.
    fn literal_reasons(source: &str) -> Vec<String> {
        let mut reasons = Vec::new();
        for opener in ["Finding::error(", "Finding::warning(", "Finding::info(", "Finding::skipped(", "Finding::new("] {
            for (at, _) in source.match_indices(opener) {
                let args = &source[at + opener.len()..];
                let mut rest = args.split_once(',').map_or("", |(_, r)| r).trim_start();
                if opener == "Finding::new(" {
                    rest = rest.split_once(',').map_or("", |(_, r)| r).trim_start();
                }
                if let Some(literal) = rest.strip_prefix('"').and_then(|r| r.split_once('"')).map(|(l, _)| l) {
                    reasons.push(literal.to_string());
                }
            }
        }
        if source.contains("unavailable(CHECK,") || source.contains("unavailable(check,") {
            reasons.push("unavailable".to_string());
        }
        reasons
    }

    #[test]
    fn every_reason_written_in_a_check_is_declared() {
        // A rule added without its code here fails this test even before a scenario runs it.
        let sources: [(&[Check], &str); 24] = [
            (&[Check::Hypervisor], include_str!("checks/hypervisor.rs")),
            (&[Check::Arch], include_str!("checks/arch.rs")),
            (&[Check::CpuVendor], include_str!("checks/cpu_vendor.rs")),
            (&[Check::CpuFlags], include_str!("checks/cpu_flags.rs")),
            (&[Check::CpuCount], include_str!("checks/cpu_count.rs")),
            (&[Check::Memory], include_str!("checks/memory.rs")),
            (&[Check::Memory], include_str!("checks/memory_hugepages.rs")),
            (&[Check::Numa], include_str!("checks/numa.rs")),
            (&[Check::Network], include_str!("checks/network.rs")),
            (&[Check::NetworkModel], include_str!("checks/network_model.rs")),
            (&[Check::Disk], include_str!("checks/disk.rs")),
            (&[Check::DiskModel], include_str!("checks/disk_model.rs")),
            (&[Check::Time], include_str!("checks/time.rs")),
            (&[Check::Hostdev], include_str!("checks/hostdev.rs")),
            (&[Check::Msr], include_str!("checks/msr.rs")),
            (&[Check::Cpuid], include_str!("checks/cpuid.rs")),
            (&[Check::Machine], include_str!("checks/machine.rs")),
            (&[Check::Devices], include_str!("checks/devices.rs")),
            (&[Check::Host], include_str!("checks/host.rs")),
            (&[Check::Host], include_str!("checks/dest_xml.rs")),
            (&[Check::Hypervisor], include_str!("checks/hypervisor_era.rs")),
            (&[Check::CpuFlags], include_str!("checks/cpu_names.rs")),
            (&[Check::CpuFlags], include_str!("checks/cpu_return.rs")),
            // The CPU judgement's reasons are given for each check that uses it.
            (&[Check::CpuFlags, Check::Msr], include_str!("checks/cpu_view.rs")),
        ];
        let mut found = 0;
        for (checks, source) in sources {
            for reason in literal_reasons(source) {
                for check in checks {
                    let code = format!("{}.{reason}", check.name());
                    assert!(is_declared(&code), "{code} is emitted but not declared");
                    found += 1;
                }
            }
        }
        assert!(found > 100, "the scan found only {found} reasons: has the source's shape changed?");
    }
}
