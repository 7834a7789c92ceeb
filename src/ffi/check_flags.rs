//! `virMigrationCheckFlags`, the C enum of selection bits and modifiers.

#![allow(non_camel_case_types)]

/// Selection bits (which checks to run; all zero selects every check this build implements)
/// and modifiers (how to read the migration). Unknown and reserved bits are an error.
#[repr(C)]
pub enum virMigrationCheckFlags {
    /// Hypervisor type; a newer -> older hypervisor or libvirt version.
    VIR_MIGRATION_CHECK_HYPERVISOR = 1 << 0,
    /// CPU architecture, os type and virt type offered by the destination.
    VIR_MIGRATION_CHECK_ARCH = 1 << 1,
    /// CPU vendor.
    VIR_MIGRATION_CHECK_CPU_VENDOR = 1 << 2,
    /// The destination provides every guest-visible CPU feature.
    VIR_MIGRATION_CHECK_CPU_FLAGS = 1 << 3,
    /// vCPUs against the destination's physical CPUs.
    VIR_MIGRATION_CHECK_CPU_COUNT = 1 << 4,
    /// Guest memory fits the destination's free memory, with headroom.
    VIR_MIGRATION_CHECK_MEMORY = 1 << 5,
    /// NUMA fit, single-node fit, cpuset and nodeset.
    VIR_MIGRATION_CHECK_NUMA = 1 << 6,
    /// Networks, bridges and macvtap devices exist (and are active) on the destination.
    VIR_MIGRATION_CHECK_NETWORK = 1 << 7,
    /// NIC device models supported by the destination.
    VIR_MIGRATION_CHECK_NETWORK_MODEL = 1 << 8,
    /// Disks reachable at the same path and as the same storage.
    VIR_MIGRATION_CHECK_DISK = 1 << 9,
    /// Disk bus and device models supported by the destination.
    VIR_MIGRATION_CHECK_DISK_MODEL = 1 << 10,
    /// TSC frequency, invtsc, timers.
    VIR_MIGRATION_CHECK_TIME = 1 << 11,
    /// PCI/USB/mdev passthrough and SR-IOV.
    VIR_MIGRATION_CHECK_HOSTDEV = 1 << 12,
    /// MSR-based CPU features.
    VIR_MIGRATION_CHECK_MSR = 1 << 13,
    /// Model-specific CPUID information.
    VIR_MIGRATION_CHECK_CPUID = 1 << 14,
    /// Machine type, emulator and virt type on the destination.
    VIR_MIGRATION_CHECK_MACHINE = 1 << 15,
    /// Other device models and libvirt's own migration blockers.
    VIR_MIGRATION_CHECK_DEVICES = 1 << 16,
    /// Same host; a domain name or UUID clash on the destination.
    VIR_MIGRATION_CHECK_HOST = 1 << 17,
    /// Plan an offline (cold) migration: runtime-only concerns such as free memory are dropped.
    VIR_MIGRATION_CHECK_OFFLINE = 1 << 24,
    /// Storage will be copied (as VIR_MIGRATE_NON_SHARED_DISK).
    VIR_MIGRATION_CHECK_NON_SHARED_DISK = 1 << 25,
    /// The migration will pass VIR_MIGRATE_UNSAFE.
    VIR_MIGRATION_CHECK_UNSAFE = 1 << 26,
    /// Report every WARNING as an ERROR.
    VIR_MIGRATION_CHECK_STRICT = 1 << 27,
    /// Reuse host facts gathered by earlier calls for up to VIR_MIGRATION_CHECK_PARAM_CACHE_TTL
    /// seconds (default 60): a warm check makes no call to the destination. Entries are dropped
    /// when they expire, when their connection dies, or by virMigrationCheckCacheInvalidate().
    VIR_MIGRATION_CHECK_CACHE = 1 << 28,
}
