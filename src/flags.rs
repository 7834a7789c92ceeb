// SPDX-License-Identifier: LGPL-2.1-or-later
//! The selection bits and modifiers of `virMigrationCheckFlags`, and the name of each check.
//!
//! The numbering is the C API's contract: bit N of the flags selects the check of bit N in the
//! table of checks (`check_table`), whose rows define `Check` and the selection bits below; the
//! selection bits no check has yet (up to `SELECTION_BITS - 1`, bit 23) are reserved; bits 24..28
//! are the modifiers, defined here; bit 31 (`NEVER_ASSIGNED_BIT`) is never assigned.

use bitflags::bitflags;

use crate::check_table::{NEVER_ASSIGNED_BIT, SELECTION_BITS, for_each_check};
use crate::error::Error;

/// Defines `Check` and `Flags` from the rows of the table of checks and the modifiers.
macro_rules! define_checks_and_flags {
    (
        modifiers {
            $( $(#[doc = $mdoc:literal])+ $MODIFIER:ident = $mbit:literal; )+
        }
        $(
            #[doc = $doc:literal]
            $bit:literal => $Variant:ident, $module:ident, $FLAG:ident {
                src: [$($src:ident),*],
                dst: [$($dst:ident),*],
                compatibility: $compatibility:literal,
                error: $error:literal,
                warning: $warning:literal $(,)?
            }
        )+
    ) => {
        /// One check. The discriminant is its bit number in the flags.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Check {
            $( #[doc = $doc] $Variant = $bit, )+
        }

        impl Check {
            /// How many checks the table has.
            pub const COUNT: usize = [$($bit),+].len();

            /// Every check, in bit order.
            pub const ALL: [Check; Check::COUNT] = [$(Check::$Variant),+];

            /// The check's name: the flag name in lower case without its prefix ("cpu_flags"), and
            /// its module in `checks`. Reason codes start with it.
            pub fn name(self) -> &'static str {
                match self {
                    $( Check::$Variant => stringify!($module), )+
                }
            }

            /// The code of the check's OK result ("cpu_flags.ok").
            pub fn ok_code(self) -> &'static str {
                match self {
                    $( Check::$Variant => concat!(stringify!($module), ".ok"), )+
                }
            }

            /// The check's C enumerator ("VIR_MIGRATION_CHECK_CPU_FLAGS").
            pub fn c_name(self) -> &'static str {
                match self {
                    $( Check::$Variant => concat!("VIR_MIGRATION_CHECK_", stringify!($FLAG)), )+
                }
            }

            /// What the check judges, in one line (its doc in Rust, C and Python).
            pub fn doc(self) -> &'static str {
                let doc = match self {
                    $( Check::$Variant => $doc, )+
                };
                doc.strip_prefix(' ').unwrap_or(doc)
            }

            /// Whether the check decides if the guest's definition can run on a host at all
            /// (see `check_table`): the checks a baseline's one-way pairs are judged by.
            pub fn judges_compatibility(self) -> bool {
                match self {
                    $( Check::$Variant => $compatibility, )+
                }
            }

            /// What the check reports, as the table of checks in docs/checks.md shows it: its ERROR cases
            /// and its WARNING / INFO cases (Markdown). Its codes are `crate::codes::of`.
            pub fn readme_row(self) -> [&'static str; 2] {
                match self {
                    $( Check::$Variant => [$error, $warning], )+
                }
            }
        }

        // The table's rules: bit N is the row N (so `ALL` is in bit order and `Check as usize`
        // indexes it), every check bit is a selection bit, and the modifiers lie above them and
        // never take the bit kept invalid for ever.
        const _: () = {
            let mut i = 0;
            while i < Check::COUNT {
                assert!(Check::ALL[i] as usize == i, "the table of checks must give bits 0, 1, 2... in order");
                i += 1;
            }
            assert!(Check::COUNT as u32 <= SELECTION_BITS, "more checks than selection bits");
            $( assert!($mbit >= SELECTION_BITS && $mbit != NEVER_ASSIGNED_BIT && $mbit < 32); )+
        };

        bitflags! {
            /// `virMigrationCheckFlags`: selection bits and modifiers.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub struct Flags: u32 {
                $( #[doc = $doc] const $FLAG = 1 << $bit; )+
                $( $(#[doc = $mdoc])+ const $MODIFIER = 1 << $mbit; )+
            }
        }

        impl Flags {
            /// Every selection bit that names a check.
            pub const CHECKS: Flags = Flags::from_bits_retain(0 $(| 1 << $bit)+);
            /// Every modifier bit.
            pub const MODIFIERS: Flags = Flags::from_bits_retain(0 $(| 1 << $mbit)+);

            /// The documentation of one named flag (a check or a modifier): its doc comment's
            /// lines, as in the C header.
            pub fn doc(self) -> Option<Vec<&'static str>> {
                let lines: &[&'static str] = $( if self.bits() == 1 << $bit { &[$doc] } else )+
                    $( if self.bits() == 1 << $mbit { &[$($mdoc),+] } else )+
                    { return None };
                Some(lines.iter().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect())
            }
        }
    };
}

