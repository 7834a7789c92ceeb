// SPDX-License-Identifier: LGPL-2.1-or-later
//! The table of checks: one row per check, and every list of checks is derived from it.
//!
//! A row gives the check's bit, its names (the `Check` variant, its module in `src/checks/`,
//! which is also its name in reason codes and the CLI, and its flag without the
//! `VIR_MIGRATION_CHECK_` prefix), its one-line documentation, the host facts it reads from the
//! source and the destination (`facts::Needs` flags, which this bottom layer only names),
//! whether it judges compatibility (see below), and its ERROR and WARNING / INFO cases for the
//! table of checks in docs/checks.md (whose codes column comes from `crate::codes`).
//! `flags` builds `Check` and the selection bits of `Flags` from it, `checks` builds `REGISTRY`
//! (running `<module>::check`); the C enum (`src/ffi/check_flags.rs`, hence the header), the
//! Python enums, the table in docs/checks.md and the C tests' constants (`tests/c/check_table.h`) are
//! generated from them by `make header` (tests/generated.rs fails when a committed copy differs).
//!
//! Adding a check: write `src/checks/<name>.rs` with `pub fn check(cx: &Context) -> Vec<Finding>`,
//! add its row at the end with the next bit, run `make header`.
//!
//! `compatibility: true` marks the checks that decide whether the guest's definition can run on
//! a host at all (its CPU, machine type, device models, architecture), as opposed to what the
//! host holds now (free memory, other domains, storage, networks) or how the two hosts compare
//! (versions, TSC, CPU identity): the checks a baseline's one-way pairs are judged by.

/// Bits 0..SELECTION_BITS-1 of `virMigrationCheckFlags` select checks, bit N the check of the
/// row with bit N; the bits no row has yet are reserved for future checks (an error today).
/// Modifiers start at this bit.
pub const SELECTION_BITS: u32 = 24;

/// A bit of `virMigrationCheckFlags` no check or modifier will ever be given: it stays invalid in
/// every version, so tests that need an invalid flag use it (a reserved bit would turn valid the
/// day a check takes it).
pub const NEVER_ASSIGNED_BIT: u32 = 31;

