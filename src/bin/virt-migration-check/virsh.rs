// SPDX-License-Identifier: LGPL-2.1-or-later
//! `virsh migrate`'s options, with virsh's names and meanings, so that an administrator can paste
//! a `virsh migrate` line after `virt-migration-check check`.
//!
//! The table follows virsh's own: `opts_migrate`, `cmdMigrate` and `doMigrate` in
//! tools/virsh-domain.c (libvirt 9.0, as its `virsh help migrate` lists them, and 11.3, which adds
//! `--comp-zlib-level`, `--comp-zstd-level`, `--available-switchover-bandwidth` and
//! `--migrate-disks-detect-zeroes` for the parameters 9.4 and 10.x introduced). Each boolean but
//! `--direct` sets the `VIR_MIGRATE_*` flag `doMigrate` sets for it; `--migrate-disks`, `--xml`, `--persistent-xml`
//! and `--dname` give the parameters the library judges. The other options only tune how the
//! migration runs (bandwidths, compression, ports, URIs, what virsh does on a timeout): they are
//! accepted, typed as virsh types them, and change nothing in the prediction.

use std::path::PathBuf;

use clap::Args;
use virt_migration_check::Error;
use virt_migration_check::migration::{self, Migration};

/// The options that make up the migration the library judges: its `VIR_MIGRATE_*` flags and the
/// `VIR_MIGRATE_PARAM_*` parameters that change a prediction.
#[derive(Args, Debug, Default)]
#[command(next_help_heading = "virsh migrate options (the migration the check judges)")]
pub struct Judged {
    /// Live migration (VIR_MIGRATE_LIVE).
    #[arg(long, conflicts_with = "offline")]
    pub live: bool,
    /// Offline migration: the persistent definition only (VIR_MIGRATE_OFFLINE; libvirt requires
    /// --persistent with it).
    #[arg(long)]
    pub offline: bool,
    /// Peer-to-peer migration (VIR_MIGRATE_PEER2PEER).
    #[arg(long)]
    pub p2p: bool,
    /// Tunnelled migration (VIR_MIGRATE_TUNNELLED; libvirt requires --p2p with it).
    #[arg(long)]
    pub tunnelled: bool,
    /// Persist the guest on the destination (VIR_MIGRATE_PERSIST_DEST).
    #[arg(long)]
    pub persistent: bool,
    /// Undefine the guest on the source (VIR_MIGRATE_UNDEFINE_SOURCE).
    #[arg(long)]
    pub undefinesource: bool,
    /// Do not restart the guest on the destination (VIR_MIGRATE_PAUSED).
    #[arg(long)]
    pub suspend: bool,
    /// Copy the whole of every disk (VIR_MIGRATE_NON_SHARED_DISK).
    #[arg(long = "copy-storage-all")]
    pub copy_storage_all: bool,
    /// Copy the disks incrementally, their base images shared (VIR_MIGRATE_NON_SHARED_INC).
    #[arg(long = "copy-storage-inc")]
    pub copy_storage_inc: bool,
    /// Write the guest's disk writes to the destination synchronously
    /// (VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES; with --copy-storage-all or -inc).
    #[arg(long = "copy-storage-synchronous-writes")]
    pub copy_storage_synchronous_writes: bool,
    /// No configuration change until the migration ends (VIR_MIGRATE_CHANGE_PROTECTION).
    #[arg(long = "change-protection")]
    pub change_protection: bool,
    /// Force the migration even if libvirt deems it unsafe (VIR_MIGRATE_UNSAFE).
    #[arg(long = "unsafe")]
    pub unsafe_migration: bool,
    /// Compress repeated pages (VIR_MIGRATE_COMPRESSED).
    #[arg(long)]
    pub compressed: bool,
    /// Force convergence (VIR_MIGRATE_AUTO_CONVERGE).
    #[arg(long = "auto-converge")]
    pub auto_converge: bool,
    /// Pin all memory for RDMA (VIR_MIGRATE_RDMA_PIN_ALL).
    #[arg(long = "rdma-pin-all")]
    pub rdma_pin_all: bool,
    /// Abort on soft errors (VIR_MIGRATE_ABORT_ON_ERROR).
    #[arg(long = "abort-on-error")]
    pub abort_on_error: bool,
    /// Enable post-copy (VIR_MIGRATE_POSTCOPY).
    #[arg(long)]
    pub postcopy: bool,
    /// Resume a failed post-copy migration (VIR_MIGRATE_POSTCOPY_RESUME).
    #[arg(long = "postcopy-resume", requires = "postcopy")]
    pub postcopy_resume: bool,
    /// Use TLS (VIR_MIGRATE_TLS).
    #[arg(long)]
    pub tls: bool,
    /// Parallel (multifd) migration (VIR_MIGRATE_PARALLEL).
    #[arg(long)]
    pub parallel: bool,
    /// Zero-copy memory pages (VIR_MIGRATE_ZEROCOPY; libvirt requires --parallel with it).
    #[arg(long)]
    pub zerocopy: bool,
    /// Comma-separated targets of the disks to copy (VIR_MIGRATE_PARAM_MIGRATE_DISKS): the
    /// others must be shared storage.
    #[arg(long = "migrate-disks", value_name = "LIST")]
    pub migrate_disks: Option<String>,
    /// File holding the guest's XML for the destination (VIR_MIGRATE_PARAM_DEST_XML), read as
    /// virsh reads it.
    #[arg(long = "xml", value_name = "FILE")]
    pub xml: Option<PathBuf>,
    /// File holding the persistent XML for the destination (VIR_MIGRATE_PARAM_PERSIST_XML).
    #[arg(long = "persistent-xml", value_name = "FILE", requires = "persistent")]
    pub persistent_xml: Option<PathBuf>,
    /// The guest's name on the destination (VIR_MIGRATE_PARAM_DEST_NAME); also the sixth
    /// positional argument.
    #[arg(long, value_name = "NAME")]
    pub dname: Option<String>,
    /// Direct migration (no flag). With --p2p it changes nothing, as in virsh; without, the
    /// check stops (exit status 2): libvirt's QEMU driver refuses direct migration, which the
    /// library does not judge.
    #[arg(long)]
    pub direct: bool,
}