for_each_check!(
    define_checks_and_flags,
    modifiers {
        /// Plan an offline (cold) migration: runtime-only concerns such as free memory are dropped.
        OFFLINE = 24;
        /// Storage will be copied (as VIR_MIGRATE_NON_SHARED_DISK, virsh migrate --copy-storage-all).
        NON_SHARED_DISK = 25;
        /// The migration will pass VIR_MIGRATE_UNSAFE.
        UNSAFE = 26;
        /// Report every WARNING as an ERROR, and count a check that could not run (SKIPPED) as one.
        STRICT = 27;
        /// Reuse host facts gathered by earlier calls for up to VIR_MIGRATION_CHECK_PARAM_CACHE_TTL
        /// seconds (default 60): a warm check makes no call to the destination. Entries are dropped
        /// when they expire, when their connection dies, or by virMigrationCheckCacheInvalidate().
        CACHE = 28;
    }
);

impl Check {
    /// The check's selection bit.
    pub fn bit(self) -> Flags {
        Flags::from_bits_retain(1 << self as u32)
    }

    pub fn from_name(name: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The check whose selection bit is exactly `bits`.
    pub fn from_bit(bits: u32) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.bit().bits() == bits)
    }
}

impl Flags {
    /// The selection bits no check has yet: reserved for future checks, an error today.
    pub const RESERVED: Flags = Flags::from_bits_retain(((1 << SELECTION_BITS) - 1) & !Flags::CHECKS.bits());

    /// The checks these flags select, in bit order.
    pub fn checks(self) -> impl Iterator<Item = Check> {
        Check::ALL.into_iter().filter(move |c| self.contains(c.bit()))
    }

