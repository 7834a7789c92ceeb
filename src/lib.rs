// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt-migration-check: will this live migration succeed, and if not, exactly why?
//!
//! Data flows one way: **gather → snapshot → facts → checks → report → surface**.
//! `libvirt::gather` reads a guest and fills a snapshot of each host (`facts::Snapshot`: libvirt's
//! documents as printed, only those the selected checks need, each fetched once per call) through
//! read-only libvirt calls; `xml::snapshot::host` turns a snapshot, live or read from a
//! `<hostSnapshot>` file, into the facts the checks read, so a host is judged the same either way;
//! the checks in `checks` judge the facts without talking to libvirt, and `report` orders what
//! they found. The C API (`ffi`) and the command-line tool are thin layers over the functions
//! below.
//!
//! ```no_run
//! use virt::connect::Connect;
//! let src = Connect::open_read_only(Some("qemu:///system")).unwrap();
//! let dst = Connect::open_read_only(Some("qemu+ssh://dst/system")).unwrap();
//! let dom = src.lookup_domain_by_name("web1").unwrap();
//! let report = virt_migration_check::check(&src, &dst, &dom, 0).unwrap();
//! for finding in report.errors() {
//!     println!("{}: {}", finding.code, finding.message);
//! }
//! ```

pub mod baseline;
pub mod check_table;
pub mod checks;
pub mod clock;
pub mod codes;
pub mod cpu;
pub mod deadline;
pub mod error;
pub mod facts;
pub mod ffi;
pub mod flags;
pub mod fleet;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod libvirt;
pub mod migration;
pub mod report;
pub mod xml;

pub use clock::now_rfc3339;
pub use error::Error;
pub use facts::{Guest, Host};
pub use flags::{Check, Flags, Options};
pub use report::{Finding, Report, Severity, Value, Verdict};

use virt::connect::Connect;
use virt::domain::Domain;

/// The selection bits of every check this build implements.
pub fn supported_checks() -> Flags {
    checks::supported()
}

/// Checks whether `dom`, running on `src`, can migrate to `dst`. `flags` are
/// `virMigrationCheckFlags` bits (0: every implemented check). The handles are borrowed.
pub fn check(src: &Connect, dst: &Connect, dom: &Domain, flags: u32) -> Result<Report, Error> {
    let options = Options::from_flags(flags, supported_checks())?;
    check_with_options(src, dst, dom, &options)
}

/// `check` with options already validated. Waits at most `options.timeout` for the hosts
/// (see [`deadline`]).
pub fn check_with_options(src: &Connect, dst: &Connect, dom: &Domain, options: &Options) -> Result<Report, Error> {
    options.validate()?;
    // The worker's own references (virConnectRef, virDomainRef) outlive a caller that gave up.
    let (src, dst, dom, opts) = (src.clone(), dst.clone(), dom.clone(), options.clone());
    let what = match dom.name() {
        Ok(name) => format!("the check of '{name}'"),
        Err(_) => "the check".to_string(),
    };
    deadline::run(options.timeout, &what, move || check_now(&src, &dst, &dom, &opts))
}

