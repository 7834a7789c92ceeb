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

/// A declared reason code: the check it belongs to, the code, how serious its findings are, what
/// it means and what to do (docs/reason-codes.md is generated from these, by `make header`).
#[derive(Clone, Copy, Debug)]
pub struct Code {
    pub check: Check,
    pub code: &'static str,
    /// The severity the code's findings have ("ERROR", "WARNING", "INFO", "SKIPPED"), or the two
    /// it can have ("ERROR or WARNING"), before `--strict` makes every WARNING an ERROR.
    pub severity: &'static str,
    /// What a finding of this code means, in one sentence (its message names the objects).
    pub meaning: &'static str,
    /// What to do about it, in general (a finding's own hint names the objects).
    pub hint: &'static str,
}

const ERROR: &str = "ERROR";
const WARNING: &str = "WARNING";
const INFO: &str = "INFO";
const SKIPPED: &str = "SKIPPED";
const ERROR_OR_WARNING: &str = "ERROR or WARNING";
const INFO_OR_WARNING: &str = "INFO or WARNING";

const fn c(
    check: Check,
    code: &'static str,
    severity: &'static str,
    meaning: &'static str,
    hint: &'static str,
) -> Code {
    Code { check, code, severity, meaning, hint }
}

/// Every reason code but the OK codes, grouped by check in bit order: the check's own rules, then
/// the SKIPPED reasons it can give (`unavailable` when a host fact is missing). CPU_FLAGS and MSR
/// share one CPU judgement (`cpu_view`), so MSR repeats its SKIPPED reasons. One line a code.
#[rustfmt::skip]
pub const CODES: &[Code] = &[
    c(Check::Hypervisor, "hypervisor.type-mismatch", ERROR, "the destination runs another hypervisor type than the source", "choose a destination with the same hypervisor; libvirt cannot migrate between hypervisor types"),
    c(Check::Hypervisor, "hypervisor.older-hypervisor", WARNING, "the destination's hypervisor (QEMU) is older than the source's", "prefer a destination with an equal or newer hypervisor: an older one may not know the guest's machine type or device state"),
    c(Check::Hypervisor, "hypervisor.older-libvirt", WARNING, "the destination's libvirt is older than the source's", "prefer a destination with an equal or newer libvirt: an older one may reject XML the newer one writes"),
    c(Check::Hypervisor, "hypervisor.flag-unsupported", ERROR, "a host's libvirt predates a flag the migration passes", "drop those flags, or upgrade libvirt on that host"),
    c(Check::Hypervisor, "hypervisor.no-acpi-removed", ERROR_OR_WARNING, "a guest without ACPI goes to QEMU 9.0 or later driven by a libvirt that still passes -no-acpi (ERROR before 9.1, WARNING for 9.1.x)", "give the guest <features><acpi/></features>, or upgrade libvirt on the destination"),
    c(Check::Hypervisor, "hypervisor.qemu-newer-than-libvirt", WARNING, "the destination's QEMU is newer than any QEMU released before its libvirt", "upgrade libvirt on the destination to a release that knows its QEMU"),
    c(Check::Hypervisor, "hypervisor.unavailable", SKIPPED, "a host's versions are unavailable", "see the details for the failing call and libvirt's message"),
    c(Check::Arch, "arch.unsupported", ERROR, "the destination's capabilities offer no guest of the domain's arch, os type and virt type", "choose a destination that runs such guests (virsh capabilities lists them)"),
    c(Check::Arch, "arch.host-arch-differs", INFO, "the hosts' arches differ but the destination runs the guest (e.g. i686 to x86_64)", "none needed"),
    c(Check::Arch, "arch.unknown-arch", SKIPPED, "the guest XML names no arch and the source's capabilities are unavailable", "give the guest's live XML, or a source snapshot"),
    c(Check::Arch, "arch.unavailable", SKIPPED, "the destination's capabilities are unavailable", "see the details for the failing call and libvirt's message"),
    c(Check::CpuVendor, "cpu_vendor.differs", INFO_OR_WARNING, "the guest's CPU vendor differs from the destination's: INFO for a named model, WARNING for host-model and host-passthrough guests", "give guests that move between vendors a vendor-neutral CPU (baseline --vendor-neutral)"),
    c(Check::CpuVendor, "cpu_vendor.host-model-unexpanded", SKIPPED, "the guest's CPU is host-model and nothing says what it expanded to", "check the running guest (its live XML holds the expanded CPU), or give a source snapshot taken read-write"),
    c(Check::CpuVendor, "cpu_vendor.no-host-cpu", SKIPPED, "the destination reports no CPU vendor", "none: the destination's driver does not tell"),
    c(Check::CpuVendor, "cpu_vendor.no-cpu-map", SKIPPED, "libvirt's CPU map could not be loaded", "give the directory of a libvirt cpu_map holding index.xml (--cpu-map), or none for the carried maps"),
    c(Check::CpuFlags, "cpu_flags.unknown-to-destination", ERROR_OR_WARNING, "a CPU model or feature of the guest is unknown to the destination's libvirt: ERROR with the destination's own release's map, WARNING with an older carried one", "start the guest with a CPU the destination's libvirt knows (the baseline of both hosts)"),
    c(Check::CpuFlags, "cpu_flags.model-blocked", WARNING, "the destination's QEMU marks the guest's CPU model unusable (its blockers named)", "configure the guest with a CPU model the destination can give (virt-migration-check baseline)"),
    c(Check::CpuFlags, "cpu_flags.unknown-to-map", WARNING, "names of the guest's CPU are unknown to the map used and the destination's CPU does not name them", "give the destination's own CPU map (--cpu-map DIR, a copy of its /usr/share/libvirt/cpu_map)"),
    c(Check::CpuFlags, "cpu_flags.feature-missing", ERROR, "the destination cannot give CPU features the guest started with (all named)", "choose a destination whose CPU has them, or give the guest the baseline CPU of the hosts"),
    c(Check::CpuFlags, "cpu_flags.passthrough-mismatch", ERROR, "a host-passthrough guest goes to a CPU lacking features of the source's", "choose a destination with the same CPU, or give the guest a named CPU model"),
    c(Check::CpuFlags, "cpu_flags.forbidden-present", ERROR, "the destination's CPU has a feature the guest forbids", "choose another destination, or drop the policy='forbid'"),
    c(Check::CpuFlags, "cpu_flags.strict-extra", ERROR, "the guest's CPU must match strictly (match='strict') and the destination's has extra features", "use match='exact' or choose a destination with the same CPU"),
    c(Check::CpuFlags, "cpu_flags.incompatible", ERROR, "the guest's CPU is incompatible with the destination's (libvirt's reason named)", "give the guest a CPU every host can give (virt-migration-check baseline)"),
    c(Check::CpuFlags, "cpu_flags.passthrough-superset", WARNING, "a host-passthrough guest goes to a CPU with more features than the source's", "prefer a destination with an identical CPU for host-passthrough guests"),
    c(Check::CpuFlags, "cpu_flags.hypervisor-incompatible", ERROR, "the destination's hypervisor says the guest's CPU is incompatible (virConnectCompareHypervisorCPU)", "see virsh hypervisor-cpu-compare on the destination for libvirt's reason"),
    c(Check::CpuFlags, "cpu_flags.newer-model", INFO, "the destination offers a newer CPU model than the guest needs", "none needed"),
    c(Check::CpuFlags, "cpu_flags.no-return", WARNING, "a host-model guest restarted on the destination would get a CPU the source cannot give: it could not come back", "give the guest the baseline CPU of both hosts (virt-migration-check baseline --apply)"),
    c(Check::CpuFlags, "cpu_flags.host-model-unexpanded", SKIPPED, "the guest's CPU is host-model and nothing says what it expanded to", "check the running guest (its live XML holds the expanded CPU), or give a source snapshot taken read-write"),
    c(Check::CpuFlags, "cpu_flags.no-cpu-map", SKIPPED, "libvirt's CPU map could not be loaded", "give the directory of a libvirt cpu_map holding index.xml (--cpu-map), or none for the carried maps"),
    c(Check::CpuFlags, "cpu_flags.unknown-cpu", SKIPPED, "a CPU model or feature is unknown to the CPU map used", "use the CPU map of the newest libvirt among the hosts"),
    c(Check::CpuFlags, "cpu_flags.emulated-cpu-unknown", SKIPPED, "a TCG guest's CPU can be judged only by the destination's domain capabilities, which are unavailable", "open the destination connection read-write"),
    c(Check::CpuFlags, "cpu_flags.no-host-cpu", SKIPPED, "the destination reports no host CPU", "none: the destination's driver does not tell"),
    c(Check::CpuFlags, "cpu_flags.unavailable", SKIPPED, "a host fact the CPU judgement needs is unavailable", "see the details for the failing call and libvirt's message"),
    c(Check::CpuCount, "cpu_count.vcpus-exceed-pcpus", WARNING, "the guest's vCPUs exceed the destination's physical CPUs", "choose a larger destination or reduce the guest's vCPUs"),
    c(Check::CpuCount, "cpu_count.max-vcpus-exceed-pcpus", WARNING, "the guest's hotpluggable maximum of vCPUs exceeds the destination's physical CPUs", "lower the guest's maximum vCPUs or choose a larger destination"),
    c(Check::CpuCount, "cpu_count.vcpus-exceed-pinned-cpus", WARNING, "the guest's vCPUs exceed the destination CPUs they are pinned to (<vcpu cpuset>, a strict numatune)", "widen the pinning for the destination"),
    c(Check::CpuCount, "cpu_count.unavailable", SKIPPED, "the destination's node info is unavailable", "see the details for the failing call and libvirt's message"),
    c(Check::Memory, "memory.exceeds-total", ERROR, "the guest's memory exceeds the destination's total memory", "reduce the guest's memory or choose a larger destination"),
    c(Check::Memory, "memory.insufficient", ERROR, "the guest's memory exceeds what the destination has available (the figure used is named)", "free memory on the destination, reduce the guest's memory, or choose another destination"),
    c(Check::Memory, "memory.low-headroom", WARNING, "less than the margin (512 MiB or 5% of total, or --memory-headroom) would remain free on the destination", "free memory there or choose another destination"),
    c(Check::Memory, "memory.hugepages-size-unsupported", ERROR, "the destination offers no huge pages of the guest's page size", "back the guest with a page size every host offers"),
    c(Check::Memory, "memory.hugepages-insufficient", ERROR, "too few huge pages of the guest's size are free (offline: allocated) on the destination nodes it may use", "allocate more huge pages on the destination (vm.nr_hugepages)"),
    c(Check::Memory, "memory.hugepages-unavailable", SKIPPED, "the destination reports neither free nor allocated huge pages of the guest's size", "take a snapshot of the live destination"),
    c(Check::Memory, "memory.hugepages-free-unknown", SKIPPED, "the destination's huge pages are allocated but how many are free is unknown", "check the live destination"),
    c(Check::Memory, "memory.unavailable", SKIPPED, "the destination's memory figures are unavailable", "see the details for the failing call and libvirt's message"),
    c(Check::Numa, "numa.emulated", INFO, "a NUMA guest goes to a host without NUMA: its cells will be emulated", "none needed"),
    c(Check::Numa, "numa.no-single-node-fit", WARNING, "a guest without NUMA no longer fits one NUMA node of the destination (best node and shortfall named)", "choose a destination with a larger node, or give the guest a NUMA topology"),
    c(Check::Numa, "numa.bad-nodeset", ERROR, "a numatune nodeset of the guest is invalid", "fix the guest's <numatune>"),
    c(Check::Numa, "numa.node-missing", ERROR, "a numatune nodeset or memnode names host NUMA nodes the destination lacks", "use nodes every host has, or placement='auto'"),
    c(Check::Numa, "numa.nodes-too-small", ERROR_OR_WARNING, "the guest's memory does not fit the nodes it is placed in: ERROR for a strict or restrictive placement, WARNING for a preferred one", "free memory on those nodes, or widen the nodeset"),
    c(Check::Numa, "numa.bad-cpuset", ERROR, "a vCPU, emulator or iothread pin of the guest is invalid", "fix the guest's <cputune>"),
    c(Check::Numa, "numa.cpu-missing", ERROR, "a vCPU, emulator or iothread pin names host CPUs the destination lacks", "re-pin the guest to CPUs every host has, or drop the pin"),
    c(Check::Numa, "numa.pin-crosses-nodes", WARNING, "a pin within one NUMA node on the source spans nodes on the destination", "re-pin the guest for the destination's topology"),
    c(Check::Numa, "numa.unavailable", SKIPPED, "the destination's NUMA topology is unavailable", "see the details for the failing call and libvirt's message"),
    c(Check::Network, "network.missing", ERROR, "a network an interface uses does not exist on the destination", "define and start it there (virsh net-define, net-start)"),
    c(Check::Network, "network.inactive", ERROR, "a network an interface uses is not active on the destination", "start it there (virsh net-start)"),
    c(Check::Network, "network.portgroup-missing", ERROR, "the destination's network lacks a portgroup an interface uses", "add the portgroup to the network on the destination"),
    c(Check::Network, "network.forward-differs", WARNING, "a network forwards in another mode on the destination", "align the network definitions"),
    c(Check::Network, "network.bridge-missing", ERROR, "a bridge an interface uses (directly or through a bridge network) does not exist on the destination", "create the bridge there, or use one that exists"),
    c(Check::Network, "network.bridge-inactive", WARNING, "a bridge an interface uses is down on the destination", "bring it up there (ip link set BRIDGE up)"),
    c(Check::Network, "network.device-missing", ERROR, "the host device of a direct (macvtap) interface does not exist on the destination", "give the device the same name on every host, or use a network with a device pool"),
    c(Check::Network, "network.unavailable", SKIPPED, "the destination's network or interface list is unavailable", "see the details for the failing call and libvirt's message"),
    c(Check::NetworkModel, "network_model.unsupported", ERROR, "a NIC model needs a newer QEMU than the destination's", "choose a destination with a newer QEMU, or another NIC model (virtio)"),
    c(Check::NetworkModel, "network_model.unknown-model", WARNING, "a NIC model is not in this library's table of QEMU's models", "check qemu-system-* -device help on the destination"),
    c(Check::NetworkModel, "network_model.backend-unsupported", ERROR, "the destination's domain capabilities do not offer an interface's <backend type>", "choose another backend or destination"),
    c(Check::NetworkModel, "network_model.vhostuser-unverified", WARNING, "a vhost-user interface needs a socket and backend libvirt cannot see", "make sure the destination runs the same vhost-user backend with the same socket path"),
    c(Check::NetworkModel, "network_model.unknowable", SKIPPED, "the NIC models of a hypervisor other than QEMU are not known to this library", "none"),
    c(Check::NetworkModel, "network_model.unavailable", SKIPPED, "the destination's hypervisor version or domain capabilities are unavailable", "see the details for the failing call and libvirt's message (open read-write if refused on read-only)"),
    c(Check::Disk, "disk.missing", ERROR, "a disk's file or volume does not exist on the destination", "put the disk on storage both hosts share, or migrate with --copy-storage-all"),
    c(Check::Disk, "disk.different-storage", ERROR, "a disk's path on the destination is another file or volume (another key, capacity, format or birth time)", "put the disk on storage both hosts share, or migrate with --copy-storage-all"),
    c(Check::Disk, "disk.unproven", WARNING, "whether a disk's path is the same file on both hosts cannot be proven", "define pools over its directory, or name it with --shared-filesystem"),
    c(Check::Disk, "disk.not-visible", WARNING, "no storage pool on the destination covers a disk's directory, so libvirt cannot see the file", "define a storage pool over that directory on the destination"),
    c(Check::Disk, "disk.readonly-copy", INFO, "a read-only disk is another file on the destination", "none, if its content is the same"),
    c(Check::Disk, "disk.will-copy", INFO, "a disk will be copied into a destination pool", "none needed"),
    c(Check::Disk, "disk.copy-target-differs", WARNING, "a disk will be copied into an existing destination volume that differs (size or format)", "remove the destination's volume, or make it the same"),
    c(Check::Disk, "disk.no-target-pool", ERROR, "a disk to copy has no active pool on the destination covering its directory", "define and start a pool over that directory on the destination"),
    c(Check::Disk, "disk.pool-missing", ERROR, "a disk's storage pool does not exist on the destination", "define and start the pool there"),
    c(Check::Disk, "disk.pool-inactive", ERROR, "a disk's storage pool is not active on the destination", "start it there (virsh pool-start)"),
    c(Check::Disk, "disk.volume-missing", ERROR, "a disk's volume does not exist in its pool on the destination", "put the disk on storage both hosts share, or migrate with --copy-storage-all"),
    c(Check::Disk, "disk.unavailable", SKIPPED, "a host's pools or volumes are unavailable", "see the details for the failing call and libvirt's message"),
    c(Check::DiskModel, "disk_model.unsupported", ERROR, "a disk bus or device kind is not offered by the destination's emulator for the guest's machine", "use a bus the destination offers (the hint lists them)"),
    c(Check::DiskModel, "disk_model.disks-unsupported", ERROR, "the destination's emulator supports no disks for the guest's machine", "choose another destination or machine type"),
    c(Check::DiskModel, "disk_model.unavailable", SKIPPED, "the destination's domain capabilities are unavailable", "open the connection read-write; see the details"),
    c(Check::Time, "time.invtsc-unpinned", ERROR, "the guest's CPU has invtsc without a pinned TSC frequency: libvirt refuses to migrate it", "pin the TSC frequency (<timer name='tsc' frequency='HZ'/>), or drop invtsc"),
    c(Check::Time, "time.tsc-scaled", INFO, "the destination's TSC will be scaled to the guest's pinned frequency", "none needed"),
    c(Check::Time, "time.tsc-unavailable", ERROR, "the guest's pinned TSC frequency is neither the destination's (within 250 ppm) nor reachable by scaling", "choose a destination with the same TSC frequency or with TSC scaling"),
    c(Check::Time, "time.tsc-unknown", SKIPPED, "the destination does not report its TSC frequency", "none: the destination's driver does not tell"),
    c(Check::Time, "time.unavailable", SKIPPED, "the destination's capabilities are unavailable", "see the details for the failing call and libvirt's message"),
    c(Check::Hostdev, "hostdev.pci", ERROR, "a PCI device assigned from the host cannot migrate", "detach it before migrating, or team it with a virtio NIC (<teaming type='transient'>)"),
    c(Check::Hostdev, "hostdev.pci-failover", WARNING, "a PCI device with transient teaming is unplugged during the migration", "none needed: the guest falls back to its virtio NIC"),
    c(Check::Hostdev, "hostdev.usb", WARNING, "a USB host device is re-attached on the destination only if the same device is there", "detach it before migrating if the destination lacks it"),
    c(Check::Hostdev, "hostdev.mdev", ERROR, "a mediated device (vGPU) cannot migrate", "detach the mediated device before migrating"),
    c(Check::Hostdev, "hostdev.capabilities-mode", ERROR, "a <hostdev mode='capabilities'> cannot migrate", "detach it before migrating"),
    c(Check::Hostdev, "hostdev.unsupported", ERROR, "a SCSI or other host device cannot migrate", "detach it before migrating"),
    c(Check::Hostdev, "hostdev.interface", ERROR, "an interface passes an SR-IOV VF to the guest (type='hostdev', or a network handing out VFs)", "use a virtio NIC, or team the VF with one (<teaming>)"),
    c(Check::Hostdev, "hostdev.interface-failover", WARNING, "an SR-IOV interface with transient teaming is unplugged during the migration", "none needed: the guest falls back to its virtio NIC"),
    c(Check::Hostdev, "hostdev.vf-no-capacity", ERROR, "an SR-IOV pool network on the destination has fewer free VFs than the guest takes", "free VFs on the destination or choose another destination"),
    c(Check::Hostdev, "hostdev.vf-count-unknown", SKIPPED, "an SR-IOV pool network on the destination lists no VFs", "start the network on the destination"),
    c(Check::Hostdev, "hostdev.mdev-type-available", INFO, "the destination can create the guest's mediated device type", "none needed"),
    c(Check::Hostdev, "hostdev.mdev-type-missing", ERROR, "no device on the destination offers the guest's mediated device type", "choose a destination with the same GPU or adapter and its mdev driver"),
    c(Check::Hostdev, "hostdev.mdev-no-capacity", ERROR, "the destination has too few free instances of the guest's mediated device type", "free instances on the destination or choose another destination"),
    c(Check::Hostdev, "hostdev.mdev-type-unknown", SKIPPED, "the source has no node device for the guest's mediated device, so its type is unknown", "none"),
    c(Check::Hostdev, "hostdev.unavailable", SKIPPED, "a host's node devices or networks are unavailable", "see the details for the failing call and libvirt's message"),
    c(Check::Msr, "msr.feature-missing", ERROR, "the destination lacks MSR-based CPU features the guest uses (VMX controls, arch-capabilities bits; all named)", "choose a destination with the same CPU generation and microcode"),
    c(Check::Msr, "msr.host-model-unexpanded", SKIPPED, "the guest's CPU is host-model and nothing says what it expanded to", "check the running guest (its live XML holds the expanded CPU), or give a source snapshot taken read-write"),
    c(Check::Msr, "msr.no-cpu-map", SKIPPED, "libvirt's CPU map could not be loaded", "give the directory of a libvirt cpu_map holding index.xml (--cpu-map), or none for the carried maps"),
    c(Check::Msr, "msr.unknown-cpu", SKIPPED, "a CPU model or feature is unknown to the CPU map used", "use the CPU map of the newest libvirt among the hosts"),
    c(Check::Msr, "msr.emulated-cpu-unknown", SKIPPED, "a TCG guest's CPU can be judged only by the destination's domain capabilities, which are unavailable", "open the destination connection read-write"),
    c(Check::Msr, "msr.no-host-cpu", SKIPPED, "the destination reports no host CPU", "none: the destination's driver does not tell"),
    c(Check::Msr, "msr.unavailable", SKIPPED, "a host fact the CPU judgement needs is unavailable", "see the details for the failing call and libvirt's message"),
    c(Check::Cpuid, "cpuid.passthrough", WARNING, "a host-passthrough or maximum guest sees the host CPU's identity (family, model, stepping), which differs on the destination or cannot be shown equal", "use a named CPU model for guests that migrate"),
    c(Check::Cpuid, "cpuid.cache-passthrough", WARNING, "the guest sees the host's CPU cache topology, which the destination's may not match", "use <cache mode='emulate'/> for guests that migrate"),
    c(Check::Machine, "machine.virt-type-unavailable", ERROR, "the destination's emulator does not offer the guest's virt type (kvm)", "choose a destination with KVM, or a TCG guest"),
    c(Check::Machine, "machine.type-unsupported", ERROR, "the destination's emulator does not offer the guest's machine type (or alias)", "choose a destination with a QEMU as new as the source's, or an older machine type"),
    c(Check::Machine, "machine.emulator-missing", ERROR, "the guest's emulator binary does not exist on the destination", "install it there, or use an emulator every host has"),
    c(Check::Machine, "machine.loader-missing", ERROR, "the guest's firmware (<loader>) is not among the destination's", "install it there, or use one the destination has"),
    c(Check::Machine, "machine.vcpus-exceed-machine-limit", ERROR, "the guest's maximum vCPUs exceed its machine type's limit on the destination (maxCpus)", "lower the guest's maximum vCPUs, or choose a destination whose QEMU allows more"),
    c(Check::Machine, "machine.vcpus-exceed-hypervisor-limit", ERROR, "the guest's maximum vCPUs exceed what the destination's hypervisor runs (domain capabilities' <vcpu max>)", "lower the guest's maximum vCPUs, or choose another destination"),
    c(Check::Machine, "machine.unavailable", SKIPPED, "the destination's capabilities or domain capabilities are unavailable", "see the details for the failing call and libvirt's message"),
    c(Check::Devices, "devices.model-unsupported", ERROR, "a video, graphics, RNG, TPM, filesystem, redirdev or panic model is not offered by the destination's domain capabilities", "install the QEMU module for it on the destination, or change the device model"),
    c(Check::Devices, "devices.snapshots", ERROR, "the guest has snapshots: libvirt refuses to migrate it", "delete the snapshots' metadata (virsh snapshot-delete --metadata) and recreate it on the destination"),
    c(Check::Devices, "devices.block-job", ERROR, "a disk has an active block job: libvirt refuses to migrate during one", "wait for the job to finish, or abort it (virsh blockjob --abort)"),
    c(Check::Devices, "devices.dimm-no-address", ERROR, "a dimm memory device lacks its slot and base address", "let libvirt assign dimm addresses (hotplug through libvirt)"),
    c(Check::Devices, "devices.io-error", WARNING, "the guest is paused after a disk I/O error: libvirt refuses --abort-on-error migrations of it", "fix the storage and resume the guest first"),
    c(Check::Devices, "devices.transient-disk", ERROR, "a disk is <transient/>: libvirt cannot migrate it", "remove <transient/> from the disk"),
    c(Check::Devices, "devices.shmem-not-master", ERROR, "a shmem device is not role='master': libvirt cannot migrate it", "set role='master' on it, or remove it"),
    c(Check::Devices, "devices.virtiofs", ERROR, "a virtiofs filesystem: libvirt cannot migrate it", "detach it before migrating"),
    c(Check::Devices, "devices.vdpa", ERROR, "a vDPA interface: libvirt cannot migrate it", "detach it before migrating"),
    c(Check::Devices, "devices.tpm-passthrough", ERROR, "a passthrough TPM ties the guest to the host's chip", "use an emulated TPM (backend type='emulator')"),
    c(Check::Devices, "devices.unsafe-storage", ERROR_OR_WARNING, "a writable disk on storage local to the source (or NVMe), not copied: libvirt refuses \"Migration without shared storage is unsafe\" (WARNING with --unsafe)", "put it on shared storage, or migrate with --copy-storage-all"),
    c(Check::Devices, "devices.storage-unknown", WARNING, "whether a writable file disk is on shared storage cannot be told (a dir pool, or no pool)", "name its directory with --shared-filesystem (shared_filesystems), or define it as a netfs pool"),
    c(Check::Devices, "devices.shared-by-caller", INFO, "a disk is shared by the caller's word alone, on a source libvirt older than 10.6 that decides by statfs", "make sure its directory is on a filesystem statfs calls shared"),
    c(Check::Devices, "devices.unsafe-cache", ERROR_OR_WARNING, "a disk's cache mode is not none or directsync with a QEMU older than 3.1 (WARNING with --unsafe)", "set <driver cache='none'/> on the disk, or pass --unsafe knowing the risk"),
    c(Check::Devices, "devices.unavailable", SKIPPED, "the destination's domain capabilities, or the guest's snapshots or block jobs, are unavailable", "open the connection read-write; see the details"),
    c(Check::Host, "host.same-host", ERROR, "the source and the destination are the same host (same host UUID, or same URI and hostname)", "choose another destination"),
    c(Check::Host, "host.name-clash", ERROR, "a different domain with the guest's name exists on the destination", "rename or undefine one of them"),
    c(Check::Host, "host.uuid-clash", ERROR, "another domain on the destination has the guest's UUID", "undefine the other domain, or give one of them a new UUID"),
    c(Check::Host, "host.already-running", ERROR, "the guest is already running on the destination", "stop the copy on the destination first"),
    c(Check::Host, "host.defined-on-destination", INFO, "an inactive definition of the guest exists on the destination; the migration will run it there", "none needed"),
    c(Check::Host, "host.storage-flags-exclusive", ERROR, "NON_SHARED_DISK and NON_SHARED_INC together (--copy-storage-all with --copy-storage-inc)", "pass one of them"),
    c(Check::Host, "host.tunnelled-without-p2p", ERROR, "TUNNELLED without PEER2PEER", "add --p2p, or drop --tunnelled"),
    c(Check::Host, "host.not-running", ERROR, "a live migration of a guest that is not running", "start the guest, or migrate --offline --persistent"),
    c(Check::Host, "host.offline-storage-copy", ERROR, "an offline migration with a storage copy", "copy the storage otherwise, or migrate live"),
    c(Check::Host, "host.offline-without-persist", ERROR, "an offline migration without PERSIST_DEST", "add --persistent"),
    c(Check::Host, "host.offline-tunnelled", ERROR, "an offline migration through a tunnel", "drop --tunnelled"),
    c(Check::Host, "host.postcopy-not-live", ERROR, "POSTCOPY with a migration that is not live, or paused", "migrate --live without --suspend, or drop --postcopy"),
    c(Check::Host, "host.postcopy-tunnelled", ERROR, "POSTCOPY through a tunnel", "drop --tunnelled or --postcopy"),
    c(Check::Host, "host.postcopy-resume-without-postcopy", ERROR, "POSTCOPY_RESUME without POSTCOPY", "add --postcopy"),
    c(Check::Host, "host.zerocopy-without-parallel", ERROR, "ZEROCOPY without PARALLEL", "add --parallel"),
    c(Check::Host, "host.migrate-disks-without-storage-copy", WARNING, "MIGRATE_DISKS without a storage copy: newer libvirt refuses it, 9.0 ignores the list", "add --copy-storage-all, or drop --migrate-disks"),
    c(Check::Host, "host.migrate-disks-unknown", ERROR, "MIGRATE_DISKS names a disk target the guest does not have", "name the guest's disk targets (virsh domblklist)"),
    c(Check::Host, "host.dest-xml-invalid", ERROR, "libvirt cannot read the destination XML (DEST_XML, virsh --xml)", "start from virsh dumpxml --migratable"),
    c(Check::Host, "host.dest-xml-abi", ERROR, "the destination XML changes the guest's ABI, which libvirt refuses (each difference named)", "change only what the guest does not see (disk paths, networks, graphics)"),
    c(Check::Host, "host.dest-xml-abi-unproven", WARNING, "the destination XML leaves out what libvirt fills in, so whether the ABI changes cannot be known", "write it as the running guest has it (virsh dumpxml --migratable)"),
    c(Check::Host, "host.persist-xml-invalid", ERROR, "the persistent XML (PERSIST_XML, virsh --persistent-xml) cannot be read", "start from virsh dumpxml --inactive"),
    c(Check::Host, "host.persist-xml-ignored", INFO, "a persistent XML without PERSIST_DEST, which libvirt ignores", "add --persistent for libvirt to define the guest there"),
    c(Check::Host, "host.unavailable", SKIPPED, "the destination's domain list or a host's identity is unavailable", "see the details for the failing call and libvirt's message"),
];

