//! The selection bits and modifiers of `virMigrationCheckFlags`, and the name of each check.
//!
//! The numbering is the C API's contract (DESIGN.md): bit N of the flags selects check N; bits
//! 18..23 are reserved; 24..27 are modifiers.

use bitflags::bitflags;

use crate::error::Error;

/// One check. The discriminant is its bit number in the flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Check {
    Hypervisor = 0,
    Arch = 1,
    CpuVendor = 2,
    CpuFlags = 3,
    CpuCount = 4,
    Memory = 5,
    Numa = 6,
    Network = 7,
    NetworkModel = 8,
    Disk = 9,
    DiskModel = 10,
    Time = 11,
    Hostdev = 12,
    Msr = 13,
    Cpuid = 14,
    Machine = 15,
    Devices = 16,
    Host = 17,
}

impl Check {
    /// Every check, in bit order.
    pub const ALL: [Check; 18] = [
        Check::Hypervisor,
        Check::Arch,
        Check::CpuVendor,
        Check::CpuFlags,
        Check::CpuCount,
        Check::Memory,
        Check::Numa,
        Check::Network,
        Check::NetworkModel,
        Check::Disk,
        Check::DiskModel,
        Check::Time,
        Check::Hostdev,
        Check::Msr,
        Check::Cpuid,
        Check::Machine,
        Check::Devices,
        Check::Host,
    ];

    /// The check's selection bit.
    pub fn bit(self) -> Flags {
        Flags::from_bits_retain(1 << self as u32)
    }

    /// The check's name: the flag name in lower case without its prefix ("cpu_flags"). Reason
    /// codes start with it.
    pub fn name(self) -> &'static str {
        match self {
            Check::Hypervisor => "hypervisor",
            Check::Arch => "arch",
            Check::CpuVendor => "cpu_vendor",
            Check::CpuFlags => "cpu_flags",
            Check::CpuCount => "cpu_count",
            Check::Memory => "memory",
            Check::Numa => "numa",
            Check::Network => "network",
            Check::NetworkModel => "network_model",
            Check::Disk => "disk",
            Check::DiskModel => "disk_model",
            Check::Time => "time",
            Check::Hostdev => "hostdev",
            Check::Msr => "msr",
            Check::Cpuid => "cpuid",
            Check::Machine => "machine",
            Check::Devices => "devices",
            Check::Host => "host",
        }
    }

    pub fn from_name(name: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The check whose selection bit is exactly `bits`.
    pub fn from_bit(bits: u32) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.bit().bits() == bits)
    }
}

bitflags! {
    /// `virMigrationCheckFlags`: selection bits and modifiers.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Flags: u32 {
        const HYPERVISOR = 1 << 0;
        const ARCH = 1 << 1;
        const CPU_VENDOR = 1 << 2;
        const CPU_FLAGS = 1 << 3;
        const CPU_COUNT = 1 << 4;
        const MEMORY = 1 << 5;
        const NUMA = 1 << 6;
        const NETWORK = 1 << 7;
        const NETWORK_MODEL = 1 << 8;
        const DISK = 1 << 9;
        const DISK_MODEL = 1 << 10;
        const TIME = 1 << 11;
        const HOSTDEV = 1 << 12;
        const MSR = 1 << 13;
        const CPUID = 1 << 14;
        const MACHINE = 1 << 15;
        const DEVICES = 1 << 16;
        const HOST = 1 << 17;
        /// Plan an offline (cold) migration: runtime-only concerns (free memory) are dropped.
        const OFFLINE = 1 << 24;
        /// Storage will be copied, as with VIR_MIGRATE_NON_SHARED_DISK (`--copy-storage-all`).
        const NON_SHARED_DISK = 1 << 25;
        /// The migration will pass VIR_MIGRATE_UNSAFE.
        const UNSAFE = 1 << 26;
        /// Report every WARNING as an ERROR.
        const STRICT = 1 << 27;
        /// Reuse host facts gathered by earlier calls (see libvirt::cache for invalidation).
        const CACHE = 1 << 28;
    }
}

impl Flags {
    /// Every selection bit that names a check (0..17).
    pub const CHECKS: Flags = Flags::from_bits_retain((1 << 18) - 1);
    /// Every modifier bit.
    pub const MODIFIERS: Flags =
        Flags::OFFLINE.union(Flags::NON_SHARED_DISK).union(Flags::UNSAFE).union(Flags::STRICT).union(Flags::CACHE);

