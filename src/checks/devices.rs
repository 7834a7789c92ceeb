// SPDX-License-Identifier: LGPL-2.1-or-later
//! DEVICES: other device models against the destination's domain capabilities, and libvirt's
//! own migration blockers (qemu_migration.c: qemuMigrationSrcIsAllowed, qemuMigrationSrcIsSafe),
//! each finding naming the flag or configuration change that clears it.

use super::{Context, unavailable};
use crate::facts::{DiskSource, Pool};
use crate::flags::Check;
use crate::report::{Finding, Severity};

const CHECK: Check = Check::Devices;

/// QEMU from which libvirt trusts QEMU to drop caches at migration, so that a disk cache mode
/// other than none/directsync is safe (QEMU_CAPS_MIGRATION_FILE_DROP_CACHE).
const QEMU_DROPS_CACHES: u64 = 3_001_000;

/// libvirt from which qemu.conf's shared_filesystems is honoured (virFileIsSharedFSOverride,
/// asked by qemuMigrationSrcIsSafe before statfs).
const SHARED_FILESYSTEMS_SINCE: u64 = 10_006_000;

/// 9000000 as "9.0.0".
pub fn check(cx: &Context) -> Vec<Finding> {
    let mut findings = models(cx);
    findings.extend(blockers(cx));
    findings.extend(storage_safety(cx));
    findings
}

/// Device models the destination's emulator must offer.
fn models(cx: &Context) -> Vec<Finding> {
    let d = &cx.dest_def().devices;
    // (device, enum, value, what) for every value the guest uses.
    let mut uses: Vec<(&str, &str, String, String)> = Vec::new();
    for v in &d.videos {
        uses.push(("video", "modelType", v.clone(), format!("video model '{v}'")));
    }
    for g in &d.graphics {
        uses.push(("graphics", "type", g.clone(), format!("graphics type '{g}'")));
    }
    for (model, backend) in &d.rngs {
        uses.push(("rng", "model", model.clone(), format!("RNG model '{model}'")));
        if let Some(b) = backend {
            uses.push(("rng", "backendModel", b.clone(), format!("RNG backend '{b}'")));
        }
    }
    for t in &d.tpms {
        if let Some(m) = &t.model {
            uses.push(("tpm", "model", m.clone(), format!("TPM model '{m}'")));
        }
        uses.push(("tpm", "backendModel", t.backend.clone(), format!("TPM backend '{}'", t.backend)));
        if let Some(v) = &t.version {
            uses.push(("tpm", "backendVersion", v.clone(), format!("TPM version {v}")));
        }
    }
    for f in &d.filesystems {
        let driver = f.driver.clone().unwrap_or_else(|| "path".to_string());
        uses.push(("filesystem", "driverType", driver.clone(), format!("filesystem driver '{driver}' ({})", f.target)));
    }
    for bus in &d.redirdevs {
        uses.push(("redirdev", "bus", bus.clone(), format!("redirected device on bus '{bus}'")));
    }
    for p in &d.panics {
        uses.push(("panic", "model", p.clone(), format!("panic device model '{p}'")));
    }
    uses.retain(|(_, _, value, _)| value != "default" && value != "none");
    if uses.is_empty() {
        return Vec::new();
    }
    let caps = match &cx.dst_domcaps {
        Ok(caps) => caps,
        Err(e) => return vec![unavailable(CHECK, "destination", "domain capabilities (device models)", e)],
    };
    let mut findings = Vec::new();
    for (device, name, value, what) in uses {
        let unsupported_device = caps.devices_unsupported.iter().any(|u| u == device);
        let offered = caps.device_enums.get(&format!("{device}.{name}"));
        let missing = unsupported_device || offered.is_some_and(|list| !list.contains(&value));
        if missing {
            let list = offered.map(|l| l.join(", ")).unwrap_or_else(|| "none".to_string());
            findings.push(
                Finding::error(
                    CHECK,
                    "model-unsupported",
                    format!("the destination's emulator does not support the guest's {what} (it offers {list})"),
                )
                .hint("install the QEMU module for it on the destination, or change the device model")
                .detail("device", device)
                .detail(name, value.as_str()),
            );
        }
    }
    findings
}