    /// The C enumerator of one named flag ("VIR_MIGRATION_CHECK_STRICT").
    pub fn c_name(self) -> Option<String> {
        Flags::all().iter_names().find(|(_, f)| *f == self).map(|(name, _)| format!("VIR_MIGRATION_CHECK_{name}"))
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
    /// libvirt's CPU map directory to judge every host's CPUs with (None: each destination's own
    /// libvirt release's map, of those the library carries: `cpu::carried`).
    pub cpu_map: Option<std::path::PathBuf>,
    /// Reuse host facts across calls (VIR_MIGRATION_CHECK_CACHE), for this long.
    pub cache: Option<std::time::Duration>,
    /// The memory headroom (KiB) that must remain free on the destination (None: the default,
    /// the larger of 512 MiB and 5% of its memory).
    pub memory_headroom_kib: Option<u64>,
    /// How long a live check waits for its hosts (None: for ever, as libvirt's own calls do).
    pub timeout: Option<std::time::Duration>,
    /// Directories the caller says are on storage both hosts share, with the meaning of
    /// qemu.conf's `shared_filesystems` (libvirt 10.6 and later): a file under one of them is
    /// shared, whatever its filesystem looks like (`shared_directory`).
    pub shared_filesystems: Vec<String>,
    /// The migration as the caller will run it (`VIR_MIGRATE_*` flags and parameters), when the
    /// caller gave it (virMigrationCheck3, `check3`): then `offline`, `non_shared_disk` and
    /// `unsafe_migration` come from its flags, and the checks judge its flags and parameters too.
    pub migration: Option<crate::migration::Migration>,
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
            shared_filesystems: Vec::new(),
            migration: None,
        })
    }

    /// The caller's shared directory that holds `path`, if any. libvirt's
    /// virFileIsSharedFSOverride (10.6 and later; what qemuMigrationSrcIsSafe asks before
    /// statfs): the path itself or any of its parent directories is listed, compared whole
    /// component by component ("/nfs" holds "/nfs/a.img", not "/nfs2/a.img"). libvirt
    /// canonicalizes the listed directories when it reads qemu.conf; this library cannot see the
    /// host's symlinks, so both sides are normalized lexically (repeated and trailing slashes,
    /// "." and ".."), and a directory reached through a symlink must be named as the disks
    /// spell it.
    /// Refuses what no check could honour: a shared directory that is not absolute (it would
    /// match no disk, silently).
    pub fn validate(&self) -> Result<(), Error> {
        match self.shared_filesystems.iter().find(|dir| normalize_path(dir).is_none()) {
            Some(dir) => Err(Error::invalid(format!("shared filesystem '{dir}' is not an absolute directory"))),
            None => Ok(()),
        }
    }

    pub fn shared_directory(&self, path: &str) -> Option<&str> {
        let path = normalize_path(path)?;
        self.shared_filesystems.iter().map(String::as_str).find(|dir| {
            normalize_path(dir).is_some_and(|dir| {
                dir == "/" || path == dir || path.strip_prefix(dir.as_str()).is_some_and(|rest| rest.starts_with('/'))
            })
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

/// `path` without repeated or trailing slashes, "." and ".." (resolved lexically); None for a
/// relative path (libvirt's override matches absolute paths only).
fn normalize_path(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_directories_match_whole_components() {
        let mut o = Options::from_flags(0, Flags::CHECKS).unwrap();
        o.shared_filesystems = vec!["/nfs/".into(), "/srv//images".into()];
        assert_eq!(o.shared_directory("/nfs/a.img"), Some("/nfs/"));
        assert_eq!(o.shared_directory("/nfs"), Some("/nfs/"));
        assert_eq!(o.shared_directory("/nfs/deep/er/a.img"), Some("/nfs/"));
        assert_eq!(o.shared_directory("/srv/images/./b.qcow2"), Some("/srv//images"));
        assert_eq!(o.shared_directory("/nfs2/a.img"), None);
        assert_eq!(o.shared_directory("/nfs/../etc/a.img"), None);
        assert_eq!(o.shared_directory("nfs/a.img"), None);
        o.shared_filesystems = vec!["/".into()];
        assert_eq!(o.shared_directory("/anything"), Some("/"));
    }

    #[test]
    fn check_bits_names_and_flags_agree() {
        for (i, check) in Check::ALL.into_iter().enumerate() {
            assert_eq!(check as usize, i);
            assert_eq!(Check::from_name(check.name()), Some(check));
            assert_eq!(Check::from_bit(1 << i), Some(check));
            let by_name = Flags::from_name(&check.name().to_uppercase()).unwrap();
            assert_eq!(by_name, check.bit());
        }
        assert_eq!(Flags::CHECKS.checks().count(), Check::COUNT);
        assert_eq!(Flags::CHECKS.bits(), (1 << Check::COUNT) - 1);
        for check in Check::ALL {
            assert_eq!(check.ok_code(), format!("{}.ok", check.name()));
            assert_eq!(check.c_name(), format!("VIR_MIGRATION_CHECK_{}", check.name().to_uppercase()));
            assert_eq!(check.bit().c_name().as_deref(), Some(check.c_name()));
            assert_eq!(check.bit().doc(), Some(vec![check.doc()]));
            let camel: String = check.name().split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect();
            assert_eq!(format!("{check:?}"), camel, "the variant is the name in CamelCase");
        }
        for modifier in Flags::MODIFIERS.iter() {
            assert!(modifier.doc().is_some_and(|d| !d.is_empty()) && modifier.c_name().is_some());
        }
        assert_eq!(Flags::STRICT.c_name().as_deref(), Some("VIR_MIGRATION_CHECK_STRICT"));
        assert_eq!((Flags::ARCH | Flags::HOST).doc(), None);
    }

    #[test]
    fn flags_validation() {
        let supported = Flags::HYPERVISOR | Flags::ARCH;
        assert_eq!(Options::from_flags(0, supported).unwrap().checks, supported);
        let o = Options::from_flags((Flags::ARCH | Flags::STRICT).bits(), supported).unwrap();
        assert_eq!(o.checks, Flags::ARCH);
        assert!(o.strict && !o.offline);
        assert_eq!(o.to_flags(), Flags::ARCH | Flags::STRICT);
        // Every reserved bit, and the bit never assigned.
        for reserved in (0..32).map(|bit| 1 << bit).filter(|b| Flags::RESERVED.bits() & b != 0) {
            assert!(matches!(Options::from_flags(reserved, supported), Err(Error::InvalidArgument(_))));
        }
        let never = 1 << NEVER_ASSIGNED_BIT;
        assert!(matches!(Options::from_flags(never, supported), Err(Error::InvalidArgument(_))));
        let err = Options::from_flags(Flags::NUMA.bits(), supported).unwrap_err();
        assert!(matches!(&err, Error::Unsupported(m) if m.contains("numa")), "{err}");
    }
}
