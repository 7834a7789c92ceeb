// SPDX-License-Identifier: LGPL-2.1-or-later
//! The migration a caller will run, as plain data: libvirt's `VIR_MIGRATE_*` flags and the
//! `VIR_MIGRATE_PARAM_*` parameters that change a prediction, exactly as they will be passed to
//! `virDomainMigrate3`. The C call (`virMigrationCheck3`), the Rust API (`check3`) and the
//! Python binding build a `Migration`; `flags::Options::migration` carries it to the checks.
//!
//! The rules for what libvirt refuses before it moves anything live here too, as data
//! (`Migration::refusals`), so the check that reports them only turns each into a finding.

use crate::error::Error;

/// libvirt's `virDomainMigrateFlags` (libvirt-domain.h), with the release that added each: a
/// destination whose libvirt predates a flag refuses it (its `virCheckFlags` in the migration's
/// Prepare phase).
pub const FLAGS: &[(u32, &str, u64)] = &[
    (LIVE, "VIR_MIGRATE_LIVE", 3_002),
    (PEER2PEER, "VIR_MIGRATE_PEER2PEER", 7_002),
    (TUNNELLED, "VIR_MIGRATE_TUNNELLED", 7_002),
    (PERSIST_DEST, "VIR_MIGRATE_PERSIST_DEST", 7_003),
    (UNDEFINE_SOURCE, "VIR_MIGRATE_UNDEFINE_SOURCE", 7_003),
    (PAUSED, "VIR_MIGRATE_PAUSED", 7_005),
    (NON_SHARED_DISK, "VIR_MIGRATE_NON_SHARED_DISK", 8_002),
    (NON_SHARED_INC, "VIR_MIGRATE_NON_SHARED_INC", 8_002),
    (CHANGE_PROTECTION, "VIR_MIGRATE_CHANGE_PROTECTION", 9_004),
    (UNSAFE, "VIR_MIGRATE_UNSAFE", 9_011),
    (OFFLINE, "VIR_MIGRATE_OFFLINE", 1_000_001),
    (COMPRESSED, "VIR_MIGRATE_COMPRESSED", 1_000_003),
    (ABORT_ON_ERROR, "VIR_MIGRATE_ABORT_ON_ERROR", 1_001_000),
    (AUTO_CONVERGE, "VIR_MIGRATE_AUTO_CONVERGE", 1_002_003),
    (RDMA_PIN_ALL, "VIR_MIGRATE_RDMA_PIN_ALL", 1_002_009),
    (POSTCOPY, "VIR_MIGRATE_POSTCOPY", 1_003_003),
    (TLS, "VIR_MIGRATE_TLS", 3_002_000),
    (PARALLEL, "VIR_MIGRATE_PARALLEL", 5_002_000),
    (NON_SHARED_SYNCHRONOUS_WRITES, "VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES", 8_000_000),
    (POSTCOPY_RESUME, "VIR_MIGRATE_POSTCOPY_RESUME", 8_005_000),
    (ZEROCOPY, "VIR_MIGRATE_ZEROCOPY", 8_005_000),
];

pub const LIVE: u32 = 1 << 0;
pub const PEER2PEER: u32 = 1 << 1;
pub const TUNNELLED: u32 = 1 << 2;
pub const PERSIST_DEST: u32 = 1 << 3;
pub const UNDEFINE_SOURCE: u32 = 1 << 4;
pub const PAUSED: u32 = 1 << 5;
pub const NON_SHARED_DISK: u32 = 1 << 6;
pub const NON_SHARED_INC: u32 = 1 << 7;
pub const CHANGE_PROTECTION: u32 = 1 << 8;
pub const UNSAFE: u32 = 1 << 9;
pub const OFFLINE: u32 = 1 << 10;
pub const COMPRESSED: u32 = 1 << 11;
pub const ABORT_ON_ERROR: u32 = 1 << 12;
pub const AUTO_CONVERGE: u32 = 1 << 13;
pub const RDMA_PIN_ALL: u32 = 1 << 14;
pub const POSTCOPY: u32 = 1 << 15;
pub const TLS: u32 = 1 << 16;
pub const PARALLEL: u32 = 1 << 17;
pub const NON_SHARED_SYNCHRONOUS_WRITES: u32 = 1 << 18;
pub const POSTCOPY_RESUME: u32 = 1 << 19;
pub const ZEROCOPY: u32 = 1 << 20;

