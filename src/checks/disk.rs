// SPDX-License-Identifier: LGPL-2.1-or-later
//! DISK (proposal item 7a): every disk's storage must be reachable on the destination as the
//! same storage: the same object, not an object of the same name. libvirt's storage volumes
//! carry a key that identifies the underlying object (an LV UUID, a SCSI WWN, an RBD name; for
//! file-based pools the path itself), and their XML (virStorageVolGetXMLDesc, which refreshes the
//! volume first: virStorageBackendUpdateVolTargetInfoFD reads stat() and the image header) gives
//! the file's capacity, format and timestamps, so:
//! - the same path with another key is a different object: a local file with the same name;
//! - a storage-level key (not the path) proves sameness;
//! - for files, a different capacity (virtual size), format or birth time (where both hosts
//!   report one: libvirt on Linux never does) is a different object; the same key and capacity
//!   with identical nanosecond mtime and ctime (and btime where both have one) is what two hosts
//!   see of one file on shared storage (a copy cannot carry the ctime over; for a disk the
//!   destination XML moves, whose path keys differ, the same holds at the two paths); anything else is
//!   unproven, unless both pools mount one export or the caller says the directory is shared.
//!   Limits: an NFS client's attribute cache can lag behind a file being written (a running
//!   guest's disk), so timestamps that differ prove nothing; a block-level clone of a whole
//!   filesystem carries the timestamps until the guest writes;
//! - a path in no destination pool is invisible to libvirt, so its presence cannot be verified
//!   (unless the caller says its directory is shared).
//!
//! With NON_SHARED_DISK the storage is copied: an absent volume is fine where a destination pool
//! covers the path (libvirt pre-creates it), an ERROR otherwise.

use super::{Context, unavailable};
use crate::facts::{Disk, DiskSource, Host, Pool, Volume};
use crate::flags::Check;
use crate::report::Finding;

const CHECK: Check = Check::Disk;

pub fn check(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Each disk as the destination will open it (the destination XML may move it) against
    // the same disk (same target) as the running guest has it on the source.
    for disk in cx.dest_def().disks.iter().filter(|d| !d.is_empty()) {
        let on_source = cx.guest.def.disks.iter().find(|d| d.target == disk.target).map_or(&disk.source, |d| &d.source);
        let finding = match (&disk.source, on_source) {
            (DiskSource::Path { path, .. }, DiskSource::Path { path: src_path, .. }) => {
                check_path(cx, disk, path, src_path)
            }
            (DiskSource::Path { path, .. }, _) => check_path(cx, disk, path, path),
            (DiskSource::Volume { pool, volume }, DiskSource::Volume { pool: src_pool, volume: src_volume }) => {
                check_pool_volume(cx, disk, (pool, volume), (src_pool, src_volume))
            }
            (DiskSource::Volume { pool, volume }, _) => check_pool_volume(cx, disk, (pool, volume), (pool, volume)),
            // Network disks are reached over the network from any host; other kinds have no
            // host storage to compare.
            _ => None,
        };
        findings.extend(finding.map(|f| f.detail("disk", &disk.target)));
    }
    findings
}

/// Whether the migration copies this disk: storage copy is on and, with
/// VIR_MIGRATE_PARAM_MIGRATE_DISKS, the disk is listed (qemuMigrationSrcBeginPhase and
/// qemuMigrationSrcNBDStorageCopy, 9.0 and 11.3: an unlisted disk is not copied and must be
/// reachable as shared storage).
pub(crate) fn copied(cx: &Context, disk: &Disk) -> bool {
    match &cx.options.migration {
        Some(migration) => migration.copies_disk(&disk.target),
        None => cx.options.non_shared_disk,
    }
}

fn covering_pool<'a>(host: &'a Host, path: &str) -> Option<&'a Pool> {
    host.pools.as_ref().ok()?.iter().find(|p| p.active && p.covers(path))
}