/// libvirt's refusals that depend on the guest alone.
fn blockers(cx: &Context) -> Vec<Finding> {
    let def = &cx.guest.def;
    let mut findings = Vec::new();
    if let Some(live) = &cx.guest.live {
        if let Some(n) = live.snapshots.filter(|n| *n > 0) {
            findings.push(
                Finding::error(CHECK, "snapshots", format!("the guest has {n} snapshot(s): libvirt refuses to \
                    migrate a domain with snapshots"))
                    .hint("delete the snapshots (virsh snapshot-delete --metadata), or migrate with the snapshots' \
                        metadata recreated on the destination")
                    .detail("snapshots", n),
            );
        }
        for disk in live.block_jobs.iter().flatten() {
            findings.push(
                Finding::error(
                    CHECK,
                    "block-job",
                    format!("disk {disk} has an active block job: libvirt refuses to migrate during one"),
                )
                .hint("wait for the job to finish, or abort it (virsh blockjob --abort)")
                .detail("disk", disk.as_str()),
            );
        }
        // A running guest's live XML carries every dimm's address; one without cannot migrate.
        for (i, _) in def.memory_devices.iter().enumerate().filter(|(_, m)| m.model == "dimm" && !m.has_address) {
            findings.push(
                Finding::error(
                    CHECK,
                    "dimm-no-address",
                    format!("memory device #{} (dimm) lacks its slot and base address", i + 1),
                )
                .hint("let libvirt assign dimm addresses (hotplug through libvirt)"),
            );
        }
    }
    if cx.guest.state == crate::facts::GuestState::Paused && cx.guest.state_reason == 5 {
        findings.push(
            Finding::warning(
                CHECK,
                "io-error",
                "the guest is paused after a disk I/O error: libvirt refuses --abort-on-error migrations of it",
            )
            .hint("fix the storage and resume the guest first"),
        );
    }
    for disk in def.disks.iter().filter(|d| d.transient) {
        findings.push(
            Finding::error(
                CHECK,
                "transient-disk",
                format!("disk {} is <transient/>: migration with transient disks is not supported", disk.target),
            )
            .hint("remove <transient/> from the disk")
            .detail("disk", &disk.target),
        );
    }
    for (name, role) in &def.devices.shmems {
        if role.as_deref() != Some("master") {
            findings.push(
                Finding::error(
                    CHECK,
                    "shmem-not-master",
                    format!("shmem device '{name}' cannot be migrated: only shmem with role='master' can"),
                )
                .hint("set role='master' on it, or remove it")
                .detail("shmem", name.as_str()),
            );
        }
    }
    for fs in def.devices.filesystems.iter().filter(|f| f.driver.as_deref() == Some("virtiofs")) {
        findings.push(
            Finding::error(
                CHECK,
                "virtiofs",
                format!("filesystem '{}' uses virtiofs: migration with virtiofs devices is not supported", fs.target),
            )
            .hint("detach the virtiofs filesystem before migrating")
            .detail("target", &fs.target),
        );
    }
    for iface in def.interfaces.iter().filter(|i| i.kind == "vdpa") {
        findings.push(
            Finding::error(CHECK, "vdpa", format!("vDPA {} cannot be migrated", iface.label()))
                .hint("detach the vDPA interface before migrating"),
        );
    }
    for tpm in def.devices.tpms.iter().filter(|t| t.backend == "passthrough") {
        findings.push(
            Finding::error(
                CHECK,
                "tpm-passthrough",
                format!(
                    "a passthrough TPM ({}) ties the guest to the host's TPM chip",
                    tpm.model.as_deref().unwrap_or("tpm-tis")
                ),
            )
            .hint("use an emulated TPM (backend type='emulator'), whose state migrates with the guest"),
        );
    }
    findings
}

