// SPDX-License-Identifier: LGPL-2.1-or-later
//! DISK: every disk's storage must be reachable on the destination as the same storage, judged
//! by libvirt's volume keys and pools (libvirt's pool-dir and pool-netfs test pools, its
//! disk-source-pool test domain). Live on libvirt's test driver: tests/test_driver.rs
//! (dst-other-key, dst-missing-volume, dst-local-dir).

use virt_migration_check::facts::Volume;
use virt_migration_check::{Check, Host, Severity};

use crate::builder::*;

const CHECK: Check = Check::Disk;

/// libvirt's netfs pool mounts localhost:/var/lib/libvirt/images on /mnt.
const NFS_PATH: &str = "/mnt/web.img";

fn file_disk(path: &str, readonly: bool) -> virt_migration_check::Guest {
    let ro = if readonly { "<readonly/>" } else { "" };
    small(
        "",
        &format!("<disk type='file' device='disk'><source file='{path}'/><target dev='vda' bus='virtio'/>{ro}</disk>"),
    )
}

/// A host with `pools`, and `volume` (or none) at `path`.
fn with_storage(uri: &str, pools: Vec<virt_migration_check::facts::Pool>, path: &str, volume: Option<Volume>) -> Host {
    let mut h = host(uri);
    h.pools = Ok(pools);
    h.volumes_by_path.insert(path.to_string(), Ok(volume));
    h
}

fn nfs_volume(key: &str) -> Option<Volume> {
    Some(volume("web.img", key, NFS_PATH))
}

/// Libvirt's disk-source-pool domain: volumes dir+vol1 (vda) and dir+vol2 (vdb) of pool
/// 'pool-disk', and a CD-ROM (hda) from it.
fn pool_guest() -> virt_migration_check::Guest {
    guest(&fixture("disk-source-pool.xml"))
}

fn pool_disk(active: bool) -> virt_migration_check::facts::Pool {
    let mut p = pool_at("pool-disk", "disk", "/dev");
    p.active = active;
    p
}

/// libvirt's own volume XML (11.3's tests/storagevolxml2xmlin/vol-file.xml: a 1 TiB file with
/// nanosecond timestamps), edited by `edit`, as a dir pool's volume: keyed by its path.
fn real_volume(edit: impl Fn(String) -> String) -> Volume {
    let xml = edit(read("fixtures/pools/storagevolxml2xmlin/vol-file.xml"));
    let mut v = virt_migration_check::xml::pool::parse_volume(&xml, "vol-file.xml").unwrap();
    v.key = v.path.clone();
    v
}

const REAL_PATH: &str = "/var/lib/libvirt/images/sparse.img";

/// The two hosts, each with libvirt's dir pool holding its own view of the file.
fn real_hosts(src: Volume, dst: Volume) -> (Host, Host) {
    (
        with_storage("qemu+ssh://src/system", vec![pool("pool-dir.xml", true)], REAL_PATH, Some(src)),
        with_storage("qemu+ssh://dst/system", vec![pool("pool-dir.xml", true)], REAL_PATH, Some(dst)),
    )
}