/// A disk at `path` on the destination, at `src_path` on the source (the same path unless the
/// destination XML moves it).
fn check_path(cx: &Context, disk: &Disk, path: &str, src_path: &str) -> Option<Finding> {
    let dst_volume = match cx.dst.volume_at_path(path) {
        Ok(v) => v,
        Err(e) => {
            return Some(
                unavailable(CHECK, "destination", &format!("storage volume at '{path}'"), &e).detail("path", path),
            );
        }
    };
    let dst_pool = covering_pool(cx.dst, path);
    // The caller's word that both hosts' path is one file of shared storage (qemu.conf's
    // shared_filesystems): trusted unless the volumes libvirt shows prove otherwise.
    let shared_by_caller = path == src_path && cx.options.shared_directory(path).is_some();
    let Some(dst_volume) = dst_volume else {
        if shared_by_caller && dst_pool.is_none() {
            return None;
        }
        return Some(absent(cx, disk, path, dst_pool).detail("path", path));
    };
    if copied(cx, disk) {
        return copied_over(disk, path, cx.src.volume_at_path(src_path).ok().flatten(), dst_volume);
    }
    let src_volume = match cx.src.volume_at_path(src_path) {
        Ok(v) => v,
        Err(e) => {
            return Some(
                unavailable(CHECK, "source", &format!("storage volume at '{src_path}'"), &e).detail("path", src_path),
            );
        }
    };
    let Some(src_volume) = src_volume else {
        if shared_by_caller {
            return None;
        }
        return Some(
            Finding::warning(
                CHECK,
                "unproven",
                format!("disk {} at '{src_path}' is in no storage pool on the source, so its identity with the \
                    destination's volume cannot be proven", disk.target),
            )
            .hint("define a storage pool over its directory on the source so that libvirt can compare the volumes' keys")
            .detail("path", path),
        );
    };
    compare_identity(cx, disk, path, src_volume, dst_volume, covering_pool(cx.src, src_path), dst_pool)
        .map(|f| f.detail("path", path))
}

/// A copied disk whose volume already exists on the destination: libvirt does not pre-create
/// it (qemuMigrationDstPrecreateStorage skips a volume that exists) and QEMU's mirror writes into
/// it, so its identity does not matter; another size or format than the source's may make the
/// copy fail (a WARNING: not proven here), else it is simply overwritten (nothing to say).
fn copied_over(disk: &Disk, path: &str, src: Option<&Volume>, dst: &Volume) -> Option<Finding> {
    let name = &disk.target;
    let differs = src.map(|src| size_and_format_differences(src, dst)).unwrap_or_default();
    if differs.is_empty() {
        return None;
    }
    Some(
        Finding::warning(
            CHECK,
            "copy-target-differs",
            format!(
                "disk {name} will be copied into the existing volume at '{path}' on the destination, which differs: {}",
                differs.join("; ")
            ),
        )
        .hint("remove the destination's volume so that libvirt creates it as the source's, or make it the same size and format")
        .detail("path", path),
    )
}

/// The disk's volume is absent on the destination.
fn absent(cx: &Context, disk: &Disk, path: &str, dst_pool: Option<&Pool>) -> Finding {
    let name = &disk.target;
    match (copied(cx, disk), dst_pool) {
        (true, Some(pool)) => Finding::info(
            CHECK,
            "will-copy",
            format!("disk {name} at '{path}' will be copied into pool '{}' on the destination", pool.name),
        )
        .detail("pool", &pool.name),
        (true, None) => Finding::error(
            CHECK,
            "no-target-pool",
            format!("disk {name} at '{path}' cannot be copied: no active storage pool on the destination covers its directory"),
        )
        .hint("define and start a pool over that directory on the destination so that libvirt can pre-create the volume"),
        (false, Some(pool)) => Finding::error(
            CHECK,
            "missing",
            format!("disk {name} at '{path}' does not exist on the destination (pool '{}' there has no such volume)", pool.name),
        )
        .hint("put the disk on storage shared by both hosts, or migrate with --copy-storage-all")
        .detail("pool", &pool.name)
        .detail("cleared_by", "VIR_MIGRATE_NON_SHARED_DISK"),
        (false, None) => Finding::warning(
            CHECK,
            "not-visible",
            format!("disk {name} at '{path}' cannot be verified on the destination: no storage pool there covers its directory"),
        )
        .hint("define a storage pool over that directory on the destination so that libvirt can see the file, or \
            migrate with --copy-storage-all"),
    }
}