    /// The checks these flags select, in bit order.
    pub fn checks(self) -> impl Iterator<Item = Check> {
        Check::ALL.into_iter().filter(move |c| self.contains(c.bit()))
    }
}

/// How long host facts cached by a CACHE call are used by default.
pub const DEFAULT_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// What one call should do: the checks to run and how to read the migration.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The checks to run (never empty once validated).
    pub checks: Flags,
    pub offline: bool,
    pub non_shared_disk: bool,
    pub unsafe_migration: bool,
    pub strict: bool,
    /// libvirt's CPU map to judge CPUs with (None: the system's, /usr/share/libvirt/cpu_map).
    pub cpu_map: Option<std::path::PathBuf>,
    /// Reuse host facts across calls (VIR_MIGRATION_CHECK_CACHE), for this long.
    pub cache: Option<std::time::Duration>,
    /// The memory headroom (KiB) that must remain free on the destination (None: the default,
    /// the larger of 512 MiB and 5% of its memory).
    pub memory_headroom_kib: Option<u64>,
    /// How long a live check waits for its hosts (None: for ever, as libvirt's own calls do).
    pub timeout: Option<std::time::Duration>,
}

impl Options {
    /// Validates raw C flags against the checks this build implements, like libvirt's
    /// `virCheckFlags`: unknown or reserved bits are an error, and so is selecting a check that
    /// is not implemented (a silent OK would lie). Selection bits of 0 mean every implemented
    /// check.
    pub fn from_flags(raw: u32, supported: Flags) -> Result<Options, Error> {
        let flags = Flags::from_bits(raw).ok_or_else(|| {
            let unknown = raw & !Flags::all().bits();
            Error::invalid(format!("unsupported flags (0x{unknown:x})"))
        })?;
        let mut checks = flags & Flags::CHECKS;
        if checks.is_empty() {
            checks = supported;
        }
        let missing = checks - supported;
        if !missing.is_empty() {
            let names: Vec<&str> = missing.checks().map(Check::name).collect();
            return Err(Error::Unsupported(format!(
                "check(s) {} not implemented by this build (see virMigrationCheckGetSupported)",
                names.join(", ")
            )));
        }
        Ok(Options {
            checks,
            offline: flags.contains(Flags::OFFLINE),
            non_shared_disk: flags.contains(Flags::NON_SHARED_DISK),
            unsafe_migration: flags.contains(Flags::UNSAFE),
            strict: flags.contains(Flags::STRICT),
            cpu_map: None,
            cache: flags.contains(Flags::CACHE).then_some(DEFAULT_CACHE_TTL),
            memory_headroom_kib: None,
            timeout: Some(crate::deadline::DEFAULT_TIMEOUT),
        })
    }

    /// These options as C flags.
    pub fn to_flags(&self) -> Flags {
        let mut flags = self.checks;
        flags.set(Flags::OFFLINE, self.offline);
        flags.set(Flags::NON_SHARED_DISK, self.non_shared_disk);
        flags.set(Flags::UNSAFE, self.unsafe_migration);
        flags.set(Flags::STRICT, self.strict);
        flags.set(Flags::CACHE, self.cache.is_some());
        flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_bits_names_and_flags_agree() {
        for (i, check) in Check::ALL.into_iter().enumerate() {
            assert_eq!(check as usize, i);
            assert_eq!(Check::from_name(check.name()), Some(check));
            assert_eq!(Check::from_bit(1 << i), Some(check));
            let by_name = Flags::from_name(&check.name().to_uppercase()).unwrap();
            assert_eq!(by_name, check.bit());
        }
        assert_eq!(Flags::CHECKS.checks().count(), 18);
    }

    #[test]
    fn flags_validation() {
        let supported = Flags::HYPERVISOR | Flags::ARCH;
        assert_eq!(Options::from_flags(0, supported).unwrap().checks, supported);
        let o = Options::from_flags((Flags::ARCH | Flags::STRICT).bits(), supported).unwrap();
        assert_eq!(o.checks, Flags::ARCH);
        assert!(o.strict && !o.offline);
        assert_eq!(o.to_flags(), Flags::ARCH | Flags::STRICT);
        // Reserved bit 18 and an unknown high bit.
        assert!(matches!(Options::from_flags(1 << 18, supported), Err(Error::InvalidArgument(_))));
        assert!(matches!(Options::from_flags(1 << 31, supported), Err(Error::InvalidArgument(_))));
        let err = Options::from_flags(Flags::NUMA.bits(), supported).unwrap_err();
        assert!(matches!(&err, Error::Unsupported(m) if m.contains("numa")), "{err}");
    }
}