/// Every flag libvirt defines (as of 11.3: none was added after 8.5.0).
pub const KNOWN_FLAGS: u32 = (1 << 21) - 1;

/// The type of a typed parameter (libvirt's `virTypedParameterType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Int = 1,
    Ullong = 4,
    String = 7,
}

impl ParamType {
    /// libvirt's name of the type, as `virTypedParamsValidate` words it.
    pub fn name(self) -> &'static str {
        match self {
            ParamType::Int => "int",
            ParamType::Ullong => "ullong",
            ParamType::String => "string",
        }
    }
}

/// The `VIR_MIGRATE_PARAM_*` parameters the QEMU driver accepts (`QEMU_MIGRATION_PARAMETERS`
/// in src/qemu/qemu_migration.h, 9.0 and 11.3) with their type, and whether the parameter may
/// be repeated (`VIR_TYPED_PARAM_MULTIPLE`).
pub const PARAMS: &[(&str, ParamType, bool)] = &[
    ("migrate_uri", ParamType::String, false),
    ("destination_name", ParamType::String, false),
    ("destination_xml", ParamType::String, false),
    ("persistent_xml", ParamType::String, false),
    ("bandwidth", ParamType::Ullong, false),
    ("bandwidth.postcopy", ParamType::Ullong, false),
    ("bandwidth.avail.switchover", ParamType::Ullong, false),
    ("graphics_uri", ParamType::String, false),
    ("listen_address", ParamType::String, false),
    ("migrate_disks", ParamType::String, true),
    ("migrate_disks_detect_zeroes", ParamType::String, true),
    ("disks_port", ParamType::Int, false),
    ("disks_uri", ParamType::String, false),
    ("compression", ParamType::String, true),
    ("compression.mt.level", ParamType::Int, false),
    ("compression.mt.threads", ParamType::Int, false),
    ("compression.mt.dthreads", ParamType::Int, false),
    ("compression.xbzrle.cache", ParamType::Ullong, false),
    ("compression.zlib.level", ParamType::Int, false),
    ("compression.zstd.level", ParamType::Int, false),
    ("auto_converge.initial", ParamType::Int, false),
    ("auto_converge.increment", ParamType::Int, false),
    ("parallel.connections", ParamType::Int, false),
    ("tls.destination", ParamType::String, false),
];

/// `VIR_MIGRATE_PARAM_DEST_NAME`.
pub const PARAM_DEST_NAME: &str = "destination_name";
/// `VIR_MIGRATE_PARAM_MIGRATE_DISKS`.
pub const PARAM_MIGRATE_DISKS: &str = "migrate_disks";
/// `VIR_MIGRATE_PARAM_DEST_XML`.
pub const PARAM_DEST_XML: &str = "destination_xml";
/// `VIR_MIGRATE_PARAM_PERSIST_XML`.
pub const PARAM_PERSIST_XML: &str = "persistent_xml";

/// The migration as the caller will run it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Migration {
    /// `VIR_MIGRATE_*` flags.
    pub flags: u32,
    /// `VIR_MIGRATE_PARAM_MIGRATE_DISKS`: the targets of the disks to copy (None: every disk,
    /// when storage is copied at all).
    pub migrate_disks: Option<Vec<String>>,
    /// `VIR_MIGRATE_PARAM_DEST_NAME`: the guest's name on the destination.
    pub dest_name: Option<String>,
    /// `VIR_MIGRATE_PARAM_DEST_XML`: the guest's definition as it will run on the destination.
    pub dest_xml: Option<String>,
    /// `VIR_MIGRATE_PARAM_PERSIST_XML`: the persistent definition the destination will keep
    /// (with `VIR_MIGRATE_PERSIST_DEST`).
    pub persist_xml: Option<String>,
}

/// One thing libvirt refuses before it moves anything: our reason (the code's suffix), libvirt's
/// words, and the libvirt function that says them.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub reason: &'static str,
    pub libvirt_error: String,
    pub function: &'static str,
    /// Whether every libvirt the library knows refuses it (an ERROR), or only some (a WARNING
    /// that says which: never a guessed ERROR).
    pub every_version: bool,
}