/// A disk naming a pool volume: `(pool, volume)` on the destination, `on_source` on the source.
fn check_pool_volume(
    cx: &Context,
    disk: &Disk,
    (pool_name, volume): (&str, &str),
    (src_pool_name, src_volume_name): (&str, &str),
) -> Option<Finding> {
    let with = |f: Finding| f.detail("pool", pool_name).detail("volume", volume);
    let dst_pool = match cx.dst.pool(pool_name) {
        Ok(Some(pool)) => pool,
        Ok(None) => {
            return Some(with(
                Finding::error(
                    CHECK,
                    "pool-missing",
                    format!("storage pool '{pool_name}' of disk {} does not exist on the destination", disk.target),
                )
                .hint(format!("define and start pool '{pool_name}' on the destination")),
            ));
        }
        Err(e) => return Some(with(unavailable(CHECK, "destination", "storage pool list", &e))),
    };
    if !dst_pool.active {
        return Some(with(
            Finding::error(
                CHECK,
                "pool-inactive",
                format!("storage pool '{pool_name}' of disk {} is not active on the destination", disk.target),
            )
            .hint(format!("start it there: virsh pool-start {pool_name}")),
        ));
    }
    let dst_volume = match cx.dst.volume_named(pool_name, volume) {
        Ok(Some(v)) => v,
        Ok(None) if copied(cx, disk) => {
            return Some(with(Finding::info(
                CHECK,
                "will-copy",
                format!(
                    "disk {} (volume '{volume}') will be copied into pool '{pool_name}' on the destination",
                    disk.target
                ),
            )));
        }
        Ok(None) => {
            return Some(with(
                Finding::error(
                    CHECK,
                    "volume-missing",
                    format!(
                        "volume '{volume}' of disk {} does not exist in pool '{pool_name}' on the destination",
                        disk.target
                    ),
                )
                .hint("put the disk on storage shared by both hosts, or migrate with --copy-storage-all")
                .detail("cleared_by", "VIR_MIGRATE_NON_SHARED_DISK"),
            ));
        }
        Err(e) => return Some(with(unavailable(CHECK, "destination", &format!("volume '{volume}'"), &e))),
    };
    let src_volume = match cx.src.volume_named(src_pool_name, src_volume_name) {
        Ok(Some(v)) => v,
        Ok(None) => return None, // libvirt itself would not start such a guest; nothing to compare.
        Err(e) => return Some(with(unavailable(CHECK, "source", &format!("volume '{src_volume_name}'"), &e))),
    };
    let src_pool = cx.src.pool(src_pool_name).ok().flatten();
    compare_identity(cx, disk, &dst_volume.path, src_volume, dst_volume, src_pool, Some(dst_pool)).map(with)
}

/// What the two hosts' volume XML proves different about a file: its capacity (virtual size), its
/// format, or its birth time where both report one.
fn differences(src: &Volume, dst: &Volume) -> Vec<String> {
    let mut what = size_and_format_differences(src, dst);
    if let (Some(s), Some(d)) = (src.timestamps.btime, dst.timestamps.btime)
        && s != d
    {
        what.push(format!("birth time {s} on the source, {d} on the destination"));
    }
    what
}

/// The capacity and format of two volumes, where both report them and they differ.
fn size_and_format_differences(src: &Volume, dst: &Volume) -> Vec<String> {
    let mut what = Vec::new();
    if let (Some(s), Some(d)) = (src.capacity, dst.capacity)
        && s != d
    {
        what.push(format!("capacity {s} bytes on the source, {d} on the destination"));
    }
    if let (Some(s), Some(d)) = (&src.format, &dst.format)
        && s != d
    {
        what.push(format!("format {s} on the source, {d} on the destination"));
    }
    what
}

/// Whether the two hosts see one file: the same capacity and identical mtime and ctime to the
/// nanosecond (a ctime with nanoseconds: a filesystem of whole seconds proves nothing), as
/// stat() of one inode gives every client. (`differences` has already found nothing.)
fn proven_same(src: &Volume, dst: &Volume) -> bool {
    let (s, d) = (&src.timestamps, &dst.timestamps);
    src.capacity.is_some()
        && src.capacity == dst.capacity
        && s.mtime.is_some()
        && s.mtime == d.mtime
        && s.ctime.is_some_and(|t| t.nanos != 0)
        && s.ctime == d.ctime
}