scenarios! {
    fn one_file_proven_by_its_volume_xml() {
        // Both hosts' libvirt show the same key, capacity and nanosecond mtime and ctime: what
        // stat() of one file on shared storage gives every client (a copy cannot carry the ctime).
        let same = real_volume(|x| x);
        let (src, dst) = real_hosts(same.clone(), same.clone());
        expect_ok(&run(CHECK, &file_disk(REAL_PATH, false), &src, &dst), CHECK);
        // Linux's <btime>0</btime> says nothing.
        let linux = real_volume(|x| x.replace("</timestamps>", "<btime>0</btime></timestamps>"));
        let (src, dst) = real_hosts(linux.clone(), same.clone());
        expect_ok(&run(CHECK, &file_disk(REAL_PATH, false), &src, &dst), CHECK);
    }

    fn different_file_proven_by_its_volume_xml() {
        let same = real_volume(|x| x);
        let cases: [(Volume, &str); 3] = [
            (real_volume(|x| x.replace(">1</capacity>", ">2</capacity>")), "capacity 1099511627776 bytes on the source, 2199023255552"),
            (real_volume(|x| x.replace("<permissions>", "<format type='qcow2'/><permissions>")), "format"),
            (real_volume(|x| x.replace("</timestamps>", "<btime>1341930600.5</btime></timestamps>")), "birth time"),
        ];
        for (other, what) in cases {
            // A format or birth time is compared only where both report one.
            let src = if what == "capacity 1099511627776 bytes on the source, 2199023255552" {
                same.clone()
            } else {
                real_volume(|x| {
                    x.replace("<permissions>", "<format type='raw'/><permissions>")
                        .replace("</timestamps>", "<btime>1341930500.25</btime></timestamps>")
                })
            };
            let (s, d) = real_hosts(src.clone(), other.clone());
            let f = expect(
                &run(CHECK, &file_disk(REAL_PATH, false), &s, &d),
                Severity::Error,
                "disk.different-storage",
                &["disk vda", "different file", what],
            );
            assert_eq!(detail(&f, "path"), REAL_PATH);
            // The caller's word that the directory is shared does not outweigh the proof.
            let shared = |o: &mut virt_migration_check::Options| o.shared_filesystems = vec!["/var/lib/libvirt".into()];
            expect(&run_with(CHECK, &file_disk(REAL_PATH, false), &s, &d, shared), Severity::Error, "disk.different-storage", &[what]);
        }
        // Read-only (an ISO library on each host): another file, which libvirt migrates; the
        // guest sees other content only if it differs, which the caller knows (INFO).
        let bigger = real_volume(|x| x.replace(">1</capacity>", ">2</capacity>"));
        let (s, d) = real_hosts(same.clone(), bigger.clone());
        expect(&run(CHECK, &file_disk(REAL_PATH, true), &s, &d), Severity::Info, "disk.readonly-copy", &["capacity"]);
        // Copied by the migration: the existing volume is written over; its other size may fail
        // the copy (WARNING), the same size and format is simply overwritten.
        let copy = |o: &mut virt_migration_check::Options| o.non_shared_disk = true;
        let (s, d) = real_hosts(same.clone(), bigger);
        expect(&run_with(CHECK, &file_disk(REAL_PATH, false), &s, &d, copy), Severity::Warning, "disk.copy-target-differs", &["capacity"]);
        let (s, d) = real_hosts(same.clone(), same);
        expect_ok(&run_with(CHECK, &file_disk(REAL_PATH, false), &s, &d, copy), CHECK);
    }

    fn snapshots_carry_the_volume_xml() {
        // Host snapshots keep each volume's XML as libvirt gave it, so an offline check proves
        // the same as a live one: each host assembled from libvirt's pool-dir.xml and
        // vol-file.xml (the destination's capacity edited), written and read back.
        use virt_migration_check::xml::snapshot::{SavedDocuments, assemble, host as snapshot_host, read as read_snapshot, write};
        let snap = |uri: &str, volume: String| {
            let saved = SavedDocuments {
                capabilities: ("caps-test.xml".into(), read("fixtures/host-caps/capabilityschemadata/caps-test.xml")),
                pools: vec![("pool-dir.xml".into(), read("fixtures/pools/storagepoolxml2xmlin/pool-dir.xml"))],
                volumes: vec![("vol-file.xml".into(), volume)],
                ..SavedDocuments::default()
            };
            let written = write(&assemble(&saved, uri, "2026-12-02T00:00:00Z").unwrap());
            snapshot_host(&read_snapshot(&written, uri).unwrap())
        };
        let xml = read("fixtures/pools/storagevolxml2xmlin/vol-file.xml").replace("<name>", "<key>/var/lib/libvirt/images/sparse.img</key><name>");
        let src = snap("file:///src", xml.clone());
        let v = src.volume_at_path(REAL_PATH).unwrap().unwrap();
        assert_eq!((v.capacity, v.timestamps.ctime.map(|t| t.nanos)), (Some(1 << 40), Some(47245868)), "{v:?}");
        expect_ok(&run(CHECK, &file_disk(REAL_PATH, false), &src, &snap("file:///dst", xml.clone())), CHECK);
        let bigger = snap("file:///dst", xml.replace(">1</capacity>", ">2</capacity>"));
        expect(&run(CHECK, &file_disk(REAL_PATH, false), &src, &bigger), Severity::Error, "disk.different-storage", &["capacity"]);
    }

    fn unproven_by_timestamps_that_differ() {
        // A client's attribute cache can lag behind a file being written: other timestamps do
        // not prove another file, nor whole seconds one file.
        let same = real_volume(|x| x);
        let later = real_volume(|x| x.replace("<mtime>1341930622.047245868", "<mtime>1341930699.000000001"));
        let (src, dst) = real_hosts(same.clone(), later);
        expect(&run(CHECK, &file_disk(REAL_PATH, false), &src, &dst), Severity::Warning, "disk.unproven", &["disk vda", "nanosecond"]);
        let seconds = real_volume(|x| x.replace("1341930622.047245868", "1341930622"));
        let (src, dst) = real_hosts(seconds.clone(), seconds);
        expect(&run(CHECK, &file_disk(REAL_PATH, false), &src, &dst), Severity::Warning, "disk.unproven", &["disk vda"]);
        // The caller says the directory is shared: the same path is the same file.
        let later = real_volume(|x| x.replace("<mtime>1341930622.047245868", "<mtime>1341930699.000000001"));
        let (src, dst) = real_hosts(same, later);
        let shared = |o: &mut virt_migration_check::Options| o.shared_filesystems = vec!["/var/lib/libvirt/images".into()];
        expect_ok(&run_with(CHECK, &file_disk(REAL_PATH, false), &src, &dst, shared), CHECK);
    }

    fn shared_directory_in_no_pool() {
        // The caller's shared directory, in no pool on either host: nothing proves otherwise.
        let path = "/nfs/images/web.img";
        let src = with_storage("qemu+ssh://src/system", Vec::new(), path, None);
        let dst = with_storage("qemu+ssh://dst/system", Vec::new(), path, None);
        expect(&run(CHECK, &file_disk(path, false), &src, &dst), Severity::Warning, "disk.not-visible", &["vda"]);
        let shared = |o: &mut virt_migration_check::Options| o.shared_filesystems = vec!["/nfs".into()];
        expect_ok(&run_with(CHECK, &file_disk(path, false), &src, &dst, shared), CHECK);
    }

    fn dest_xml_moves_a_disk_to_where_the_destination_has_it() {
        // The NFS export is mounted at /mnt on the source and at /srv/nfs on the destination
        // (whose /mnt is an empty directory pool): the same file of the same export at another
        // path, its key (its path) another.
        // Without a destination XML the source's path is looked up there and missing (ERROR);
        // with one naming the destination's path, the two volumes are the same.
        let moved = "/srv/nfs/web.img";
        let src =
            with_storage("qemu+ssh://src/system", vec![pool("pool-netfs.xml", true)], NFS_PATH, nfs_volume(NFS_PATH));
        let mut dst = with_storage(
            "qemu+ssh://dst/system",
            vec![
                virt_migration_check::facts::Pool {
                    target_path: Some("/srv/nfs".into()),
                    ..pool("pool-netfs.xml", true)
                },
                pool_at("mnt", "dir", "/mnt"),
            ],
            moved,
            Some(volume("web.img", moved, moved)),
        );
        dst.volumes_by_path.insert(NFS_PATH.to_string(), Ok(None));
        let running = file_disk(NFS_PATH, false);
        expect(&run(CHECK, &running, &src, &dst), Severity::Error, "disk.missing", &["vda", NFS_PATH]);
        let mut migrating = running.clone();
        let on_destination = domain(
            "",
            &format!("<disk type='file' device='disk'><source file='{moved}'/><target dev='vda' bus='virtio'/></disk>"),
        );
        let running_xml = domain(
            "",
            &format!("<disk type='file' device='disk'><source file='{NFS_PATH}'/><target dev='vda' bus='virtio'/></disk>"),
        );
        migrating.destination = Some(virt_migration_check::xml::abi::destination(&running_xml, &on_destination));
        expect_ok(&run(CHECK, &migrating, &src, &dst), CHECK);
        // Another file of the export is another disk; in a host-local pool, sameness is unproven.
        let elsewhere = on_destination.replace("/srv/nfs/web.img", "/srv/nfs/other.img");
        let mut other = dst.clone();
        other.volumes_by_path.insert("/srv/nfs/other.img".into(), Ok(Some(volume("other.img", "/srv/nfs/other.img", "/srv/nfs/other.img"))));
        let mut migrating = running.clone();
        migrating.destination = Some(virt_migration_check::xml::abi::destination(&running_xml, &elsewhere));
        expect(&run(CHECK, &migrating, &src, &other), Severity::Error, "disk.different-storage", &["another file of the export"]);
        let mut local = dst.clone();
        local.pools = Ok(vec![pool_at("nfs", "dir", "/srv/nfs"), pool_at("mnt", "dir", "/mnt")]);
        let mut migrating = running.clone();
        migrating.destination = Some(virt_migration_check::xml::abi::destination(&running_xml, &on_destination));
        let src_local = with_storage("qemu+ssh://src/system", vec![pool_at("m", "dir", "/mnt")], NFS_PATH, nfs_volume(NFS_PATH));
        expect(&run(CHECK, &migrating, &src_local, &local), Severity::Warning, "disk.unproven", &["on the source and"]);
    }

    fn same_nfs_export_on_both() {
        let src =
            with_storage("qemu+ssh://src/system", vec![pool("pool-netfs.xml", true)], NFS_PATH, nfs_volume(NFS_PATH));
        let dst =
            with_storage("qemu+ssh://dst/system", vec![pool("pool-netfs.xml", true)], NFS_PATH, nfs_volume(NFS_PATH));
        expect_ok(&run(CHECK, &file_disk(NFS_PATH, false), &src, &dst), CHECK);
    }

    fn missing_in_the_destinations_pool() {
        // libvirt's dir pool (its target written '///var/////lib/libvirt/images//') covers the path.
        let path = "/var/lib/libvirt/images/web.img";
        let src = with_storage(
            "qemu+ssh://src/system",
            vec![pool("pool-dir.xml", true)],
            path,
            Some(volume("web.img", path, path)),
        );
        let dst = with_storage("qemu+ssh://dst/system", vec![pool("pool-dir.xml", true)], path, None);
        let f = expect(
            &run(CHECK, &file_disk(path, false), &src, &dst),
            Severity::Error,
            "disk.missing",
            &["disk vda", path, "'virtimages'"],
        );
        assert_eq!(detail(&f, "disk"), "vda");
    }

    fn not_visible() {
        let path = "/srv/images/web.img";
        let (src, _) = hosts();
        let dst = with_storage("qemu+ssh://dst/system", vec![pool("pool-dir.xml", true)], path, None);
        expect(
            &run(CHECK, &file_disk(path, false), &src, &dst),
            Severity::Warning,
            "disk.not-visible",
            &["disk vda", path],
        );
    }

    fn will_copy_and_no_target_pool() {
        let path = "/var/lib/libvirt/images/web.img";
        let (src, _) = hosts();
        let dst = with_storage("qemu+ssh://dst/system", vec![pool("pool-dir.xml", true)], path, None);
        let copy = |o: &mut virt_migration_check::Options| o.non_shared_disk = true;
        expect(
            &run_with(CHECK, &file_disk(path, false), &src, &dst, copy),
            Severity::Info,
            "disk.will-copy",
            &["disk vda", "'virtimages'"],
        );
        let elsewhere = "/srv/images/web.img";
        let dst = with_storage("qemu+ssh://dst/system", vec![pool("pool-dir.xml", true)], elsewhere, None);
        expect(
            &run_with(CHECK, &file_disk(elsewhere, false), &src, &dst, copy),
            Severity::Error,
            "disk.no-target-pool",
            &["disk vda", elsewhere],
        );
    }

    fn different_storage_by_key() {
        let src = with_storage(
            "qemu+ssh://src/system",
            vec![pool("pool-netfs.xml", true)],
            NFS_PATH,
            nfs_volume("lv-uuid-a"),
        );
        let dst = with_storage(
            "qemu+ssh://dst/system",
            vec![pool("pool-netfs.xml", true)],
            NFS_PATH,
            nfs_volume("lv-uuid-b"),
        );
        let f = expect(
            &run(CHECK, &file_disk(NFS_PATH, false), &src, &dst),
            Severity::Error,
            "disk.different-storage",
            &["disk vda", "volume keys differ"],
        );
        assert_eq!(detail(&f, "destination_key"), "lv-uuid-b");
        // A read-only disk may be a copy of the same content.
        expect(
            &run(CHECK, &file_disk(NFS_PATH, true), &src, &dst),
            Severity::Info,
            "disk.readonly-copy",
            &["read-only disk vda"],
        );
    }

    fn different_storage_by_export() {
        let mut other = pool("pool-netfs.xml", true);
        other.name = "othernfs".into();
        other.source_host = Some("filer2".into());
        let src =
            with_storage("qemu+ssh://src/system", vec![pool("pool-netfs.xml", true)], NFS_PATH, nfs_volume(NFS_PATH));
        let dst = with_storage("qemu+ssh://dst/system", vec![other], NFS_PATH, nfs_volume(NFS_PATH));
        expect(
            &run(CHECK, &file_disk(NFS_PATH, false), &src, &dst),
            Severity::Error,
            "disk.different-storage",
            &["'nfsimages'", "'othernfs'"],
        );
    }

    fn unproven() {
        // The same path in host-local dir pools on both hosts.
        let path = "/var/lib/libvirt/images/web.img";
        let v = Some(volume("web.img", path, path));
        let src = with_storage("qemu+ssh://src/system", vec![pool("pool-dir.xml", true)], path, v.clone());
        let dst = with_storage("qemu+ssh://dst/system", vec![pool("pool-dir.xml", true)], path, v.clone());
        expect(
            &run(CHECK, &file_disk(path, false), &src, &dst),
            Severity::Warning,
            "disk.unproven",
            &["disk vda", "host-local pool"],
        );
        // In no pool on the source.
        let src = with_storage("qemu+ssh://src/system", Vec::new(), path, None);
        expect(
            &run(CHECK, &file_disk(path, false), &src, &dst),
            Severity::Warning,
            "disk.unproven",
            &["in no storage pool on the source"],
        );
    }

    fn pool_missing() {
        let (src, mut dst) = hosts();
        dst.pools = Ok(Vec::new());
        let f = expect(
            &run(CHECK, &pool_guest(), &src, &dst),
            Severity::Error,
            "disk.pool-missing",
            &["'pool-disk'", "disk vda"],
        );
        assert_eq!(detail(&f, "volume"), "dir+vol1");
    }

    fn pool_inactive() {
        let (src, mut dst) = hosts();
        dst.pools = Ok(vec![pool_disk(false)]);
        expect(
            &run(CHECK, &pool_guest(), &src, &dst),
            Severity::Error,
            "disk.pool-inactive",
            &["'pool-disk'", "disk vdb"],
        );
    }

    fn volume_missing() {
        let (src, mut dst) = hosts();
        dst.pools = Ok(vec![pool_disk(true)]);
        dst.volume_list = Some(Vec::new());
        expect(
            &run(CHECK, &pool_guest(), &src, &dst),
            Severity::Error,
            "disk.volume-missing",
            &["'dir+vol1'", "disk vda"],
        );
        let copy = run_with(CHECK, &pool_guest(), &src, &dst, |o| o.non_shared_disk = true);
        expect(&copy, Severity::Info, "disk.will-copy", &["disk vda", "'dir+vol1'"]);
    }

    fn lookups_unavailable() {
        let (src, dst) = hosts();
        expect(
            &run(CHECK, &file_disk(NFS_PATH, false), &src, &dst),
            Severity::Skipped,
            "disk.unavailable",
            &["destination", "storage volume at '/mnt/web.img'"],
        );
        expect(&run(CHECK, &pool_guest(), &src, &dst), Severity::Skipped, "disk.unavailable", &["storage pool list"]);
        let dst =
            with_storage("qemu+ssh://dst/system", vec![pool("pool-netfs.xml", true)], NFS_PATH, nfs_volume(NFS_PATH));
        expect(
            &run(CHECK, &file_disk(NFS_PATH, false), &src, &dst),
            Severity::Skipped,
            "disk.unavailable",
            &["source"],
        );
    }
}