/// The options that tune how the migration runs without changing whether it can: accepted so
/// that a virsh line pastes whole, typed as virsh types them.
#[derive(Args, Debug, Default)]
#[command(next_help_heading = "virsh migrate options that do not change the verdict")]
pub struct Tuning {
    /// Display the migration's progress.
    #[arg(long)]
    pub verbose: bool,
    /// What virsh does when a live migration takes longer than SECONDS: suspend the guest, or
    /// switch to post-copy (--timeout-*). Our own wait for the hosts is --host-timeout.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u32>,
    /// Suspend the guest after --timeout.
    #[arg(long = "timeout-suspend", conflicts_with = "timeout_postcopy")]
    pub timeout_suspend: bool,
    /// Switch to post-copy after --timeout.
    #[arg(long = "timeout-postcopy")]
    pub timeout_postcopy: bool,
    /// Switch to post-copy after one pass of pre-copy.
    #[arg(long = "postcopy-after-precopy", requires = "postcopy")]
    pub postcopy_after_precopy: bool,
    /// Migration URI (VIR_MIGRATE_PARAM_URI); also the third positional argument.
    #[arg(long, value_name = "URI")]
    pub migrateuri: Option<String>,
    /// Graphics URI (VIR_MIGRATE_PARAM_GRAPHICS_URI); also the fourth positional argument.
    #[arg(long, value_name = "URI")]
    pub graphicsuri: Option<String>,
    /// Address the destination listens on (VIR_MIGRATE_PARAM_LISTEN_ADDRESS); also the fifth
    /// positional argument.
    #[arg(long = "listen-address", value_name = "ADDRESS")]
    pub listen_address: Option<String>,
    /// Port for the disks' copy (VIR_MIGRATE_PARAM_DISKS_PORT).
    #[arg(long = "disks-port", value_name = "PORT")]
    pub disks_port: Option<i32>,
    /// URI for the disks' copy (VIR_MIGRATE_PARAM_DISKS_URI).
    #[arg(long = "disks-uri", value_name = "URI")]
    pub disks_uri: Option<String>,
    /// Comma-separated compression methods (VIR_MIGRATE_PARAM_COMPRESSION).
    #[arg(long = "comp-methods", value_name = "LIST")]
    pub comp_methods: Option<String>,
    /// Multithread compression level (VIR_MIGRATE_PARAM_COMPRESSION_MT_LEVEL).
    #[arg(long = "comp-mt-level", value_name = "N")]
    pub comp_mt_level: Option<i32>,
    /// Compression threads (VIR_MIGRATE_PARAM_COMPRESSION_MT_THREADS).
    #[arg(long = "comp-mt-threads", value_name = "N")]
    pub comp_mt_threads: Option<i32>,
    /// Decompression threads (VIR_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS).
    #[arg(long = "comp-mt-dthreads", value_name = "N")]
    pub comp_mt_dthreads: Option<i32>,
    /// xbzrle page cache size (VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE).
    #[arg(long = "comp-xbzrle-cache", value_name = "BYTES")]
    pub comp_xbzrle_cache: Option<u64>,
    /// zlib compression level (VIR_MIGRATE_PARAM_COMPRESSION_ZLIB_LEVEL).
    #[arg(long = "comp-zlib-level", value_name = "N")]
    pub comp_zlib_level: Option<i32>,
    /// zstd compression level (VIR_MIGRATE_PARAM_COMPRESSION_ZSTD_LEVEL).
    #[arg(long = "comp-zstd-level", value_name = "N")]
    pub comp_zstd_level: Option<i32>,
    /// Initial CPU throttling for auto-convergence (VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL).
    #[arg(long = "auto-converge-initial", value_name = "PERCENT")]
    pub auto_converge_initial: Option<i32>,
    /// Throttling increment for auto-convergence (VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT).
    #[arg(long = "auto-converge-increment", value_name = "PERCENT")]
    pub auto_converge_increment: Option<i32>,
    /// Post-copy bandwidth limit in MiB/s (VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY).
    #[arg(long = "postcopy-bandwidth", value_name = "MiB/s")]
    pub postcopy_bandwidth: Option<u64>,
    /// Bandwidth limit in MiB/s (VIR_MIGRATE_PARAM_BANDWIDTH).
    #[arg(long, value_name = "MiB/s")]
    pub bandwidth: Option<u64>,
    /// Bandwidth available for the switchover in MiB/s
    /// (VIR_MIGRATE_PARAM_BANDWIDTH_AVAIL_SWITCHOVER).
    #[arg(long = "available-switchover-bandwidth", value_name = "MiB/s")]
    pub available_switchover_bandwidth: Option<u64>,
    /// Connections of a parallel migration (VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS).
    #[arg(long = "parallel-connections", value_name = "N")]
    pub parallel_connections: Option<i32>,
    /// Host name to verify the destination's TLS certificate against
    /// (VIR_MIGRATE_PARAM_TLS_DESTINATION).
    #[arg(long = "tls-destination", value_name = "HOST")]
    pub tls_destination: Option<String>,
    /// Comma-separated disks whose zero blocks are detected during the copy
    /// (VIR_MIGRATE_PARAM_MIGRATE_DISKS_DETECT_ZEROES).
    #[arg(long = "migrate-disks-detect-zeroes", value_name = "LIST")]
    pub migrate_disks_detect_zeroes: Option<String>,
}