impl Migration {
    /// A migration with these flags and no parameters.
    pub fn with_flags(flags: u32) -> Migration {
        Migration { flags, ..Migration::default() }
    }

    /// Unknown bits are an error, as libvirt's `virCheckFlags` makes them.
    pub fn validate(&self) -> Result<(), Error> {
        match self.flags & !KNOWN_FLAGS {
            0 => Ok(()),
            unknown => Err(Error::invalid(format!("unsupported flags (0x{unknown:x})"))),
        }
    }

    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// Whether storage is copied (`NON_SHARED_DISK` or `NON_SHARED_INC`).
    pub fn copies_storage(&self) -> bool {
        self.has(NON_SHARED_DISK | NON_SHARED_INC)
    }

    /// Whether the disk of this target is copied: storage is copied and, with
    /// `VIR_MIGRATE_PARAM_MIGRATE_DISKS`, the disk is listed (qemuMigrationSrcBeginPhase and
    /// qemuMigrationAnyCopyDisk in 9.0 and 11.3: the unlisted disks must be shared).
    pub fn copies_disk(&self, target: &str) -> bool {
        self.copies_storage() && self.migrate_disks.as_ref().is_none_or(|list| list.iter().any(|d| d == target))
    }

    /// The flags set among `bits`, by name.
    pub fn names(bits: u32) -> Vec<&'static str> {
        FLAGS.iter().filter(|(bit, _, _)| bits & bit != 0).map(|(_, name, _)| *name).collect()
    }

    /// The flags set whose libvirt release is newer than `libvirt_version`.
    pub fn unknown_to(&self, libvirt_version: u64) -> Vec<(&'static str, u64)> {
        FLAGS
            .iter()
            .filter(|(bit, _, since)| self.flags & bit != 0 && *since > libvirt_version)
            .map(|(_, name, since)| (*name, *since))
            .collect()
    }

    /// What libvirt refuses before moving anything, given the guest's disk targets and whether
    /// it is active, in the order libvirt's code meets them (9.0 and 11.3 alike, but for the one marked
    /// `every_version: false`). VIR_MIGRATE_PEER2PEER
    /// is not refused although virDomainMigrate3 itself refuses it ("use virDomainMigrateToURI3 for
    /// peer-to-peer migration"): a peer-to-peer caller runs virDomainMigrateToURI3 with the same flags
    /// and parameters, and asks with the destination's connection.
    pub fn refusals(&self, disk_targets: &[&str], active: bool) -> Vec<Refusal> {
        let mut out = Vec::new();
        let mut refuse = |reason, function, libvirt_error: String| {
            out.push(Refusal { reason, libvirt_error, function, every_version: true })
        };
        // virDomainMigrate3 (src/libvirt-domain.c): VIR_EXCLUSIVE_FLAGS_GOTO.
        if self.has(NON_SHARED_DISK) && self.has(NON_SHARED_INC) {
            refuse(
                "storage-flags-exclusive",
                "virDomainMigrate3",
                "Flags 'VIR_MIGRATE_NON_SHARED_DISK' and 'VIR_MIGRATE_NON_SHARED_INC' are mutually exclusive".into(),
            );
        }
        // virDomainMigrate3: without PEER2PEER the client drives the migration and cannot tunnel it.
        if self.has(TUNNELLED) && !self.has(PEER2PEER) {
            refuse(
                "tunnelled-without-p2p",
                "virDomainMigrate3",
                "cannot perform tunnelled migration without using peer2peer flag".into(),
            );
        }
        // qemuMigrationSrcBegin: a live migration needs a running guest.
        if !self.has(OFFLINE) && !active {
            refuse("not-running", "qemuMigrationSrcBegin", "domain is not running".into());
        }
        // qemuMigrationSrcBeginPhase: the offline rules.
        if self.has(OFFLINE) {
            if self.copies_storage() {
                refuse(
                    "offline-storage-copy",
                    "qemuMigrationSrcBeginPhase",
                    "offline migration cannot handle non-shared storage".into(),
                );
            }
            if !self.has(PERSIST_DEST) {
                refuse(
                    "offline-without-persist",
                    "qemuMigrationSrcBeginPhase",
                    "offline migration must be specified with the persistent flag set".into(),
                );
            }
            if self.has(TUNNELLED) {
                refuse(
                    "offline-tunnelled",
                    "qemuMigrationSrcBeginPhase",
                    "tunnelled offline migration does not make sense".into(),
                );
            }
        }
        // qemuMigrationSrcBeginPhase: post-copy switches a running guest over (an offline
        // migration is not live), and not through a tunnel.
        if self.has(POSTCOPY) && (!self.has(LIVE) || self.has(PAUSED)) {
            refuse(
                "postcopy-not-live",
                "qemuMigrationSrcBeginPhase",
                "post-copy migration is not supported with non-live or paused migration".into(),
            );
        }
        if self.has(POSTCOPY) && self.has(TUNNELLED) {
            refuse(
                "postcopy-tunnelled",
                "qemuMigrationSrcBeginPhase",
                "post-copy is not supported with tunnelled migration".into(),
            );
        }
        // qemuMigrationAnyCanResume (from qemuMigrationSrcBegin).
        if self.has(POSTCOPY_RESUME) && !self.has(POSTCOPY) {
            refuse(
                "postcopy-resume-without-postcopy",
                "qemuMigrationAnyCanResume",
                "resuming failed post-copy migration requires post-copy to be enabled".into(),
            );
        }
        // qemuMigrationSrcBeginPhase: zero-copy needs multifd.
        if self.has(ZEROCOPY) && !self.has(PARALLEL) {
            refuse(
                "zerocopy-without-parallel",
                "qemuMigrationSrcBeginPhase",
                "zero-copy is only available for parallel migration".into(),
            );
        }
        // qemuMigrationSrcBeginPhase: the disk list, checked against the guest's disks when
        // storage is copied, refused without a storage copy.
        if let Some(list) = self.migrate_disks.as_ref().filter(|list| !list.is_empty()) {
            if self.copies_storage() {
                for target in list.iter().filter(|t| !disk_targets.contains(&t.as_str())) {
                    refuse(
                        "migrate-disks-unknown",
                        "qemuMigrationSrcBeginPhase",
                        format!("disk target {target} not found"),
                    );
                }
            } else {
                // libvirt 9.0 accepts the list without a storage copy and ignores it (a real
                // virDomainMigrate3 on the QEMU bed migrated: tests/e2e/test_migrate3_refusals.py);
                // later releases refuse it in qemuMigrationSrcBeginPhase. Which release began to
                // is not known here, so this is a WARNING naming both.
                out.push(Refusal {
                    reason: "migrate-disks-without-storage-copy",
                    function: "qemuMigrationSrcBeginPhase",
                    libvirt_error: "use of 'VIR_MIGRATE_PARAM_MIGRATE_DISKS' requires use of \
                                    'VIR_MIGRATE_NON_SHARED_DISK' or 'VIR_MIGRATE_NON_SHARED_INC' flag"
                        .into(),
                    every_version: false,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_table_matches_the_bits() {
        for (i, (bit, _, _)) in FLAGS.iter().enumerate() {
            assert_eq!(*bit, 1 << i);
        }
        assert_eq!(FLAGS.iter().fold(0, |acc, (bit, _, _)| acc | bit), KNOWN_FLAGS);
        assert!(Migration::with_flags(1 << 21).validate().is_err());
        assert!(Migration::with_flags(KNOWN_FLAGS).validate().is_ok());
    }

    #[test]
    fn migrate_disks_selects_the_copied_disks() {
        let mut m = Migration::with_flags(NON_SHARED_DISK);
        assert!(m.copies_disk("vda"));
        m.migrate_disks = Some(vec!["vdb".into()]);
        assert!(!m.copies_disk("vda") && m.copies_disk("vdb"));
        assert!(!Migration::with_flags(LIVE).copies_disk("vda"));
    }

    #[test]
    fn a_plain_live_migration_is_refused_nothing() {
        let m = Migration::with_flags(LIVE | PEER2PEER | PERSIST_DEST);
        assert!(m.refusals(&["vda"], true).is_empty());
        let reasons: Vec<_> = m.refusals(&["vda"], false).into_iter().map(|r| r.reason).collect();
        assert_eq!(reasons, ["not-running"]);
    }
}
