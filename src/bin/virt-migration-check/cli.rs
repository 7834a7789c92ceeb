// SPDX-License-Identifier: LGPL-2.1-or-later
//! The command line's definition: the subcommands and their options as clap derives them, and
//! nothing that runs a check. It lives apart from `main` so that the man page and the shell
//! completion (examples/man-and-completion.rs) are generated from the very definition the
//! binary parses with.

use std::path::PathBuf;

use clap::builder::{PossibleValue, StringValueParser, TypedValueParser};
use clap::{Args, CommandFactory, Parser, Subcommand};
use virt_migration_check::Check;
use virt_migration_check::facts::Needs;

use crate::virsh;

#[derive(Parser)]
#[command(
    name = "virt-migration-check",
    version,
    about = "Will this libvirt live migration succeed, and if not, exactly why?"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Check whether DOMAIN, running on SRC_URI, can migrate to DESTURI as the `virsh migrate`
    /// options given describe the migration (paste a `virsh migrate` line after `check`), or,
    /// offline, whether --domain-xml can migrate to the host of --dest-snapshot. Connections open
    /// read-write unless -r; only read-only calls are made.
    Check(Box<CheckArgs>),
    /// Take a host snapshot from a connection, or assemble one from saved XML.
    Snapshot(SnapshotArgs),
    /// Which guest can go where, and why not: every guest of the sources against every
    /// destination, each host's facts gathered once; and whether it could come back, restarted
    /// there ("back ok", "back not: ...").
    Matrix(MatrixArgs),
    /// List the checks this build implements.
    Checks,
    /// Compare a guest CPU with a host CPU offline, as libvirt would: IDENTICAL, SUPERSET or
    /// INCOMPATIBLE (exit 0, 0, 1), then the missing or forbidden features; ERROR (exit 2).
    CpuCompare(CpuCompareArgs),
    /// Compute the baseline CPU of several CPUs offline and print it as libvirt would.
    CpuBaseline(CpuBaselineArgs),
    /// The lowest common denominator a guest must use to migrate among hosts (connections or
    /// snapshots); with --apply, a domain rewritten to it. XML comments after the document say,
    /// for each pair of hosts, whether the guest (of --apply as it is, else a host-model guest)
    /// can go and come back.
    Baseline(BaselineArgs),
}

#[derive(Args)]
#[command(override_usage = "virt-migration-check check [-c SRC_URI] [OPTIONS of virsh migrate] DOMAIN DESTURI \
                  [MIGRATEURI [GRAPHICSURI [LISTEN_ADDRESS [DNAME]]]]
       virt-migration-check check [-c SRC_URI] -d DST_URI [OPTIONS] DOMAIN
       virt-migration-check check --domain-xml FILE [--source-snapshot FILE] --dest-snapshot FILE [OPTIONS]")]
pub struct CheckArgs {
    /// Source connection URI (where the domain runs), as virsh's -c. Default: as virsh's,
    /// LIBVIRT_DEFAULT_URI, then libvirt's own default.
    #[arg(short = 'c', long = "connect", value_name = "SRC_URI", conflicts_with_all = OFFLINE_FORM)]
    pub source: Option<String>,
    /// Destination connection URI, in place of the positional DESTURI.
    #[arg(short = 'd', long = "dest", value_name = "DST_URI", conflicts_with_all = OFFLINE_FORM)]
    pub destination: Option<String>,
    /// DOMAIN DESTURI [MIGRATEURI [GRAPHICSURI [LISTEN_ADDRESS [DNAME]]]], filled as virsh fills
    /// them: each goes to the first not given by name (--domain, --desturi, --migrateuri ...).
    /// DOMAIN is a name, UUID or ID on the source; DESTURI the destination's connection URI, which
    /// this tool opens from where it runs (with --p2p, virsh's DESTURI is the one the source host
    /// opens: give a URI both can reach).
    #[arg(value_name = "ARGS", conflicts_with_all = OFFLINE_FORM)]
    pub positionals: Vec<String>,
    /// The domain, named as virsh's --domain (in place of the positional DOMAIN).
    #[arg(long = "domain", value_name = "DOMAIN", conflicts_with_all = OFFLINE_FORM)]
    pub named_domain: Option<String>,
    /// The destination, named as virsh's --desturi (in place of the positional DESTURI).
    #[arg(long = "desturi", value_name = "DESTURI", conflicts_with_all = OFFLINE_FORM, conflicts_with = "destination")]
    pub named_desturi: Option<String>,
    /// Offline: the guest's domain XML (as `virsh dumpxml` prints it).
    #[arg(long = "domain-xml", value_name = "FILE", requires = "dest_snapshot")]
    pub domain_xml: Option<PathBuf>,
    /// Offline: the source host's snapshot (optional).
    #[arg(long = "source-snapshot", value_name = "FILE", requires = "domain_xml")]
    pub source_snapshot: Option<PathBuf>,
    /// Offline: the destination host's snapshot.
    #[arg(long = "dest-snapshot", value_name = "FILE", requires = "domain_xml")]
    pub dest_snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub selection: Selection,
    #[command(flatten)]
    pub judged: virsh::Judged,
    #[command(flatten)]
    pub tuning: virsh::Tuning,
}

