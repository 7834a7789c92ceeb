// SPDX-License-Identifier: LGPL-2.1-or-later
//! DEVICES: device models against the destination's domain capabilities, and libvirt's own
//! migration blockers (qemuMigrationSrcIsAllowed, qemuMigrationSrcIsSafe) on libvirt's test
//! domains. More, with real domain capabilities of several QEMU versions and live on libvirt's
//! test driver (unsafe storage, snapshots): tests/devices.rs.

use virt_migration_check::facts::{GuestState, LiveState};
use virt_migration_check::{Check, Severity};

use crate::builder::*;

const CHECK: Check = Check::Devices;

/// A libvirt test domain made a KVM guest (the domain capabilities here are KVM's).
fn kvm_fixture(name: &str) -> virt_migration_check::Guest {
    guest(&fixture(name).replacen("<domain type='qemu'>", "<domain type='kvm'>", 1))
}

fn file_disk(path: &str, cache: &str) -> virt_migration_check::Guest {
    small(
        "",
        &format!(
            "<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='{cache}'/><source \
                file='{path}'/><target dev='vda' bus='virtio'/></disk>"
        ),
    )
}

scenarios! {
    fn nothing_to_refuse() {
        let (src, mut dst) = hosts();
        dst.domain_capabilities = Ok(vec![domcaps("qemu_7.2.0-q35.x86_64.xml")]);
        let g = small(
            "",
            "<video><model type='virtio'/></video><rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
        );
        expect_ok(&run(CHECK, &g, &src, &dst), CHECK);
    }

    fn model_unsupported() {
        // QEMU 4.2's swtpm offered TPM 1.2 only.
        let (src, mut dst) = hosts();
        dst.domain_capabilities = Ok(vec![domcaps("qemu_4.2.0.x86_64.xml")]);
        let f = expect(
            &run(CHECK, &kvm_fixture("tpm-emulator-tpm2.xml"), &src, &dst),
            Severity::Error,
            "devices.model-unsupported",
            &["TPM version 2.0"],
        );
        assert_eq!(detail(&f, "device"), "tpm");
    }

    fn models_unknowable_without_domain_capabilities() {
        let (src, dst) = hosts();
        expect(
            &run(CHECK, &kvm_fixture("tpm-emulator-tpm2.xml"), &src, &dst),
            Severity::Skipped,
            "devices.unavailable",
            &["destination", "domain capabilities (device models)"],
        );
    }

    fn snapshots_and_block_jobs() {
        let (src, dst) = hosts();
        let mut g = small("", "");
        g.live = Some(LiveState { snapshots: Some(2), block_jobs: Some(vec!["vda".into()]) });
        let report = run(CHECK, &g, &src, &dst);
        let f = expect(&report, Severity::Error, "devices.snapshots", &["2 snapshot(s)"]);
        assert_eq!(detail(&f, "snapshots"), "2");
        expect(&report, Severity::Error, "devices.block-job", &["disk vda"]);
    }

    fn dimm_without_address() {
        // libvirt's memory-hotplug-dimm: its first dimm has no <address> (an inactive definition's).
        let (src, dst) = hosts();
        let mut g = kvm_fixture("memory-hotplug-dimm.xml");
        g.live = Some(LiveState::default());
        expect(&run(CHECK, &g, &src, &dst), Severity::Error, "devices.dimm-no-address", &["memory device #1 (dimm)"]);
        // Offline (no live facts), libvirt assigns addresses when it starts the guest.
        g.live = None;
        expect_none(&run(CHECK, &g, &src, &dst), "devices.dimm-no-address");
    }

    fn paused_after_io_error() {
        let (src, dst) = hosts();
        let mut g = small("", "");
        g.state = GuestState::Paused;
        g.state_reason = 5;
        expect(&run(CHECK, &g, &src, &dst), Severity::Warning, "devices.io-error", &["disk I/O error"]);
    }

    fn transient_disk() {
        let (src, dst) = hosts();
        // Copied storage, so that the disks are not also unsafe-storage.
        let report = run_with(CHECK, &kvm_fixture("disk-transient.xml"), &src, &dst, |o| o.non_shared_disk = true);
        let f = expect(&report, Severity::Error, "devices.transient-disk", &["disk vda", "<transient/>"]);
        assert_eq!(detail(&f, "disk"), "vda");
    }

    fn shmem_not_master() {
        let (src, dst) = hosts();
        let report = run(CHECK, &kvm_fixture("shmem-plain-doorbell.xml"), &src, &dst);
        expect(&report, Severity::Error, "devices.shmem-not-master", &["'shmem1'"]);
        assert!(
            report.with_code("devices.shmem-not-master").all(|f| !f.message.contains("'shmem2'")),
            "shmem2 is master"
        );
    }

    fn virtiofs() {
        let (src, dst) = hosts();
        expect(
            &run(CHECK, &kvm_fixture("vhost-user-fs-sock.xml"), &src, &dst),
            Severity::Error,
            "devices.virtiofs",
            &["virtiofs"],
        );
    }

    fn vdpa() {
        let (src, dst) = hosts();
        let g = small(
            "",
            "<interface type='vdpa'><mac address='52:54:00:aa:bb:cc'/><source dev='/dev/vhost-vdpa-0'/></interface>",
        );
        expect(&run(CHECK, &g, &src, &dst), Severity::Error, "devices.vdpa", &["vDPA interface 52:54:00:aa:bb:cc"]);
    }

    fn tpm_passthrough() {
        let (src, dst) = hosts();
        expect(
            &run(CHECK, &kvm_fixture("tpm-passthrough.xml"), &src, &dst),
            Severity::Error,
            "devices.tpm-passthrough",
            &["passthrough TPM"],
        );
    }

    fn unsafe_storage() {
        // qemuMigrationSrcIsSafe: a writable file on a filesystem statfs calls local. An fs pool
        // that mounts ext4 is one.
        let (mut src, dst) = hosts();
        let mut ext4 = pool_at("local", "fs", "/var/lib/libvirt/images");
        ext4.source_format = Some("ext4".into());
        src.pools = Ok(vec![ext4]);
        let g = file_disk("/var/lib/libvirt/images/web.qcow2", "none");
        let f = expect(
            &run(CHECK, &g, &src, &dst),
            Severity::Error,
            "devices.unsafe-storage",
            &["disk vda", "/var/lib/libvirt/images/web.qcow2", "local ext4 filesystem"],
        );
        assert_eq!(detail(&f, "source"), "/var/lib/libvirt/images/web.qcow2");
        assert_eq!(detail(&f, "cleared_by"), "VIR_MIGRATE_UNSAFE");
        // --unsafe: libvirt will not stop it, a risk all the same.
        expect(
            &run_with(CHECK, &g, &src, &dst, |o| o.unsafe_migration = true),
            Severity::Warning,
            "devices.unsafe-storage",
            &["disk vda"],
        );
        // Copied by the migration: safe.
        expect_ok(&run_with(CHECK, &g, &src, &dst, |o| o.non_shared_disk = true), CHECK);
        // The caller's shared directory (qemu.conf's shared_filesystems) overrides statfs.
        let shared = |o: &mut virt_migration_check::Options| o.shared_filesystems = vec!["/var/lib/libvirt".into()];
        expect_ok(&run_with(CHECK, &g, &src, &dst, shared), CHECK);
        // A file under the host's own /dev (devtmpfs) is local; an NVMe disk always unsafe.
        src.pools = Ok(Vec::new());
        expect(&run(CHECK, &file_disk("/dev/loop3", "none"), &src, &dst), Severity::Error, "devices.unsafe-storage", &["/dev"]);
        let nvme = small(
            "",
            "<disk type='nvme' device='disk'><driver name='qemu' type='raw'/><source type='pci' managed='yes' \
                namespace='1'><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>\
                <target dev='vde' bus='virtio'/></disk>",
        );
        expect(&run(CHECK, &nvme, &src, &dst), Severity::Error, "devices.unsafe-storage", &["NVMe"]);
        // libvirt's NFS pool is shared; a GFS2 fs pool is a cluster filesystem.
        src.pools = Ok(vec![pool("pool-netfs.xml", true)]);
        expect_ok(&run(CHECK, &file_disk("/mnt/web.qcow2", "none"), &src, &dst), CHECK);
        let mut gfs2 = pool_at("cluster", "fs", "/gfs");
        gfs2.source_format = Some("gfs2".into());
        src.pools = Ok(vec![gfs2]);
        expect_ok(&run(CHECK, &file_disk("/gfs/web.qcow2", "writeback"), &src, &dst), CHECK);
        // An NFS pool that is not started mounts nothing: the file lies on the filesystem below.
        src.pools = Ok(vec![pool("pool-netfs.xml", false)]);
        expect(&run(CHECK, &file_disk("/mnt/web.qcow2", "none"), &src, &dst), Severity::Warning, "devices.storage-unknown", &["disk vda"]);
        // A type='file' disk is statfs()ed by its path: an LV's path under /dev is devtmpfs to
        // statfs, whatever LVM pool covers it (a type='block' disk there is safe, below).
        src.pools = Ok(vec![pool("pool-logical.xml", true)]);
        expect(&run(CHECK, &file_disk("/dev/HostVG/Swap", "none"), &src, &dst), Severity::Error, "devices.unsafe-storage", &["/dev"]);
    }

    fn block_and_network_disks_are_never_unsafe() {
        // qemuMigrationSrcIsSafe refuses files only: a block device (an LV, a multipath or SCSI
        // device, a raw disk) and network storage pass, whatever pool or filesystem.
        let (mut src, dst) = hosts();
        src.pools = Ok(vec![pool("pool-logical.xml", true)]);
        let block = small(
            "",
            "<disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/HostVG/Swap'/>\
                <target dev='vda' bus='virtio'/></disk>",
        );
        expect_ok(&run(CHECK, &block, &src, &dst), CHECK);
        src.pools = Ok(Vec::new());
        expect_ok(&run(CHECK, &block, &src, &dst), CHECK);
        expect_ok(&run(CHECK, &guest(&fixture("disk-network-rbd.xml")), &src, &dst), CHECK);
        // A volume of an LVM pool is a block device too.
        src.pools = Ok(vec![pool("pool-logical.xml", true)]);
        let volume = small(
            "",
            "<disk type='volume' device='disk'><driver name='qemu' type='raw'/><source pool='HostVG' volume='Swap'/>\
                <target dev='vda' bus='virtio'/></disk>",
        );
        expect_ok(&run(CHECK, &volume, &src, &dst), CHECK);
    }

    fn storage_unknown() {
        // A file in libvirt's dir pool: the directory may be local or an NFS mount (the most
        // common shared storage of all), which only statfs on the source tells.
        let (mut src, dst) = hosts();
        src.pools = Ok(vec![pool("pool-dir.xml", true)]);
        let g = file_disk("/var/lib/libvirt/images/web.qcow2", "none");
        let f = expect(
            &run(CHECK, &g, &src, &dst),
            Severity::Warning,
            "devices.storage-unknown",
            &["disk vda", "/var/lib/libvirt/images/web.qcow2", "dir pool 'virtimages'", "statfs"],
        );
        assert!(f.hint.as_deref().is_some_and(|h| h.contains("--shared-filesystem") && h.contains("netfs")), "{f:?}");
        // Known once the caller names the directory as shared.
        let shared = |o: &mut virt_migration_check::Options| o.shared_filesystems = vec!["/var/lib/libvirt/images/".into()];
        expect_ok(&run_with(CHECK, &g, &src, &dst, shared), CHECK);
        // A prefix that is not a whole directory does not cover it.
        let other = |o: &mut virt_migration_check::Options| o.shared_filesystems = vec!["/var/lib/libvirt/ima".into()];
        expect(&run_with(CHECK, &g, &src, &dst, other), Severity::Warning, "devices.storage-unknown", &["disk vda"]);
        // In no pool at all.
        src.pools = Ok(Vec::new());
        expect(
            &run(CHECK, &file_disk("/srv/web.qcow2", "none"), &src, &dst),
            Severity::Warning,
            "devices.storage-unknown",
            &["disk vda", "/srv/web.qcow2", "no storage pool"],
        );
    }

    fn shared_by_caller() {
        // The caller names the dir pool's directory as shared (qemu.conf's shared_filesystems):
        // libvirt 10.6 and later honour it, nothing to say; libvirt 9.0 decides by statfs alone,
        // which the INFO says.
        let (mut src, dst) = hosts();
        src.pools = Ok(vec![pool("pool-dir.xml", true)]);
        let g = file_disk("/var/lib/libvirt/images/web.qcow2", "none");
        let shared = |o: &mut virt_migration_check::Options| o.shared_filesystems = vec!["/var/lib/libvirt/images".into()];
        src.libvirt_version = Ok(9_000_000);
        let f = expect(
            &run_with(CHECK, &g, &src, &dst, shared),
            Severity::Info,
            "devices.shared-by-caller",
            &["disk vda", "libvirt 9.0.0", "10.6", "statfs"],
        );
        assert_eq!(detail(&f, "shared_directory"), "/var/lib/libvirt/images");
        src.libvirt_version = Ok(11_003_000);
        expect_ok(&run_with(CHECK, &g, &src, &dst, shared), CHECK);
    }

    fn unsafe_cache_on_an_old_qemu() {
        // A shared disk with a write-back cache under a QEMU older than 3.1.
        let (mut src, dst) = hosts();
        src.pools = Ok(vec![pool("pool-netfs.xml", true)]);
        src.hypervisor = Ok(qemu(2_012_000));
        let f = expect(
            &run(CHECK, &file_disk("/mnt/web.qcow2", "writeback"), &src, &dst),
            Severity::Error,
            "devices.unsafe-cache",
            &["disk vda", "'writeback'"],
        );
        assert_eq!(detail(&f, "disk"), "vda");
        src.hypervisor = Ok(qemu(7_002_000));
        expect_ok(&run(CHECK, &file_disk("/mnt/web.qcow2", "writeback"), &src, &dst), CHECK);
    }
}

#[test]
fn a_relative_shared_directory_is_refused_not_ignored() {
    let mut options = virt_migration_check::Options::from_flags(0, virt_migration_check::supported_checks()).unwrap();
    options.shared_filesystems = vec!["images".into()];
    let err = options.validate().unwrap_err().to_string();
    assert!(err.contains("'images' is not an absolute directory"), "{err}");
}