/// The positional arguments after the options, as virsh fills them: each goes to the first of
/// DOMAIN, DESTURI, MIGRATEURI, GRAPHICSURI, LISTEN_ADDRESS and DNAME not given by name
/// (`--domain`, `--desturi`, `--migrateuri` ...), one that is left over is an error ("unexpected
/// data", virsh's vshCommandParse).
pub struct Positionals {
    pub domain: Option<String>,
    pub desturi: Option<String>,
    pub migrateuri: Option<String>,
    pub graphicsuri: Option<String>,
    pub listen_address: Option<String>,
    pub dname: Option<String>,
}

impl Positionals {
    /// Fills the slots not given by name from `values`, in virsh's order.
    pub fn fill(mut self, values: &[String]) -> Result<Positionals, Error> {
        let mut values = values.iter();
        for slot in [
            &mut self.domain,
            &mut self.desturi,
            &mut self.migrateuri,
            &mut self.graphicsuri,
            &mut self.listen_address,
            &mut self.dname,
        ] {
            if slot.is_none() {
                *slot = values.next().cloned();
            }
        }
        match values.next() {
            Some(extra) => Err(Error::invalid(format!("unexpected data '{extra}'"))),
            None => Ok(self),
        }
    }
}

/// virsh's own refusals of the line, before it calls libvirt (cmdMigrate and doMigrate, 9.0 and
/// 11.3), in its words; the mutually exclusive and required options clap already refuses. And
/// the one line the library cannot judge: --direct without --p2p.
pub fn refuse_as_virsh(judged: &Judged, tuning: &Tuning) -> Result<(), Error> {
    let timeout = tuning.timeout.unwrap_or(0);
    if timeout > 0 && !judged.live {
        return Err(Error::invalid("migrate: Unexpected timeout for offline migration"));
    }
    if timeout == 0 && (tuning.timeout_suspend || tuning.timeout_postcopy) {
        return Err(Error::invalid("migrate: Unexpected --timeout-* option without --timeout"));
    }
    // virsh calls virDomainMigrateToURI3 without VIR_MIGRATE_PEER2PEER, and libvirt's
    // virDomainMigrateUnmanagedParams needs the driver's VIR_DRV_FEATURE_MIGRATION_DIRECT, which
    // the QEMU driver does not offer (9.0 and 11.3; the bed's real virsh fails with these words).
    // The library has no such refusal, so rather than a verdict that would hide it, no verdict.
    if judged.direct && !judged.p2p {
        return Err(Error::Unsupported(
            "--direct without --p2p: libvirt's QEMU driver refuses direct migration (\"direct migration is not \
             supported by the source host\"), which this tool does not judge"
                .into(),
        ));
    }
    if judged.copy_storage_synchronous_writes && !judged.copy_storage_all && !judged.copy_storage_inc {
        return Err(Error::invalid(
            "'--copy-storage-synchronous-writes' requires one of '--copy-storage-all', 'copy-storage-inc'",
        ));
    }
    Ok(())
}