fn check_now(src: &Connect, dst: &Connect, dom: &Domain, options: &Options) -> Result<Report, Error> {
    for (conn, which) in [(src, "source"), (dst, "destination")] {
        if !libvirt::gather::is_alive(conn) {
            return Err(Error::invalid(format!("the {which} connection is closed")));
        }
    }
    if !libvirt::gather::domain_belongs_to(dom, src) {
        return Err(Error::invalid("the domain does not belong to the source connection"));
    }
    let guest = libvirt::gather::guest_for(dom, options.migration.as_ref(), options.checks)?;
    if let Some(ttl) = options.cache {
        // Cached, guest-independent host facts: no per-guest lookups, no hypervisor CPU
        // comparison (the engine judges the CPU).
        let src_host = libvirt::cache::host(src, ttl)?;
        let dst_host = libvirt::cache::host(dst, ttl)?;
        return Ok(check_facts(&guest, &src_host, &dst_host, options));
    }
    let (src_needs, dst_needs) = checks::needs(options.checks);
    // Both hosts asked at the same time: the check waits for the slower one, not for both. The
    // destination's facts are those of the guest as it will be defined there.
    let (src_host, dst_host) = std::thread::scope(|scope| {
        let dst_host = scope.spawn(|| libvirt::gather::host(dst, dst_needs, guest.on_destination()));
        let src_host = libvirt::gather::host(src, src_needs, &guest.def);
        (src_host, dst_host.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    Ok(check_facts(&guest, &src_host?, &dst_host?, options))
}

/// Checks the migration exactly as the caller will run it: `migration` holds the
/// `VIR_MIGRATE_*` flags and the `VIR_MIGRATE_PARAM_*` parameters it will pass to
/// `virDomainMigrate3`, and the source is the domain's own connection. `checks` holds the
/// selection bits (0: every implemented check) and the STRICT and CACHE modifiers; our OFFLINE,
/// NON_SHARED_DISK and UNSAFE bits are an error there, since the migration's own flags say
/// those. The handles are borrowed.
pub fn check3(dom: &Domain, dst: &Connect, migration: &migration::Migration, checks: u32) -> Result<Report, Error> {
    let options = options3(migration, checks)?;
    let src = dom.connect().map_err(|e| Error::libvirt("virDomainGetConnect", &e))?;
    check_with_options(&src, dst, dom, &options)
}

/// `check3` with options already validated (a CPU map, a memory headroom, a timeout): their
/// selection bits and STRICT and CACHE modifiers are taken as `check3`'s `checks` (so their
/// migration modifiers must be unset), and the migration modifiers come from `migration`.
pub fn check3_with_options(
    dom: &Domain,
    dst: &Connect,
    migration: &migration::Migration,
    options: &Options,
) -> Result<Report, Error> {
    let from_migration = options3(migration, options.to_flags().bits())?;
    let options = Options {
        offline: from_migration.offline,
        non_shared_disk: from_migration.non_shared_disk,
        unsafe_migration: from_migration.unsafe_migration,
        migration: from_migration.migration,
        ..options.clone()
    };
    let src = dom.connect().map_err(|e| Error::libvirt("virDomainGetConnect", &e))?;
    check_with_options(&src, dst, dom, &options)
}

/// The options of a `check3` call: `checks` validated as `check` does, with the migration
/// modifiers taken from the migration's flags.
pub fn options3(migration: &migration::Migration, checks: u32) -> Result<Options, Error> {
    let from_flags = Flags::OFFLINE | Flags::NON_SHARED_DISK | Flags::UNSAFE;
    if checks & from_flags.bits() != 0 {
        return Err(Error::invalid(format!(
            "checks 0x{:x}: OFFLINE, NON_SHARED_DISK and UNSAFE come from the VIR_MIGRATE_* flags \
             (VIR_MIGRATE_OFFLINE, VIR_MIGRATE_NON_SHARED_DISK/INC, VIR_MIGRATE_UNSAFE), not from checks",
            checks & from_flags.bits()
        )));
    }
    migration.validate()?;
    let mut options = Options::from_flags(checks, supported_checks())?;
    options.offline = migration.has(migration::OFFLINE);
    options.non_shared_disk = migration.copies_storage();
    options.unsafe_migration = migration.has(migration::UNSAFE);
    options.migration = Some(migration.clone());
    Ok(options)
}

/// Runs the selected checks on facts already gathered (or read from elsewhere).
pub fn check_facts(guest: &Guest, src: &Host, dst: &Host, options: &Options) -> Report {
    checks::run(guest, src, dst, options)
}

/// A complete snapshot of the host behind `conn` (read-only calls only).
/// Waits at most [`deadline::DEFAULT_TIMEOUT`] for the host.
pub fn snapshot(conn: &Connect) -> Result<facts::Snapshot, Error> {
    if !libvirt::gather::is_alive(conn) {
        return Err(Error::invalid("the connection is closed"));
    }
    let conn = conn.clone();
    deadline::run(Some(deadline::DEFAULT_TIMEOUT), "the host snapshot", move || {
        libvirt::gather::snapshot(&conn, &now_rfc3339())
    })
}

/// The snapshot of the host behind `conn` as `<hostSnapshot>` XML.
pub fn snapshot_xml(conn: &Connect) -> Result<String, Error> {
    Ok(xml::snapshot::write(&snapshot(conn)?))
}

/// Checks a guest given by its domain XML against host snapshots, with no connection at all.
/// `src_snapshot` may be None: source facts then come from the domain XML alone, and the checks
/// that need more say so (SKIPPED). The guest is taken to be running.
pub fn check_xml(
    domain_xml: &str,
    src_snapshot: Option<&str>,
    dst_snapshot: &str,
    flags: u32,
) -> Result<Report, Error> {
    let options = Options::from_flags(flags, supported_checks())?;
    check_xml_with_options(domain_xml, src_snapshot, dst_snapshot, &options)
}

/// `check_xml` with options already validated (a CPU map directory, say).
pub fn check_xml_with_options(
    domain_xml: &str,
    src_snapshot: Option<&str>,
    dst_snapshot: &str,
    options: &Options,
) -> Result<Report, Error> {
    options.validate()?;
    let mut guest = Guest::from_definition(xml::domain::parse_domain(domain_xml, "domain XML")?);
    if let Some(migration) = &options.migration {
        guest.destination = migration.dest_xml.as_deref().map(|dest| xml::abi::destination(domain_xml, dest));
        guest.persistent_xml = migration.persist_xml.as_deref().map(xml::abi::persistent);
    }
    let dst = snapshot_host(dst_snapshot, "destination snapshot")?;
    let src = match src_snapshot {
        Some(text) => snapshot_host(text, "source snapshot")?,
        None => Host::without_facts(
            "",
            facts::Unavailable::new("no source snapshot", "no source snapshot was given (--source-snapshot)"),
        ),
    };
    Ok(check_facts(&guest, &src, &dst, options))
}

/// The facts of a `<hostSnapshot>` document. `document` names it in errors ("destination
/// snapshot"): only a text that is not a snapshot at all is one; a broken document inside it
/// makes its facts unavailable, as on a live host.
pub fn snapshot_host(text: &str, document: &str) -> Result<Host, Error> {
    xml::snapshot::read_host(text, document)
}

/// The lowest common denominator of the hosts in `snapshots` (host snapshot documents).
pub fn baseline_xml(snapshots: &[&str], options: &baseline::BaselineOptions) -> Result<baseline::Baseline, Error> {
    let hosts = snapshots
        .iter()
        .enumerate()
        .map(|(i, text)| {
            Ok(baseline::HostSummary::from_host(&snapshot_host(text, &format!("host snapshot #{}", i + 1))?))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    baseline::compute(&hosts, options)
}

/// The lowest common denominator of the hosts behind `conns` (a snapshot of each, read-only).
/// The CPU is the hosts' own (virConnectBaselineHypervisorCPU on each) where every host's driver
/// offers that call, cross-checked with ours (`Baseline::cpu_cross_check`).
pub fn baseline_connections(
    conns: &[&Connect],
    options: &baseline::BaselineOptions,
) -> Result<baseline::Baseline, Error> {
    let snapshots = conns.iter().map(|c| snapshot(c)).collect::<Result<Vec<_>, Error>>()?;
    baseline_live(conns, &snapshots, options)
}

/// As [`baseline_connections`], with the snapshots of `conns` already taken (`snapshots[i]` of
/// `conns[i]`).
pub fn baseline_live(
    conns: &[&Connect],
    snapshots: &[facts::Snapshot],
    options: &baseline::BaselineOptions,
) -> Result<baseline::Baseline, Error> {
    if conns.len() != snapshots.len() {
        return Err(Error::invalid("one snapshot per connection is needed"));
    }
    let mut hosts: Vec<baseline::HostSummary> =
        snapshots.iter().map(|s| baseline::HostSummary::from_host(&xml::snapshot::host(s))).collect();
    let target = baseline::target(&hosts, options)?;
    if target.emulator.is_some() || target.machine.is_some() {
        guest_domain_capabilities(conns, &mut hosts, &target)?;
    }
    let mut result = baseline::compute(&hosts, options)?;
    if let Some(request) = baseline::hypervisor_request(&hosts, options)? {
        // Every host asked at once, each on its own worker, all under one deadline: a host that
        // does not answer is recorded as unable to, and the library's baseline stands for it.
        const CALL: &str = "virConnectBaselineHypervisorCPU";
        let until = Some(std::time::Instant::now() + deadline::DEFAULT_TIMEOUT);
        let pending: Vec<_> = conns
            .iter()
            .map(|conn| {
                let conn = (*conn).clone();
                let (emulator, arch, virt_type) =
                    (request.emulator.clone(), request.arch.clone(), request.virt_type.clone());
                let (cpu_xmls, keep) = (request.cpu_xmls.clone(), request.keep_non_migratable);
                deadline::spawn(move || {
                    Ok(libvirt::gather::hypervisor_cpu_baseline(
                        &conn,
                        emulator.as_deref(),
                        &arch,
                        &virt_type,
                        &cpu_xmls,
                        keep,
                    ))
                })
            })
            .collect();
        let answers = pending
            .into_iter()
            .map(|answer| {
                answer.wait(until, CALL).unwrap_or_else(|e| Err(facts::Unavailable::new(CALL, e.to_string())))
            })
            .collect();
        baseline::adopt_hypervisor_answers(&mut result, &hosts, answers, options)?;
    }
    Ok(result)
}

/// Each live host's domain capabilities for the guest's own emulator and machine type (those of
/// a whole snapshot are the default emulator's, for the default and the newest machine of each
/// family), put first among the host's, where the baseline reads them. A machine type the host
/// lacks is asked without (the baseline moves the guest to a common one); a host that refuses
/// the call whatever is asked keeps its snapshot's; a host that refuses the guest's emulator,
/// arch or virt type is an error naming it: the guest cannot start there.
fn guest_domain_capabilities(
    conns: &[&Connect],
    hosts: &mut [baseline::HostSummary],
    target: &baseline::Target,
) -> Result<(), Error> {
    for (conn, host) in conns.iter().zip(hosts.iter_mut()) {
        let (conn, t) = ((*conn).clone(), target.clone());
        let answer = deadline::run(Some(deadline::DEFAULT_TIMEOUT), "virConnectGetDomainCapabilities", move || {
            let ask = |machine: Option<&str>| {
                libvirt::gather::guest_domain_capabilities(&conn, t.emulator.as_deref(), &t.arch, machine, &t.virt_type)
            };
            Ok(match ask(t.machine.as_deref()) {
                Err(_) if t.machine.is_some() => ask(None),
                answer => answer,
            })
        })?;
        match answer {
            Ok(Ok(text)) => {
                let document = format!("domain capabilities of {}", host.name);
                host.domain_capabilities.insert(0, xml::domcaps::parse_domain_capabilities(&text, &document)?);
            }
            Ok(Err(_refused)) => {}
            Err(message) => {
                return Err(Error::invalid(format!(
                    "host '{}' cannot run a guest of emulator '{}', arch '{}', virt type '{}': {message}",
                    host.name,
                    target.emulator.as_deref().unwrap_or("(default)"),
                    target.arch,
                    target.virt_type
                )));
            }
        }
    }
    Ok(())
}

/// This library's version: major * 1,000,000 + minor * 1,000 + micro.
pub fn version() -> u64 {
    let part = |s: &str| s.parse::<u64>().unwrap_or(0);
    part(env!("CARGO_PKG_VERSION_MAJOR")) * 1_000_000
        + part(env!("CARGO_PKG_VERSION_MINOR")) * 1_000
        + part(env!("CARGO_PKG_VERSION_PATCH"))
}