/// Every code the library can emit: each check's OK code, then [`CODES`].
pub fn all() -> impl Iterator<Item = (Check, &'static str)> {
    Check::ALL.into_iter().map(|c| (c, c.ok_code())).chain(CODES.iter().map(|c| (c.check, c.code)))
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
        for Code { check, code, .. } in CODES {
            assert!(seen.insert(*code), "{code} declared twice");
            let reason = code.strip_prefix(&format!("{}.", check.name()));
            assert!(reason.is_some_and(|r| !r.is_empty() && !r.contains('.')), "{code} is not a {} code", check.name());
        }
        for pair in CODES.windows(2) {
            assert!(pair[0].check <= pair[1].check, "{} listed after {}", pair[1].code, pair[0].code);
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
    /// (or `Finding::new(CHECK, severity,`), and `unavailable` for `unavailable(CHECK, ...)`,
    /// each with the severity it is written with (None for `Finding::new`, whose severity is a
    /// variable).
    fn literal_findings(source: &str) -> Vec<(Option<&'static str>, String)> {
        let mut reasons = Vec::new();
        for (opener, severity) in [
            ("Finding::error(", Some(ERROR)),
            ("Finding::warning(", Some(WARNING)),
            ("Finding::info(", Some(INFO)),
            ("Finding::skipped(", Some(SKIPPED)),
            ("Finding::new(", None),
        ] {
            for (at, _) in source.match_indices(opener) {
                let args = &source[at + opener.len()..];
                let mut rest = args.split_once(',').map_or("", |(_, r)| r).trim_start();
                if opener == "Finding::new(" {
                    rest = rest.split_once(',').map_or("", |(_, r)| r).trim_start();
                }
                if let Some(literal) = rest.strip_prefix('"').and_then(|r| r.split_once('"')).map(|(l, _)| l) {
                    reasons.push((severity, literal.to_string()));
                }
            }
        }
        if source.contains("unavailable(CHECK,") || source.contains("unavailable(check,") {
            reasons.push((Some(SKIPPED), "unavailable".to_string()));
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
            for (severity, reason) in literal_findings(source) {
                for check in checks {
                    let code = format!("{}.{reason}", check.name());
                    assert!(is_declared(&code), "{code} is emitted but not declared");
                    found += 1;
                    // The severity docs/reason-codes.md states is the one the source writes.
                    let declared = CODES.iter().find(|c| c.code == code).map(|c| c.severity);
                    if let (Some(written), Some(declared)) = (severity, declared) {
                        assert!(
                            declared.split(" or ").any(|d| d == written),
                            "{code} is written as {written} but declared {declared}"
                        );
                    }
                }
            }
        }
        assert!(found > 100, "the scan found only {found} reasons: has the source's shape changed?");
        for Code { code, severity, meaning, hint, .. } in CODES {
            assert!(
                [ERROR, WARNING, INFO, SKIPPED, ERROR_OR_WARNING, INFO_OR_WARNING].contains(severity),
                "{code}: severity {severity:?}"
            );
            assert!(!meaning.is_empty() && !hint.is_empty(), "{code} has no meaning or hint");
        }
    }
}