/// The active pool holding a disk's storage on the source. An inactive pool proves nothing of
/// the path: a netfs pool not mounted leaves the file on the local filesystem below it.
fn source_pool<'a>(cx: &'a Context, source: &DiskSource) -> Option<&'a Pool> {
    let pools = cx.src.pools.as_ref().ok()?;
    match source {
        DiskSource::Path { path, .. } => pools.iter().find(|p| p.active && p.covers(path)),
        DiskSource::Volume { pool, .. } => pools.iter().find(|p| p.active && p.name == *pool),
        _ => None,
    }
}

/// What qemuMigrationSrcIsSafe (src/qemu/qemu_migration.c) learns of one writable disk that is
/// not copied. Read in libvirt's sources of 9.0 and of 9.1 to 10.5 (the same rule, reworded
/// messages); 10.6 added the shared_filesystems override before statfs, which 11.3 keeps. The
/// bed (libvirt 9.0) shows it: a local file is refused with cache='none' too, a loop device and
/// a FUSE glusterfs file migrate (tests/e2e/test_migrations.py).
/// It switches on the disk's actual storage type (virStorageSourceGetActualType: a type='volume'
/// disk takes its pool's, virStorageTranslateDiskSourcePool):
/// - FILE: virFileIsSharedFS(path) asks statfs; NFS, GFS2, OCFS2, AFS, SMB, CIFS, CephFS, GPFS,
///   Quobyte, ACFS, BeeGFS and FUSE glusterfs are shared, anything else is "Migration without
///   shared storage is unsafe"; virFileIsClusterFS (GFS2, OCFS2, CephFS) then skips the cache
///   rule. libvirt 10.6 and later first ask virFileIsSharedFSOverride (qemu.conf's
///   shared_filesystems): a listed directory is shared.
/// - NETWORK: safe, no cache rule. NVME: always unsafe.
/// - BLOCK, DIR and the rest: never unsafe; the cache rule applies.
#[derive(Debug, PartialEq)]
enum Storage {
    /// Network storage: nothing to check.
    Network,
    /// Never refused as unsafe; the cache rule applies.
    Block,
    /// A file on a filesystem libvirt sees as shared (`cluster`: one that skips the cache rule).
    Shared { cluster: bool },
    /// A file under a directory the caller says is shared (qemu.conf's shared_filesystems).
    SharedByCaller(String),
    /// Refused as unsafe; the reason, for the message.
    Local(String),
    /// A file whose filesystem only statfs on the source can tell; the reason, for the message.
    Unknown(String),
}