/// The arguments of the offline form, which the connection form's exclude.
pub const OFFLINE_FORM: [&str; 3] = ["domain_xml", "source_snapshot", "dest_snapshot"];

#[derive(Args)]
pub struct CpuCompareArgs {
    /// libvirt's cpu_map directory (default: the newest libvirt's the library carries, 11.3).
    #[arg(long = "cpu-map", value_name = "DIR")]
    pub cpu_map: Option<PathBuf>,
    /// XML holding the host CPU: a <cpu>, capabilities, domain capabilities (host-model).
    pub host: PathBuf,
    /// XML holding the guest CPU: a <cpu>, domain XML, domain capabilities.
    pub guest: PathBuf,
}

#[derive(Args)]
pub struct CpuBaselineArgs {
    /// libvirt's cpu_map directory (default: the newest libvirt's the library carries, 11.3).
    #[arg(long = "cpu-map", value_name = "DIR")]
    pub cpu_map: Option<PathBuf>,
    /// List every feature of the model explicitly (VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES).
    #[arg(long = "expand-features")]
    pub expand_features: bool,
    /// Drop features that block migration (VIR_CONNECT_BASELINE_CPU_MIGRATABLE).
    #[arg(long)]
    pub migratable: bool,
    /// Files holding <cpu> elements (bare, several in a wrapper, capabilities, domain XML ...).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Args)]
pub struct MatrixArgs {
    /// A source connection URI (repeatable): its guests are checked. A source that cannot be
    /// reached fills its rows with the reason. Default: as virsh's, LIBVIRT_DEFAULT_URI, then
    /// libvirt's own default.
    #[arg(short = 'c', long = "connect", value_name = "SRC_URI")]
    pub sources: Vec<String>,
    /// A destination: a connection URI, or a host snapshot file (repeatable). A destination
    /// that cannot be reached fills its column with the reason.
    #[arg(short = 'd', long = "dest", value_name = "DST", required = true)]
    pub destinations: Vec<String>,
    /// Only these guests (name, UUID or ID; repeatable); one that no source has is an error.
    /// Default: every running guest of the sources.
    #[arg(long = "domain", value_name = "NAME")]
    pub domains: Vec<String>,
    /// Also write the matrix as one self-contained HTML page to FILE: guests by destinations,
    /// each cell coloured by its verdict, its reasons one click away (no JavaScript, nothing
    /// fetched from the network). The table or JSON on standard output and the exit status stay
    /// as they are.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub modifiers: MatrixModifiers,
    #[command(flatten)]
    pub selection: Selection,
}

#[derive(Args)]
pub struct BaselineArgs {
    /// A host's connection URI (repeatable; opened read-write unless -r, only read-only calls
    /// are made).
    #[arg(short = 'c', long = "connect", value_name = "URI", required_unless_present = "snapshots")]
    pub uris: Vec<String>,
    #[command(flatten)]
    pub access: Access,
    /// A host snapshot file (repeatable), in place of connections.
    #[arg(long = "snapshot", value_name = "FILE", conflicts_with = "uris")]
    pub snapshots: Vec<PathBuf>,
    /// Print DOMAIN.xml rewritten to the baseline instead of the baseline; the baseline is then
    /// for the guest's own arch, virt type, emulator and machine type unless chosen here.
    #[arg(long, value_name = "DOMAIN.xml")]
    pub apply: Option<PathBuf>,
    /// The virt type the baseline is for (kvm, qemu ...); every host must offer it. Default:
    /// with --apply the guest's, else kvm where every host offers it, else qemu.
    #[arg(long = "virt-type", value_name = "TYPE")]
    pub virt_type: Option<String>,
    /// The guest arch the baseline is for. Default: with --apply the guest's, else the hosts'.
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,
    /// Allow hosts of different CPU vendors (a vendor-neutral CPU).
    #[arg(long = "vendor-neutral")]
    pub vendor_neutral: bool,
    /// libvirt's cpu_map directory to read every host's CPU with (default: each host's own libvirt release's map, of the 9.0 and 11.3 maps the library carries).
    #[arg(long = "cpu-map", value_name = "DIR")]
    pub cpu_map: Option<PathBuf>,
    /// Print JSON (docs/schemas/baseline.schema.json): the baseline as fields and as its XML
    /// (baseline.xml), the rewritten domain (with --apply), the host pairs the domain can
    /// migrate between one way only, and every pair of hosts both ways ("pairs").
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct SnapshotArgs {
    /// Connection URI of the host to snapshot (opened read-write unless -r; only read-only calls
    /// are made). Default, without --capabilities: as virsh's, LIBVIRT_DEFAULT_URI, then
    /// libvirt's own default.
    #[arg(short = 'c', long = "connect", value_name = "URI", conflicts_with = "capabilities")]
    pub uri: Option<String>,
    /// Assemble from saved `virsh capabilities` output instead.
    #[arg(long, value_name = "FILE")]
    pub capabilities: Option<PathBuf>,
    /// The host's name (`virsh hostname`), recorded in an assembled snapshot: with the same
    /// URI, it is the evidence that two snapshots of hosts reporting no host UUID are one host.
    #[arg(long, value_name = "NAME", requires = "capabilities")]
    pub hostname: Option<String>,
    /// Saved `virsh domcapabilities` output (repeatable).
    #[arg(long = "domain-capabilities", value_name = "FILE", requires = "capabilities")]
    pub domain_capabilities: Vec<PathBuf>,
    /// Saved `virsh net-dumpxml` output (repeatable).
    #[arg(long = "network", value_name = "FILE", requires = "capabilities")]
    pub networks: Vec<PathBuf>,
    /// Saved `virsh pool-dumpxml` output (repeatable).
    #[arg(long = "pool", value_name = "FILE", requires = "capabilities")]
    pub pools: Vec<PathBuf>,
    /// Saved `virsh vol-dumpxml` output (repeatable); each goes to the pool that holds its path.
    #[arg(long = "volume", value_name = "FILE", requires = "capabilities")]
    pub volumes: Vec<PathBuf>,
    /// Saved `virsh iface-dumpxml` output (repeatable).
    #[arg(long = "interface", value_name = "FILE", requires = "capabilities")]
    pub interfaces: Vec<PathBuf>,
    /// Saved `virsh nodedev-dumpxml` output (repeatable).
    #[arg(long = "nodedev", value_name = "FILE", requires = "capabilities")]
    pub node_devices: Vec<PathBuf>,
    #[command(flatten)]
    pub access: Access,
    /// Write the snapshot here instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The migration modifiers of `matrix`, which has no virsh line to take them from: our
/// VIR_MIGRATION_CHECK_OFFLINE, _NON_SHARED_DISK and _UNSAFE bits.
#[derive(Args)]
pub struct MatrixModifiers {
    /// Plan an offline (cold) migration: free memory is not considered.
    #[arg(long)]
    pub offline: bool,
    /// Storage will be copied (virsh migrate --copy-storage-all).
    #[arg(long = "copy-storage-all")]
    pub copy_storage_all: bool,
    /// The migration will pass --unsafe.
    #[arg(long = "unsafe")]
    pub unsafe_migration: bool,
}

/// virt-migration-check's own options, in `check` and `matrix`.
#[derive(Args)]
#[command(next_help_heading = "virt-migration-check's own options")]
pub struct Selection {
    /// Comma-separated checks to run (default: all this build implements), e.g. network,disk.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = CheckNames)]
    pub checks: Vec<String>,
    /// Report every warning as an error.
    #[arg(long)]
    pub strict: bool,
    /// Print JSON: the report (check: docs/schemas/report.schema.json) or the matrix
    /// (docs/schemas/matrix.schema.json); a run that fails prints an error object
    /// (docs/schemas/error.schema.json) and exits 2.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub access: Access,
    /// Memory that must remain free on the destination after the guest arrives: KiB, or with a
    /// unit (512M, 2G). Default: the larger of 512 MiB and 5% of the destination's memory.
    #[arg(long = "memory-headroom", value_name = "SIZE")]
    pub memory_headroom: Option<String>,
    /// libvirt's cpu_map directory to judge every host's CPUs with (default: each destination's own libvirt release's map, of the 9.0 and 11.3 maps the library carries).
    #[arg(long = "cpu-map", value_name = "DIR")]
    pub cpu_map: Option<PathBuf>,
    /// How long to wait for the hosts to answer, in seconds (0: for ever). A host that does not
    /// answer in time (a stopped or hung libvirtd) makes `check` fail with exit status 2; in
    /// `matrix`, it fills its cells with the reason. (--timeout is virsh migrate's.)
    #[arg(long = "host-timeout", value_name = "SECONDS", default_value_t = 60.0)]
    pub host_timeout: f64,
    /// A directory on storage both hosts share (repeat for each), as qemu.conf's
    /// shared_filesystems (libvirt 10.6 and later): a disk file under it is shared, and the same
    /// path on both hosts is the same file unless the volumes prove otherwise. libvirt before
    /// 10.6 decides by the filesystem (statfs) alone: name only NFS, CIFS, GFS2, OCFS2, CephFS,
    /// GPFS, glusterfs ... directories there.
    #[arg(long = "shared-filesystem", value_name = "DIR")]
    pub shared_filesystems: Vec<String>,
}

/// How connections open: read-write as virsh's (the default), or read-only with -r.
#[derive(Args, Clone, Copy)]
pub struct Access {
    /// Open the connections read-only. libvirt refuses domain capabilities and the CPU
    /// comparison on read-only connections, so the checks that need them are weaker (SKIPPED,
    /// or judged by the library's own CPU engine alone).
    #[arg(short = 'r', long = "readonly")]
    pub readonly: bool,
    /// The default, kept so that scripts written for older versions work: open the connections
    /// read-write (the library still makes only read-only calls).
    #[arg(long = "read-write", conflicts_with = "readonly")]
    pub read_write: bool,
}

/// The command line as the binary parses it, with the help's closing paragraph on how
/// connections open (on the top level and on the subcommands that open connections): what
/// `--help`, the man page and the completion all show.
pub fn command() -> clap::Command {
    let help = connection_help();
    let mut command = Cli::command().after_help(help.clone());
    for name in ["check", "snapshot", "matrix", "baseline"] {
        command = command.mut_subcommand(name, |sub| sub.after_help(help.clone()));
    }
    command
}

/// The help's closing paragraph: how connections open and what -r costs, with the checks from
/// the table.
fn connection_help() -> String {
    format!(
        "Connections open read-write, as virsh's do, to -c URI or else libvirt's default (LIBVIRT_DEFAULT_URI, \
         then libvirt's own choice); the library makes only read-only calls either way. libvirt refuses domain \
         capabilities and the hypervisor's CPU comparison on read-only connections, so -r/--readonly (or a \
         read-write open refused for lack of rights, which falls back to read-only with one line on stderr) \
         makes these checks weaker: {}.",
        weakened_by_read_only().join(", ")
    )
}

/// The checks a read-only connection weakens: those that read domain capabilities or the
/// hypervisor's CPU comparison, which libvirt serves only to read-write connections. Derived
/// from the table of checks, so a new check that needs them is listed too.
pub fn weakened_by_read_only() -> Vec<&'static str> {
    let read_write_only = Needs::DOMAIN_CAPABILITIES | Needs::CPU_COMPARISON;
    let supported = virt_migration_check::supported_checks();
    Check::ALL
        .iter()
        .filter(|check| supported.contains(check.bit()))
        .filter(|check| {
            let (src, dst) = virt_migration_check::checks::needs(check.bit());
            (src | dst).intersects(read_write_only)
        })
        .map(|check| check.name())
        .collect()
}

/// The names `--checks` takes, from the table of checks: clap lists them in the help, the man
/// page and the completion. Parsing stays as it was (`Selection::checks` in main): any string
/// is taken here and judged there, case-insensitively and with empty entries ignored, and an
/// unknown name gets our own message.
#[derive(Clone)]
pub struct CheckNames;

impl TypedValueParser for CheckNames {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(Check::ALL.iter().map(|check| PossibleValue::new(check.name()).help(check.doc()))))
    }
}