/// The migration a virsh line describes: the flags doMigrate sets, and the parameters the
/// library judges. `dname` is `--dname` or the sixth positional argument. `--xml` and
/// `--persistent-xml` are read here, as virsh reads them (virFileReadAll: a file that cannot be
/// read is an error naming it).
pub fn migration(judged: &Judged, dname: Option<String>) -> Result<Migration, Error> {
    let flags = [
        (judged.live, migration::LIVE),
        (judged.p2p, migration::PEER2PEER),
        (judged.tunnelled, migration::TUNNELLED),
        (judged.persistent, migration::PERSIST_DEST),
        (judged.undefinesource, migration::UNDEFINE_SOURCE),
        (judged.suspend, migration::PAUSED),
        (judged.copy_storage_all, migration::NON_SHARED_DISK),
        (judged.copy_storage_inc, migration::NON_SHARED_INC),
        (judged.copy_storage_synchronous_writes, migration::NON_SHARED_SYNCHRONOUS_WRITES),
        (judged.change_protection, migration::CHANGE_PROTECTION),
        (judged.unsafe_migration, migration::UNSAFE),
        (judged.compressed, migration::COMPRESSED),
        (judged.auto_converge, migration::AUTO_CONVERGE),
        (judged.rdma_pin_all, migration::RDMA_PIN_ALL),
        (judged.offline, migration::OFFLINE),
        (judged.abort_on_error, migration::ABORT_ON_ERROR),
        (judged.postcopy, migration::POSTCOPY),
        (judged.postcopy_resume, migration::POSTCOPY_RESUME),
        (judged.tls, migration::TLS),
        (judged.parallel, migration::PARALLEL),
        (judged.zerocopy, migration::ZEROCOPY),
    ]
    .into_iter()
    .filter(|(set, _)| *set)
    .fold(0, |acc, (_, bit)| acc | bit);
    let read = |option: &str, path: &PathBuf| {
        std::fs::read_to_string(path)
            .map_err(|e| Error::invalid(format!("{option}: cannot read file '{}': {e}", path.display())))
    };
    let migrate_disks = match &judged.migrate_disks {
        // virsh refuses an empty option argument (vshCommandOptStringReq).
        Some(list) if list.is_empty() => {
            return Err(Error::invalid("Failed to get option 'migrate-disks': Option argument is empty"));
        }
        Some(list) => Some(list.split(',').map(str::to_string).collect()),
        None => None,
    };
    Ok(Migration {
        flags,
        migrate_disks,
        dest_name: dname,
        dest_xml: judged.xml.as_ref().map(|p| read("--xml", p)).transpose()?,
        persist_xml: judged.persistent_xml.as_ref().map(|p| read("--persistent-xml", p)).transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    fn empty() -> Positionals {
        Positionals {
            domain: None,
            desturi: None,
            migrateuri: None,
            graphicsuri: None,
            listen_address: None,
            dname: None,
        }
    }

    #[test]
    fn positionals_fill_the_slots_not_named() {
        let p = empty().fill(&strings(&["web1", "qemu://dst", "tcp://x"])).unwrap();
        assert_eq!(
            (p.domain.as_deref(), p.desturi.as_deref(), p.migrateuri.as_deref()),
            (Some("web1"), Some("qemu://dst"), Some("tcp://x"))
        );
        // `--domain web1 qemu://dst`: the first positional is the destination, as in virsh.
        let named = Positionals { domain: Some("web1".into()), ..empty() };
        let p = named.fill(&strings(&["qemu://dst", "tcp://x", "spice://y", "1.2.3.4", "new"])).unwrap();
        assert_eq!((p.desturi.as_deref(), p.dname.as_deref()), (Some("qemu://dst"), Some("new")));
        let err = empty().fill(&strings(&["a", "b", "c", "d", "e", "f", "g"])).err().unwrap();
        assert!(err.to_string().contains("unexpected data 'g'"), "{err}");
    }

    #[test]
    fn every_flag_option_sets_its_flag() {
        let all = Judged {
            live: true,
            offline: true,
            p2p: true,
            tunnelled: true,
            persistent: true,
            undefinesource: true,
            suspend: true,
            copy_storage_all: true,
            copy_storage_inc: true,
            copy_storage_synchronous_writes: true,
            change_protection: true,
            unsafe_migration: true,
            compressed: true,
            auto_converge: true,
            rdma_pin_all: true,
            abort_on_error: true,
            postcopy: true,
            postcopy_resume: true,
            tls: true,
            parallel: true,
            zerocopy: true,
            ..Judged::default()
        };
        assert_eq!(migration(&all, None).unwrap().flags, migration::KNOWN_FLAGS);
        let m = migration(&Judged { migrate_disks: Some("vda,vdb".into()), ..Judged::default() }, Some("n".into()))
            .unwrap();
        assert_eq!(m.migrate_disks, Some(vec!["vda".to_string(), "vdb".to_string()]));
        assert_eq!(m.dest_name.as_deref(), Some("n"));
        let err =
            migration(&Judged { xml: Some("/nonexistent/web1.xml".into()), ..Judged::default() }, None).err().unwrap();
        assert!(err.to_string().contains("--xml: cannot read file '/nonexistent/web1.xml'"), "{err}");
    }
}