/// Calls `$callback! { $extra... rows }` with every row of the table, in bit order. The rows'
/// bits must be 0, 1, 2... in order (`flags` asserts it at compile time).
macro_rules! for_each_check {
    ($callback:ident $(, $($extra:tt)*)?) => {
        $callback! {
            $($($extra)*)?
            /// Hypervisor type; a newer -> older hypervisor or libvirt version.
            0 => Hypervisor, hypervisor, HYPERVISOR {
                src: [VERSIONS],
                dst: [VERSIONS],
                compatibility: false,
                error: "different hypervisor type; a guest without ACPI to a libvirt older than 9.1 with QEMU 9.0 or \
                    later (-no-acpi removed); with the migration's flags: a flag the host's libvirt predates",
                warning: "destination hypervisor or libvirt older than the source's (WARNING, both versions named); a \
                    destination QEMU newer than any QEMU released before its libvirt; a guest without ACPI to \
                    libvirt 9.1.x with QEMU 9.0 or later",
            }
            /// CPU architecture, os type and virt type offered by the destination.
            1 => Arch, arch, ARCH {
                src: [CAPABILITIES],
                dst: [CAPABILITIES],
                compatibility: true,
                error: "the destination's capabilities offer no guest of the domain's arch, os type and virt type",
                warning: "host arch differs but the destination runs the guest, e.g. i686 → x86_64 (INFO)",
            }
            /// CPU vendor.
            2 => CpuVendor, cpu_vendor, CPU_VENDOR {
                src: [CAPABILITIES, DOMAIN_CAPABILITIES],
                dst: [CAPABILITIES, DOMAIN_CAPABILITIES],
                compatibility: true,
                error: "—",
                warning: "the guest's CPU vendor (its model's, or the source host's for host-passthrough) differs \
                    from the destination's: INFO for a named model, WARNING for host-model / host-passthrough \
                    guests",
            }
            /// The destination provides every guest-visible CPU feature.
            3 => CpuFlags, cpu_flags, CPU_FLAGS {
                src: [CAPABILITIES, DOMAIN_CAPABILITIES, VERSIONS],
                dst: [CAPABILITIES, DOMAIN_CAPABILITIES, CPU_COMPARISON, VERSIONS],
                compatibility: true,
                error: "a CPU feature or model the destination's libvirt does not know (libvirt 9.0 and 11.3 carried); \
                    the destination cannot give a CPUID feature the guest started with (all named); a \
                    forbidden feature is present; a strict guest gets extra features; the destination \
                    hypervisor says incompatible; host-passthrough onto a CPU lacking features",
                warning: "host-passthrough onto a larger CPU (WARNING); the destination offers a newer model than \
                    needed (INFO); the destination's QEMU marks the guest's model unusable (its blockers named); a \
                    name a libvirt newer than the carried 9.0 and 11.3 maps may not know; a host-model guest that, \
                    restarted on the destination, could not come back (the source lacks or does not know features \
                    of the destination's host-model CPU)",
            }
            /// vCPUs against the destination's physical CPUs.
            4 => CpuCount, cpu_count, CPU_COUNT {
                src: [],
                dst: [NODE_INFO, CAPABILITIES],
                compatibility: false,
                error: "—",
                warning: "vCPUs, or the hotpluggable maximum, exceed the destination's physical CPUs, or the CPUs \
                    they are pinned to there (`<vcpu cpuset>`, a strict numatune's nodes)",
            }
            /// Guest memory fits the destination's free memory, with headroom.
            5 => Memory, memory, MEMORY {
                src: [],
                dst: [NODE_INFO, FREE_MEMORY, DOMAINS, CAPABILITIES, CELLS],
                compatibility: false,
                error: "guest memory exceeds what the destination can give, or its total memory (node info, else \
                    the capabilities' NUMA cells), whether or not free memory is known; too few huge pages of \
                    the guest's size free (offline: allocated) on the nodes it may use, or the size not offered",
                warning: "headroom left below the margin (with free memory unknown: even on an idle destination); \
                    free memory unknown, free huge pages unknown (SKIPPED)",
            }
            /// NUMA fit, single-node fit, cpuset and nodeset.
            6 => Numa, numa, NUMA {
                src: [CAPABILITIES],
                dst: [CAPABILITIES, CELLS, NODE_INFO],
                compatibility: false,
                error: "a numatune nodeset or memnode names host nodes the destination lacks; a strict (or \
                    restrictive) placement into nodes too small; a vCPU, emulator or iothread pin names CPUs \
                    the destination lacks",
                warning: "a non-NUMA guest no longer fits one node (best node and shortfall named); a preferred \
                    placement into nodes too small; a pin within one node on the source spans nodes on the \
                    destination; a NUMA guest on a host without NUMA (INFO)",
            }
            /// Networks, bridges and macvtap devices exist (and are active) on the destination.
            7 => Network, network, NETWORK {
                src: [NETWORKS],
                dst: [NETWORKS, INTERFACES],
                compatibility: false,
                error: "network missing or inactive, portgroup missing, bridge missing, macvtap device missing",
                warning: "network forwards in another mode; bridge down",
            }
            /// NIC device models supported by the destination.
            8 => NetworkModel, network_model, NETWORK_MODEL {
                src: [],
                dst: [VERSIONS, DOMAIN_CAPABILITIES],
                compatibility: true,
                error: "a NIC model the destination's QEMU is too old for; a `<backend type>` its domain \
                    capabilities do not offer",
                warning: "a model unknown to the table; vhost-user sockets (invisible to libvirt); other hypervisors \
                    (SKIPPED)",
            }
            /// Disks reachable at the same path and as the same storage.
            9 => Disk, disk, DISK {
                src: [POOLS, VOLUMES],
                dst: [POOLS, VOLUMES],
                compatibility: false,
                error: "volume absent in the destination pool that covers the path; same path but another volume \
                    key, or a file whose volume XML shows another capacity, format or birth time (\"a different \
                    file with the same name\", what differs named); pool missing or inactive; with \
                    `--copy-storage-all`, no pool to copy into",
                warning: "identity unprovable (files whose volumes do not show the same capacity and nanosecond \
                    mtime and ctime, paths in no pool, unless `--shared-filesystem` names the directory); a \
                    read-only medium that is another copy (INFO); will be copied (INFO)",
            }
            /// Disk bus and device models supported by the destination.
            10 => DiskModel, disk_model, DISK_MODEL {
                src: [],
                dst: [DOMAIN_CAPABILITIES],
                compatibility: true,
                error: "a disk bus or device kind the destination's emulator does not offer for the guest's \
                    machine (domain capabilities)",
                warning: "—",
            }
            /// TSC frequency, invtsc, timers.
            11 => Time, time, TIME {
                src: [],
                dst: [CAPABILITIES],
                compatibility: false,
                error: "`invtsc` without a pinned TSC frequency (libvirt refuses); a pinned frequency the \
                    destination neither runs at (±250 ppm) nor can scale to",
                warning: "scaled TSC (INFO); destination TSC unknown (SKIPPED)",
            }
            /// PCI/USB/mdev passthrough and SR-IOV.
            12 => Hostdev, hostdev, HOSTDEV {
                src: [NETWORKS, NODE_DEVICES],
                dst: [NODE_DEVICES, NETWORKS],
                compatibility: false,
                error: "PCI, SCSI, mdev and `mode='capabilities'` host devices; `<interface type='hostdev'>` or a \
                    network handing out VFs; an mdev type no destination device offers, or too few free \
                    instances of it (node devices); an SR-IOV pool network on the destination with fewer free \
                    VFs than the guest takes",
                warning: "PCI / VF with `<teaming type='transient'>` (failover), USB",
            }
            /// MSR-based CPU features.
            13 => Msr, msr, MSR {
                src: [CAPABILITIES, DOMAIN_CAPABILITIES],
                dst: [CAPABILITIES, DOMAIN_CAPABILITIES],
                compatibility: true,
                error: "an MSR-based feature (vmx-* controls, arch-capabilities bits such as mds-no) the guest \
                    uses is missing on the destination (all named)",
                warning: "—",
            }
            /// Model-specific CPUID information.
            14 => Cpuid, cpuid, CPUID {
                src: [CAPABILITIES],
                dst: [CAPABILITIES],
                compatibility: false,
                error: "—",
                warning: "host-passthrough / maximum guests see the host CPU's identity (family/model/stepping), \
                    which differs on the destination or cannot be shown equal; cache passthrough",
            }
            /// Machine type, emulator and virt type on the destination.
            15 => Machine, machine, MACHINE {
                src: [CAPABILITIES],
                dst: [CAPABILITIES, DOMAIN_CAPABILITIES],
                compatibility: true,
                error: "the machine type (or alias) is not offered by the destination's emulator for the arch; the \
                    virt type (kvm) is unavailable; the emulator binary is missing; the firmware (`<loader>`) \
                    is not among the destination's; the guest's maximum vCPUs exceed the machine type's limit \
                    there (capabilities' `maxCpus`) or the hypervisor's (domain capabilities' `<vcpu max>`, KVM's)",
                warning: "—",
            }
            /// Other device models and libvirt's own migration blockers.
            16 => Devices, devices, DEVICES {
                src: [POOLS, VERSIONS],
                dst: [DOMAIN_CAPABILITIES],
                compatibility: true,
                error: "a video, graphics, RNG, TPM, filesystem, redirdev or panic model the destination's domain \
                    capabilities do not offer; libvirt's own refusals: snapshots, an active block job, \
                    transient disks, shmem not master, virtiofs, vDPA, a passthrough TPM, a dimm without \
                    address; a writable file on a filesystem local to the source (an fs pool of ext4, xfs ...; \
                    the host's /dev) or an NVMe disk, unless copied (`--copy-storage-all`); block and network \
                    disks never; a cache mode other than none/directsync with a QEMU older than 3.1",
                warning: "with `--unsafe` the storage refusals are WARNINGs; a writable file whose filesystem only \
                    statfs on the source tells (a dir pool, no pool), unless `--shared-filesystem` names its \
                    directory or a netfs pool holds it; a disk shared by `--shared-filesystem` alone on a \
                    source libvirt older than 10.6, which decides by statfs (INFO); paused after an I/O error",
            }
            /// Same host; a domain name or UUID clash on the destination.
            17 => Host, host, HOST {
                src: [CAPABILITIES, HOSTNAME],
                dst: [CAPABILITIES, DOMAINS, HOSTNAME],
                compatibility: false,
                error: "same host (same host UUID, or where neither reports one the same URI and hostname); another domain with \
                    the guest's name, or with its UUID; the guest already running there; with the migration's flags: \
                    each combination libvirt refuses, a destination XML that changes the guest's ABI or cannot be read",
                warning: "an inactive definition of the guest exists there (INFO); a destination XML leaving out what \
                    libvirt fills in",
            }
        }
    };
}
pub(crate) use for_each_check;