/// Filesystems of an fs pool (`<source><format type>`, libvirt's virStoragePoolFormatFileSystem)
/// that statfs reports as local: a file on one is refused as unsafe.
const LOCAL_FILESYSTEMS: &[&str] = &["ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "vfat", "hfs+", "xfs"];
/// Those virFileIsSharedFS and virFileIsClusterFS both name (GFS2's magic is gfs's too).
const CLUSTER_FILESYSTEMS: &[&str] = &["gfs", "gfs2", "ocfs2"];

/// What libvirt's rule makes of a file at `path` in `pool` (None: in no pool of the source).
/// `by_path`: the disk is known to be a file (`type='file'`, or a volume libvirt reports as a
/// file), which libvirt statfs()s by its path whatever pool covers it (a file path under
/// /dev/HostVG is devtmpfs to statfs, not the LV pool's block device); a pool's block or network
/// kind speaks only for a volume whose own type libvirt did not give.
fn file_storage(cx: &Context, path: Option<&str>, pool: Option<&Pool>, by_path: bool) -> Storage {
    if let Some(dir) = path.and_then(|p| cx.options.shared_directory(p)) {
        return Storage::SharedByCaller(dir.to_string());
    }
    // devtmpfs and /dev/shm's tmpfs are this host's own.
    if let Some(path) = path.filter(|p| p.starts_with("/dev/") && (by_path || pool.is_none_or(|p| p.kind == "dir"))) {
        return Storage::Local(format!("'{path}' is on the host's own /dev"));
    }
    if let Some(pool) = pool.filter(|p| !by_path || matches!(p.kind.as_str(), "netfs" | "fs")) {
        let format = pool.source_format.as_deref().unwrap_or("auto");
        match pool.kind.as_str() {
            // netfs mounts nfs, cifs or glusterfs (FUSE): each one virFileIsSharedFS names.
            "netfs" => return Storage::Shared { cluster: false },
            "gluster" | "rbd" | "sheepdog" | "iscsi-direct" => return Storage::Network,
            "logical" | "disk" | "scsi" | "mpath" | "zfs" | "iscsi" => return Storage::Block,
            "fs" if CLUSTER_FILESYSTEMS.contains(&format) => return Storage::Shared { cluster: true },
            "fs" if LOCAL_FILESYSTEMS.contains(&format) => {
                return Storage::Local(format!("pool '{}' mounts a local {format} filesystem", pool.name));
            }
            _ => {}
        }
    }
    // devtmpfs and /dev/shm's tmpfs are this host's own.
    if let Some(path) = path.filter(|p| p.starts_with("/dev/")) {
        return Storage::Local(format!("'{path}' is on the host's own /dev"));
    }
    Storage::Unknown(match pool {
        Some(p) if p.kind == "fs" => format!(
            "it is in fs pool '{}' whose filesystem is '{}': only statfs on the source tells whether libvirt sees it as shared",
            p.name,
            p.source_format.as_deref().unwrap_or("auto")
        ),
        Some(p) => format!(
            "it is in {} pool '{}', which may be local or a mounted NFS export: only statfs on the source tells",
            p.kind, p.name
        ),
        None => "it is in no storage pool of the source, and only statfs on the source tells what its filesystem is"
            .to_string(),
    })
}

/// The storage of one disk as qemuMigrationSrcIsSafe sees it.
fn disk_storage(cx: &Context, disk: &crate::facts::Disk) -> Storage {
    match &disk.source {
        DiskSource::Network { .. } => Storage::Network,
        DiskSource::Other { kind } if kind == "nvme" => Storage::Local("it is an NVMe disk".to_string()),
        DiskSource::Other { .. } => Storage::Block,
        DiskSource::Path { kind, .. } if kind != "file" => Storage::Block,
        DiskSource::Path { path, .. } => file_storage(cx, Some(path), source_pool(cx, &disk.source), true),
        DiskSource::Volume { pool, volume } => {
            let vol = cx.src.volume_named(pool, volume).ok().flatten();
            match vol.and_then(|v| v.kind.as_deref()) {
                Some("block") => Storage::Block,
                Some("network" | "netdir") => Storage::Network,
                Some("dir") => Storage::Block,
                kind => {
                    let path = vol.map(|v| v.path.as_str());
                    file_storage(cx, path, source_pool(cx, &disk.source), kind == Some("file"))
                }
            }
        }
        DiskSource::Empty => Storage::Block,
    }
}

/// The flag that turns one of qemuMigrationSrcIsSafe's refusals into a warning: an ERROR names it
/// in `cleared_by` so that a manager offering "force" knows what it overrides.
fn cleared_by_unsafe(severity: Severity) -> impl FnOnce(Finding) -> Finding {
    move |f| if severity == Severity::Error { f.detail("cleared_by", "VIR_MIGRATE_UNSAFE") } else { f }
}

/// `finding.pipe(f)` is `f(finding)`, so that a builder chain can end in a conditional step.
trait Pipe: Sized {
    fn pipe(self, f: impl FnOnce(Self) -> Self) -> Self {
        f(self)
    }
}

impl Pipe for Finding {}

/// libvirt's qemuMigrationSrcIsSafe (see `Storage`): a writable disk that is not copied must be
/// shared; where only statfs could tell, a WARNING says so and how to make it knowable.
fn storage_safety(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    let (severity, cleared_by) = if cx.options.unsafe_migration {
        (Severity::Warning, "the migration passes --unsafe, so libvirt will not stop it")
    } else {
        (
            Severity::Error,
            "migrate with --copy-storage-all, move the disk to shared storage, or (knowing the risk) pass --unsafe",
        )
    };
    let old_qemu = cx
        .src
        .hypervisor
        .as_ref()
        .is_ok_and(|h| h.driver.eq_ignore_ascii_case("QEMU") && h.version < QEMU_DROPS_CACHES);
    for disk in cx.guest.def.disks.iter().filter(|d| !d.is_empty() && !d.readonly) {
        if super::disk::copied(cx, disk) {
            continue; // Copied by the migration: safe.
        }
        let path = match &disk.source {
            DiskSource::Path { path, .. } => path.clone(),
            DiskSource::Volume { pool, volume } => format!("{pool}/{volume}"),
            DiskSource::Other { kind } => kind.clone(),
            _ => String::new(),
        };
        let storage = disk_storage(cx, disk);
        match &storage {
            Storage::Local(why) => findings.push(
                Finding::new(
                    CHECK,
                    severity,
                    "unsafe-storage",
                    format!("writable disk {} ({path}) is on storage local to the source ({why}): libvirt refuses \
                        'Migration without shared storage is unsafe'", disk.target),
                )
                .hint(cleared_by)
                .detail("disk", &disk.target)
                .detail("source", path.as_str())
                .pipe(cleared_by_unsafe(severity)),
            ),
            Storage::Unknown(why) => findings.push(
                Finding::warning(
                    CHECK,
                    "storage-unknown",
                    format!("cannot tell whether writable disk {} ({path}) is on shared storage: {why}; libvirt \
                        refuses a file on a local filesystem ('Migration without shared storage is unsafe') and \
                        accepts one on NFS, GFS2, OCFS2, CIFS, CephFS, GPFS or glusterfs", disk.target),
                )
                .hint("if its directory is on shared storage, say so with the shared_filesystems parameter \
                    (--shared-filesystem DIR) or define it as a netfs pool; if it is local, migrate with \
                    --copy-storage-all")
                .detail("disk", &disk.target)
                .detail("source", path.as_str()),
            ),
            // libvirt before 10.6 has no shared_filesystems: its statfs alone decides, which
            // the caller's word cannot change (an export of the source's own local disk is still
            // refused there). Said, not judged: the caller knows what the filesystem is.
            Storage::SharedByCaller(dir) => {
                if let Some(version) = cx.src.libvirt_version.as_ref().ok().copied().filter(|v| *v < SHARED_FILESYSTEMS_SINCE)
                {
                    findings.push(
                        Finding::info(
                            CHECK,
                            "shared-by-caller",
                            format!(
                                "writable disk {} ({path}) is shared by the caller's word ('{dir}'); libvirt {} on the \
                                    source predates qemu.conf's shared_filesystems (10.6) and decides by the \
                                    filesystem alone (statfs): it migrates a file on NFS, CIFS, GFS2, OCFS2, CephFS, GPFS or \
                                    glusterfs, and refuses one on a local filesystem, even one the source exports",
                                disk.target,
                                super::version_string(version)
                            ),
                        )
                        .detail("disk", &disk.target)
                        .detail("shared_directory", dir.as_str()),
                    );
                }
            }
            Storage::Network | Storage::Block | Storage::Shared { .. } => {}
        }
        // The cache rule, for what passed the storage rule (network and cluster filesystems
        // skip it; a refused disk has its finding).
        let cache_rule = matches!(
            storage,
            Storage::Block | Storage::Shared { cluster: false } | Storage::SharedByCaller(_) | Storage::Unknown(_)
        );
        let cache_ok = disk.shareable || matches!(disk.cache.as_deref(), Some("none" | "directsync"));
        if cache_rule && old_qemu && !cache_ok {
            findings.push(
                Finding::new(
                    CHECK,
                    severity,
                    "unsafe-cache",
                    format!(
                        "disk {} uses cache mode '{}': migration may corrupt data unless the cache is none or directsync",
                        disk.target,
                        disk.cache.as_deref().unwrap_or("default")
                    ),
                )
                .hint("set <driver cache='none'/> on the disk, or (knowing the risk) pass --unsafe")
                .detail("disk", &disk.target)
                .pipe(cleared_by_unsafe(severity)),
            );
        }
    }
    findings
}