/// Compares the source's and the destination's volume for one disk.
fn compare_identity(
    cx: &Context,
    disk: &Disk,
    path: &str,
    src: &Volume,
    dst: &Volume,
    src_pool: Option<&Pool>,
    dst_pool: Option<&Pool>,
) -> Option<Finding> {
    let name = &disk.target;
    let keys = |f: Finding| f.detail("source_key", &src.key).detail("destination_key", &dst.key);
    // A file volume's key is its path (libvirt's dir, fs and netfs pools). Where the destination
    // XML moves the disk, the two paths differ and so do such keys, which then prove nothing.
    let moved = src.path != dst.path;
    let path_keyed = src.key == src.path && dst.key == dst.path;
    if src.key != dst.key && !(moved && path_keyed) {
        if disk.readonly {
            return Some(keys(Finding::info(
                CHECK,
                "readonly-copy",
                format!(
                    "read-only disk {name} at '{path}' is a different file on the destination; fine if its content is the same"
                ),
            )));
        }
        return Some(keys(
            Finding::error(
                CHECK,
                "different-storage",
                format!("disk {name} at '{path}' on the destination is a different file with the same name (the volume keys differ)"),
            )
            .hint("the guest would see other data after the migration; put the disk on storage shared by both hosts, \
                or migrate with --copy-storage-all"),
        ));
    }
    // A key that is a storage-level identity (not just the path) proves sameness.
    if src.key != src.path {
        return None;
    }
    // A file: what both hosts' libvirt read of it.
    let differs = differences(src, dst);
    if !differs.is_empty() && disk.readonly {
        // A read-only disk (an ISO library on each host): libvirt migrates it; the guest sees
        // other content only if the content differs, which the caller knows.
        return Some(keys(Finding::info(
            CHECK,
            "readonly-copy",
            format!(
                "read-only disk {name} at '{path}' is a different file on the destination ({}); fine if its content is the same",
                differs.join("; ")
            ),
        )));
    }
    if !differs.is_empty() {
        return Some(keys(
            Finding::error(
                CHECK,
                "different-storage",
                format!(
                    "disk {name} at '{path}' on the destination is a different file than '{}' on the source: {}",
                    src.path,
                    differs.join("; ")
                ),
            )
            .hint("the guest would see other data after the migration; put the disk on storage shared by both hosts, \
                or migrate with --copy-storage-all"),
        ));
    }
    if proven_same(src, dst) {
        return None;
    }
    if !moved && cx.options.shared_directory(&src.path).is_some() {
        return None;
    }
    // Where the file lies inside its pool: the same export holds the same file at the same place.
    let within = |volume: &Volume, pool: &Pool| {
        let target = pool.target_path.as_deref().unwrap_or("").trim_end_matches('/');
        volume.path.strip_prefix(target).unwrap_or(&volume.path).trim_start_matches('/').to_string()
    };
    match (src_pool, dst_pool) {
        // Two network filesystems mounted from the same export: the same file, if it lies at
        // the same place in it.
        (Some(s), Some(d)) if !s.is_host_local() && !d.is_host_local() && s.kind == d.kind && s.source_identity() == d.source_identity() => {
            if within(src, s) == within(dst, d) {
                return None;
            }
            Some(keys(
                Finding::error(
                    CHECK,
                    "different-storage",
                    format!(
                        "disk {name} at '{path}' on the destination is another file of the export than '{}' on the source",
                        src.path
                    ),
                )
                .hint("name the same file of the shared storage in the destination XML"),
            ))
        }
        (Some(s), Some(d)) if !s.is_host_local() && !d.is_host_local() => Some(keys(
            Finding::error(
                CHECK,
                "different-storage",
                format!(
                    "disk {name} at '{path}' comes from pool '{}' on the source and pool '{}' on the destination, \
                        which mount different storage",
                    s.name, d.name
                ),
            )
            .hint("mount the same export on both hosts"),
        )),
        _ if disk.readonly => None,
        _ => Some(keys(
            Finding::warning(
                CHECK,
                "unproven",
                match moved {
                    false => format!("disk {name} at '{path}' exists on both hosts, but as a file of a host-local pool its identity cannot be proven: the volumes do not show the same capacity and nanosecond mtime and ctime"),
                    true => format!("disk {name} at '{}' on the source and '{path}' on the destination exist, but as files of host-local pools their identity cannot be proven: the volumes do not show the same capacity and nanosecond mtime and ctime", src.path),
                },
            )
            .hint("define the storage as a shared pool (netfs, iscsi, rbd ...) on both hosts so that sameness can be \
                proven, or, if the directory is shared, say so with the shared_filesystems parameter \
                (--shared-filesystem DIR)"),
        )),
    }
}
