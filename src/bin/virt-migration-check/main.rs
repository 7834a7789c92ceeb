// SPDX-License-Identifier: LGPL-2.1-or-later
//! virt-migration-check: the command-line face of the library, a thin layer over its Rust API.
//!
//! `check` speaks `virsh migrate`: `check [-c SRC] [options of virsh migrate] DOMAIN DESTURI
//! [MIGRATEURI ...]` takes virsh's options with their names and meanings (the `virsh` module), so
//! that a pasted `virsh migrate` line is judged as the migration it runs: the library's `check3`
//! with the `VIR_MIGRATE_*` flags and parameters virsh would pass. The options that only tune how
//! a migration runs are accepted and change nothing; virsh's `--timeout` is one of them, and our
//! wait for the hosts is `--host-timeout`. The older `-d DST_URI DOMAIN` form means the same.
//!
//! Exit status: 0 when the verdict is ok, info or warning, 1 when it is error (an ERROR, or under
//! --strict a WARNING or a check that could not run), 2 when the check could not run at all
//! (with a one-line reason on stderr; under --json also an error object on stdout, json.rs).
//!
//! Connections open as virsh opens them: read-write (the library still makes only read-only
//! calls), to the URI of `-c` or else libvirt's default (`LIBVIRT_DEFAULT_URI`, then libvirt's
//! own choice), and read-only with `-r`. libvirt refuses domain capabilities and the
//! hypervisor's CPU comparison and baseline on read-only connections (`virCheckReadOnlyGoto` in
//! `virConnectGetDomainCapabilities`, `virConnectCompareHypervisorCPU`,
//! `virConnectBaselineHypervisorCPU`, 9.0 and 11.3), so a read-only connection weakens the
//! checks that need them.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use virt::connect::Connect;
use virt::domain::Domain;
use virt_migration_check::migration::Migration;
use virt_migration_check::{Check, Error, Flags, Options, Report, Severity, Verdict};

mod cli;
mod html;
mod json;
mod virsh;

use cli::{
    Access, BaselineArgs, CheckArgs, Cli, Command, CpuBaselineArgs, CpuCompareArgs, MatrixArgs, MatrixModifiers,
    Selection, SnapshotArgs,
};

impl MatrixModifiers {
    fn flags(&self) -> Flags {
        let mut flags = Flags::empty();
        flags.set(Flags::OFFLINE, self.offline);
        flags.set(Flags::NON_SHARED_DISK, self.copy_storage_all);
        flags.set(Flags::UNSAFE, self.unsafe_migration);
        flags
    }
}

impl Selection {
    /// The options of a call with these selection bits and `modifiers`, tuned by our own
    /// options (CPU map, host timeout, memory headroom, shared directories).
    fn options(&self, modifiers: Flags) -> Result<Options, Error> {
        let mut options =
            Options::from_flags((self.checks()? | modifiers).bits(), virt_migration_check::supported_checks())?;
        options.cpu_map = self.cpu_map.clone();
        if !self.host_timeout.is_finite() || self.host_timeout < 0.0 {
            return Err(Error::invalid(format!("--host-timeout {} is not a number of seconds", self.host_timeout)));
        }
        options.timeout = (self.host_timeout > 0.0).then(|| std::time::Duration::from_secs_f64(self.host_timeout));
        if let Some(size) = &self.memory_headroom {
            let split = size.find(|c: char| !c.is_ascii_digit()).unwrap_or(size.len());
            let (number, unit) = size.split_at(split);
            let kib =
                virt_migration_check::xml::dom::scaled_to_kib(number, Some(unit).filter(|u| !u.is_empty()), "KiB")
                    .ok_or_else(|| {
                        Error::invalid(format!("--memory-headroom '{size}' is not a size (KiB, or 512M, 2G ...)"))
                    })?;
            options.memory_headroom_kib = Some(kib);
        }
        for dir in &self.shared_filesystems {
            if !dir.starts_with('/') {
                return Err(Error::invalid(format!("--shared-filesystem '{dir}' is not an absolute directory")));
            }
        }
        options.shared_filesystems = self.shared_filesystems.clone();
        Ok(options)
    }

    /// The selection bits of --checks, and STRICT.
    fn checks(&self) -> Result<Flags, Error> {
        let mut flags = Flags::empty();
        for name in self.checks.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            let check = Check::from_name(&name.to_ascii_lowercase())
                .ok_or_else(|| Error::invalid(format!("unknown check '{name}' (see `virt-migration-check checks`)")))?;
            flags |= check.bit();
        }
        flags.set(Flags::STRICT, self.strict);
        Ok(flags)
    }
}

/// Whether a read-write open failed for lack of rights, where a read-only open may still
/// succeed (virsh's users then pass -r): the daemon's authentication or access control refused
/// it (polkit, SASL, ACLs), or the read-write socket's permissions did (libvirt's
/// virNetSocketNewConnectUNIX reports "Failed to connect socket to '...': Permission denied"
/// as a system error; the read-only socket `libvirt-sock-ro` is open to all).
fn refused_for_rights(e: &virt::error::Error) -> bool {
    use virt::enumutil::Enum;
    use virt::error::ErrorNumber;
    match e.code() {
        Enum::Known(
            ErrorNumber::AuthFailed
            | ErrorNumber::AuthCancelled
            | ErrorNumber::AuthUnavailable
            | ErrorNumber::AccessDenied
            | ErrorNumber::OperationDenied,
        ) => true,
        Enum::Known(ErrorNumber::SystemError) => e.message().contains("Permission denied"),
        _ => false,
    }
}

/// The URI to name in messages: `-c`'s, or libvirt's default.
fn uri_name(uri: Option<&str>) -> String {
    match uri {
        Some(uri) => format!("'{uri}'"),
        None => "of libvirt's default URI".to_string(),
    }
}

/// Opens `uri` (None: libvirt's default, as virsh) read-write unless `access` says -r; a
/// read-write open refused for lack of rights falls back to read-only, saying on one line of
/// stderr which checks that weakens.
fn open(uri: Option<&str>, which: &str, access: Access) -> Result<Connect, Error> {
    let failed = |e: virt::error::Error| {
        let mut error = Error::libvirt(&format!("opening the {which} connection {}", uri_name(uri)), &e);
        // libvirt's words for a string without a scheme are "no connection driver available for
        // URI 'x' does not include a driver name": say what the string is not. (Without ':' it
        // can only be an alias of libvirt.conf's uri_aliases, which libvirt has then not found.)
        if let (Some(uri), Error::Libvirt { message, .. }) = (uri, &mut error)
            && !uri.contains(':')
        {
            *message = format!("'{uri}' is {NOT_A_URI}, and libvirt knows no alias of that name ({message})");
        }
        error
    };
    if !access.readonly {
        match Connect::open(uri) {
            Ok(conn) => return Ok(conn),
            Err(e) if refused_for_rights(&e) => {
                let conn = Connect::open_read_only(uri).map_err(failed)?;
                eprintln!(
                    "virt-migration-check: the {which} connection {} opened read-only ({}): weaker checks, as \
                     libvirt refuses domain capabilities and the CPU comparison on read-only connections: {}",
                    uri_name(uri),
                    e.message(),
                    cli::weakened_by_read_only().join(", ")
                );
                return Ok(conn);
            }
            Err(e) => return Err(failed(e)),
        }
    }
    Connect::open_read_only(uri).map_err(failed)
}

/// What a string without a scheme is not, in messages.
const NOT_A_URI: &str = "not a libvirt URI (one starts with its driver, as qemu:///system or qemu+ssh://host/system)";

/// Looks DOMAIN up as virsh does: by name, then by UUID or ID where the string has that form.
/// A domain no lookup finds is "failed to get domain 'x'", as virsh says it, with libvirt's
/// words of the lookup by name ("Domain not found: no domain with matching name 'x'"), not of a
/// UUID lookup the string was never meant for.
fn lookup(conn: &Connect, name: &str) -> Result<Domain, Error> {
    use virt::enumutil::Enum;
    let absent = |e: &virt::error::Error| matches!(e.code(), Enum::Known(virt::error::ErrorNumber::NoDomain));
    let failed = |e: &virt::error::Error| Error::libvirt(&format!("failed to get domain '{name}'"), e);
    let by_name = match conn.lookup_domain_by_name(name) {
        Ok(dom) => return Ok(dom),
        Err(e) if !absent(&e) => return Err(failed(&e)),
        Err(e) => e,
    };
    // libvirt's virUUIDParse takes 32 hex digits, dashes between them allowed.
    let uuid_form = name.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        && name.chars().filter(char::is_ascii_hexdigit).count() == 32;
    let other = if uuid_form {
        Some(conn.lookup_domain_by_uuid_string(name))
    } else {
        name.parse::<u32>().ok().map(|id| conn.lookup_domain_by_id(id))
    };
    match other {
        Some(Ok(dom)) => Ok(dom),
        Some(Err(e)) if !absent(&e) => Err(failed(&e)),
        _ => Err(failed(&by_name)),
    }
}

fn read_file(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::invalid(format!("cannot read '{}': {e}", path.display())))
}

/// Runs `check`: the migration its virsh options describe, judged by the library's `check3` (or,
/// offline, by the same checks on saved documents), whichever form names the hosts.
fn run_check(args: &CheckArgs) -> Result<Report, Error> {
    virsh::refuse_as_virsh(&args.judged, &args.tuning)?;
    let named = virsh::Positionals {
        domain: args.named_domain.clone(),
        desturi: args.named_desturi.clone().or_else(|| args.destination.clone()),
        migrateuri: args.tuning.migrateuri.clone(),
        graphicsuri: args.tuning.graphicsuri.clone(),
        listen_address: args.tuning.listen_address.clone(),
        dname: args.judged.dname.clone(),
    };
    // Our -d is not virsh's: it names the destination, and the one positional is the domain.
    if let Some(destination) = &args.destination {
        let domains = usize::from(args.named_domain.is_none());
        if let Some(extra) = args.positionals.get(domains) {
            return Err(Error::invalid(format!(
                "-d '{destination}' and the positional DESTURI '{extra}' both name the destination: give one"
            )));
        }
    }
    let filled = named.fill(&args.positionals)?;
    let migration = virsh::migration(&args.judged, filled.dname)?;
    let options = args.selection.options(Flags::empty())?;
    if let (Some(domain_xml), Some(dest)) = (&args.domain_xml, &args.dest_snapshot) {
        let source = args.source_snapshot.as_deref().map(read_file).transpose()?;
        return virt_migration_check::check_xml_with_options(
            &read_file(domain_xml)?,
            source.as_deref(),
            &read_file(dest)?,
            &with_migration(&options, &migration)?,
        );
    }
    let (Some(domain), Some(destination)) = (&filled.domain, &filled.desturi) else {
        return Err(Error::invalid(
            "give [-c SRC_URI] [virsh migrate options] DOMAIN DESTURI, [-c SRC_URI] -d DST_URI DOMAIN, \
             or --domain-xml FILE --dest-snapshot FILE",
        ));
    };
    let access = args.selection.access;
    let src = open(args.source.as_deref(), "source", access)?;
    let dst = open(Some(destination), "destination", access)?;
    let dom = lookup(&src, domain)?;
    virt_migration_check::check3_with_options(&dom, &dst, &migration, &options)
}

/// `options` for `migration`, as `check3_with_options` makes them: the migration modifiers from
/// its flags (the offline form's checks then judge its flags and parameters too).
fn with_migration(options: &Options, migration: &Migration) -> Result<Options, Error> {
    let from_migration = virt_migration_check::options3(migration, options.to_flags().bits())?;
    Ok(Options {
        offline: from_migration.offline,
        non_shared_disk: from_migration.non_shared_disk,
        unsafe_migration: from_migration.unsafe_migration,
        migration: from_migration.migration,
        ..options.clone()
    })
}

fn run_snapshot(args: &SnapshotArgs) -> Result<(), Error> {
    let text = match (&args.uri, &args.capabilities) {
        (uri, None) => virt_migration_check::snapshot_xml(&open(uri.as_deref(), "snapshot", args.access)?)?,
        (_, Some(caps)) => {
            let load = |paths: &[PathBuf]| -> Result<Vec<(String, String)>, Error> {
                paths.iter().map(|p| Ok((p.display().to_string(), read_file(p)?))).collect()
            };
            let saved = virt_migration_check::xml::snapshot::SavedDocuments {
                capabilities: (caps.display().to_string(), read_file(caps)?),
                domain_capabilities: load(&args.domain_capabilities)?,
                networks: load(&args.networks)?,
                pools: load(&args.pools)?,
                volumes: load(&args.volumes)?,
                interfaces: load(&args.interfaces)?,
                node_devices: load(&args.node_devices)?,
            };
            let uri = format!("file://{}", std::fs::canonicalize(caps).unwrap_or(caps.clone()).display());
            let mut snapshot =
                virt_migration_check::xml::snapshot::assemble(&saved, &uri, &virt_migration_check::now_rfc3339())?;
            if let Some(name) = &args.hostname {
                snapshot.hostname = Ok(name.clone());
            }
            virt_migration_check::xml::snapshot::write(&snapshot)
        }
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| Error::invalid(format!("cannot write '{}': {e}", path.display())))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

fn load_cpus(path: &Path) -> Result<Vec<virt_migration_check::facts::CpuDef>, Error> {
    virt_migration_check::xml::cpu::parse_cpus(&read_file(path)?, &path.display().to_string())
}

/// Prints the comparison; the exit status is 0 (identical, superset) or 1 (incompatible).
fn run_cpu_compare(args: &CpuCompareArgs) -> Result<ExitCode, Error> {
    use virt_migration_check::cpu::compare::{Comparison, compare};
    let map = virt_migration_check::cpu::CpuMap::cached(args.cpu_map.as_deref())?;
    let host = load_cpus(&args.host)?.remove(0);
    let guest = load_cpus(&args.guest)?.remove(0);
    let outcome = compare(&map, &host, &guest)?;
    println!("{}", outcome.result.name());
    if let Some(reason) = &outcome.reason {
        println!("reason: {reason}");
    }
    for (what, list) in [("missing", &outcome.missing), ("forbidden", &outcome.forbidden), ("extra", &outcome.extra)] {
        if !list.is_empty() {
            println!("{what}: {}", list.join(" "));
        }
    }
    Ok(if outcome.result == Comparison::Incompatible { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn run_cpu_baseline(args: &CpuBaselineArgs) -> Result<ExitCode, Error> {
    use virt_migration_check::cpu::baseline::{baseline, expand};
    let map = virt_migration_check::cpu::CpuMap::cached(args.cpu_map.as_deref())?;
    let mut cpus = Vec::new();
    for file in &args.files {
        cpus.extend(load_cpus(file)?);
    }
    let mut cpu = baseline(&map, &cpus, args.migratable)?;
    if args.expand_features {
        cpu = expand(&map, &cpu)?;
    }
    print!("{}", virt_migration_check::cpu::format::format_guest_cpu(&cpu));
    Ok(ExitCode::SUCCESS)
}

fn run_baseline(args: &BaselineArgs) -> Result<ExitCode, Error> {
    use virt_migration_check::baseline::{self, BaselineOptions};
    let mut options = BaselineOptions {
        vendor_neutral: args.vendor_neutral,
        cpu_map: args.cpu_map.clone(),
        virt_type: args.virt_type.clone(),
        arch: args.arch.clone(),
        ..Default::default()
    };
    // With --apply, the baseline is for the guest as it is: its arch, virt type, emulator and
    // machine type, where not chosen on the command line.
    let domain = args.apply.as_deref().map(read_file).transpose()?;
    if let Some(text) = &domain {
        let def = virt_migration_check::xml::domain::parse_domain(text, "domain XML")?;
        options = options.for_guest(&def);
    }
    // Snapshots, read from files or taken now: the one-way analysis checks among them. Live
    // hosts are also asked for their hypervisors' own baseline CPU.
    let (names, texts, result) = if args.snapshots.is_empty() {
        let conns: Vec<Connect> =
            args.uris.iter().map(|u| open(Some(u), "host", args.access)).collect::<Result<_, _>>()?;
        let snapshots = conns.iter().map(virt_migration_check::snapshot).collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&Connect> = conns.iter().collect();
        let result = virt_migration_check::baseline_live(&refs, &snapshots, &options)?;
        let texts: Vec<String> = snapshots.iter().map(virt_migration_check::xml::snapshot::write).collect();
        (args.uris.clone(), texts, result)
    } else {
        let mut pairs = Vec::new();
        for path in &args.snapshots {
            pairs.push((path.display().to_string(), read_file(path)?));
        }
        let (names, texts): (Vec<String>, Vec<String>) = pairs.into_iter().unzip();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let result = virt_migration_check::baseline_xml(&refs, &options)?;
        (names, texts, result)
    };
    let document = baseline::write(&result);
    let rewritten = domain.as_deref().map(|d| baseline::apply(d, &result)).transpose()?;
    // Both ways between every pair of hosts: for the guest of --apply as it is (before the
    // rewrite, which is what makes it go both ways), else for a host-model guest of the
    // baseline's arch and virt type, whose CPU is the one that differs between hosts.
    let mut check_options = Options::from_flags(0, virt_migration_check::supported_checks())?;
    check_options.cpu_map = args.cpu_map.clone();
    let (guest_xml, which) = match (&domain, &args.apply) {
        (Some(d), Some(path)) => (d.clone(), format!("the guest of {} as it is", path.display())),
        _ => (
            baseline::both_ways::host_model_guest_xml(&result.arch, &result.virt_type),
            format!("a host-model guest ({}, {})", result.virt_type, result.arch),
        ),
    };
    let pairs = baseline::both_ways_xml(&guest_xml, &texts, &check_options)?;
    if args.json {
        // "one_way" as before: only for the guest of --apply.
        let mut one_way: Vec<(usize, usize)> = match &domain {
            Some(_) => pairs.iter().filter_map(baseline::Pair::one_way).collect(),
            None => Vec::new(),
        };
        one_way.sort();
        let one_way: Vec<serde_json::Value> =
            one_way.into_iter().map(|(a, b)| serde_json::json!({"from": names[a], "to": names[b]})).collect();
        let pairs_json: Vec<serde_json::Value> = pairs
            .iter()
            .map(|p| {
                serde_json::json!({
                    "hosts": [names[p.go.from], names[p.go.to]],
                    "go": baseline::both_ways::direction_json(&p.go, &names),
                    "back": baseline::both_ways::direction_json(&p.back, &names),
                })
            })
            .collect();
        json::print(&json::versioned(serde_json::json!({
            "arch": result.arch,
            "virt_type": result.virt_type,
            "baseline": json::baseline(&result, &document),
            "domain": rewritten,
            "one_way": one_way,
            "pairs_guest": which,
            "pairs": pairs_json,
        })));
    } else {
        // The pairs are XML comments after the document's root element: stdout stays one
        // well-formed document (the XML grammar allows comments after the root), which
        // `virsh define` and `--apply` users pipe or save as it is, and which says, where it is
        // saved, which hosts the guest could go to and come back from.
        let mut out = rewritten.unwrap_or(document);
        if !out.ends_with('\n') {
            out.push('\n');
        }
        let comment = |text: &str| format!("<!-- {} -->\n", text.replace("--", "- -"));
        out.push_str(&comment(&format!(
            "libvirt-migration-check: both ways between each pair of hosts, for {which} (compatibility checks):"
        )));
        for pair in &pairs {
            out.push_str(&comment(&baseline::both_ways::pair_line(pair, &names)));
        }
        print!("{out}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Every guest of the sources against every destination, on the library's fleet engine. Exit
/// status: 0 when every pair was checked and none has the verdict error, 1 when one has or could
/// not be checked, 2 when no pair could be checked (the matrix is still printed, saying why) or
/// the arguments are unusable (an unknown --domain, an unreadable snapshot file).
fn run_matrix(args: &MatrixArgs) -> Result<ExitCode, Error> {
    use virt_migration_check::fleet::{Guests, HostSource, check_matrix_both_ways};
    let options = args.selection.options(args.modifiers.flags())?;
    let access = args.selection.access;
    // The fleet opens each URI itself, under the deadline; the CLI first decides, host by host,
    // whether it can be opened read-write (falling back as `open` does).
    let read_write = |uri: &str, which: &str| read_write_for(uri, which, access, args.selection.host_timeout);
    // Without -c, libvirt's default URI, as virsh: opened here, the fleet borrows it.
    let default_source = args.sources.is_empty().then(|| open(None, "source", access)).transpose()?;
    let sources: Vec<HostSource> = match &default_source {
        Some(conn) => vec![HostSource::Connection(conn)],
        None => args.sources.iter().map(|uri| HostSource::Uri { uri, read_write: read_write(uri, "source") }).collect(),
    };
    // A destination naming a file is a host snapshot, read as `check --dest-snapshot` reads one.
    // One that names no file and has no scheme is neither: a missing snapshot file, rather than
    // a URI libvirt would refuse with "no connection driver available" (only a name of letters,
    // digits, '_' and '-' can be an alias of libvirt.conf's uri_aliases, and goes to libvirt).
    for d in &args.destinations {
        let alias_form = d.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !d.contains(':') && !alias_form && !Path::new(d).exists() {
            return Err(Error::invalid(format!("destination '{d}': no such host snapshot file, and {NOT_A_URI}")));
        }
    }
    let documents: Vec<Option<String>> = args
        .destinations
        .iter()
        .map(|d| Path::new(d).is_file().then(|| read_file(Path::new(d))).transpose())
        .collect::<Result<_, _>>()?;
    let destinations: Vec<HostSource> = args
        .destinations
        .iter()
        .zip(&documents)
        .map(|(d, doc)| match doc {
            Some(document) => HostSource::Snapshot { name: d, document },
            None => HostSource::Uri { uri: d, read_write: read_write(d, "destination") },
        })
        .collect();
    let guests = if args.domains.is_empty() { Guests::Running } else { Guests::Named(&args.domains) };
    let matrix = check_matrix_both_ways(&sources, guests, &destinations, &options)?;
    if matrix.guests.is_empty() {
        return Err(Error::invalid("no guest to check on the sources"));
    }
    if let Some(path) = &args.html {
        html::write(path, &matrix)?;
    }
    if args.selection.json {
        json::print(&json::versioned(matrix_json(&matrix)));
    } else {
        print_matrix(&matrix);
    }
    let cells: Vec<&Result<Report, Error>> = matrix.cells.iter().flatten().collect();
    if cells.iter().all(|c| c.is_err()) {
        eprintln!("virt-migration-check: no pair could be checked");
        return Ok(ExitCode::from(2));
    }
    let blocked = cells.iter().any(|c| c.as_ref().map_or(true, |r| r.verdict() == Verdict::Error));
    Ok(if blocked { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Whether the fleet should open `uri` read-write: not with -r, nor when a read-write open is
/// refused for lack of rights (said on stderr by `open`). A host that fails otherwise, or does
/// not answer within `timeout` seconds, is left read-write: the fleet then reports it in its
/// cells, under its own deadline.
fn read_write_for(uri: &str, which: &str, access: Access, timeout: f64) -> bool {
    if access.readonly {
        return false;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let (uri_owned, which_owned) = (uri.to_string(), which.to_string());
    std::thread::spawn(move || {
        let refused = match Connect::open(Some(&uri_owned)) {
            // Dropping the connection closes it.
            Ok(_conn) => false,
            Err(e) => refused_for_rights(&e) && open(Some(&uri_owned), &which_owned, access).is_ok(),
        };
        let _ = tx.send(refused);
    });
    let refused = match timeout > 0.0 {
        true => rx.recv_timeout(std::time::Duration::from_secs_f64(timeout)).unwrap_or(false),
        false => rx.recv().unwrap_or(false),
    };
    !refused
}

/// `{"guests", "sources", "hosts", "cells"}` (with `schema_version`, docs/schemas/matrix.schema.json;
/// printed also when no pair could be checked, exit status 2): one cell per pair, row by row, each with its
/// guest, source and host (destination), and either its verdict and report (`error` null,
/// `error_code` 0) or, when the pair could not be checked, `verdict` null, the reason in
/// `error` and its virMigrationCheckErrorCode in `error_code` (6: a host did not answer in time).
/// `back` is the way back, `{"from", "to", "goes", "verdict", "summary", "report"}`, or null
/// where it was not judged (the destination is the guest's source, or the cell is an error).
fn matrix_json(matrix: &virt_migration_check::fleet::Matrix) -> serde_json::Value {
    let cells: Vec<serde_json::Value> = matrix
        .cells
        .iter()
        .enumerate()
        .flat_map(|(g, row)| row.iter().enumerate().map(move |(h, c)| (g, h, c)))
        .map(|(g, h, c)| {
            let mut cell = serde_json::json!({
                "guest": matrix.guests[g],
                "source": matrix.sources[g],
                "host": matrix.hosts[h],
            });
            // The way back (the guest restarted on the destination, checked destination ->
            // source by the compatibility checks), where it was judged.
            let back = matrix.back.get(g).and_then(|row| row.get(h)).and_then(Option::as_ref).map(|r| {
                serde_json::json!({
                    "from": matrix.hosts[h],
                    "to": matrix.sources[g],
                    "goes": r.errors().next().is_none(),
                    "verdict": r.verdict().name(),
                    "summary": virt_migration_check::baseline::both_ways::in_words(r),
                    "report": r.to_json(),
                })
            });
            let fields = match c {
                Ok(r) => serde_json::json!({"verdict": r.verdict().name(), "error": null, "error_code": 0, "report": r.to_json(), "back": back}),
                Err(e) => serde_json::json!({"verdict": null, "error": e.to_string(), "error_code": e.code(), "back": null}),
            };
            if let (Some(cell), serde_json::Value::Object(fields)) = (cell.as_object_mut(), fields) {
                cell.extend(fields);
            }
            cell
        })
        .collect();
    serde_json::json!({"guests": matrix.guests, "sources": matrix.sources, "hosts": matrix.hosts, "cells": cells})
}

/// One line per pair under a header row, every column as wide as its widest entry (URIs of any
/// length stay aligned); DETAILS holds the ERROR codes, the WARNING codes of a warning, then the
/// checks that could not run ("could not verify: disk_model"), then whether the guest could come
/// back to its source once restarted on the destination ("back ok", "back not: ..."), or why the
/// pair was not checked. (The way back is the last part of DETAILS rather than a column of its
/// own: scripts that read the five columns keep working.)
fn print_matrix(matrix: &virt_migration_check::fleet::Matrix) {
    let mut lines: Vec<[String; 5]> = vec![["GUEST", "SOURCE", "DESTINATION", "VERDICT", "DETAILS"].map(String::from)];
    for (g, row) in matrix.cells.iter().enumerate() {
        for (h, cell) in row.iter().enumerate() {
            let (verdict, details) = match cell {
                Ok(r) => {
                    let severity = match r.verdict() {
                        Verdict::Error => Some(Severity::Error),
                        Verdict::Warning => Some(Severity::Warning),
                        _ => None,
                    };
                    let codes: Vec<&str> =
                        severity.map(|s| r.with_severity(s).map(|f| f.code.as_ref()).collect()).unwrap_or_default();
                    // Last, whether the guest could come back (restarted on the destination):
                    // "back ok", "back not: cpu_flags.feature-missing (erms, fsrm)".
                    let back = matrix.back.get(g).and_then(|row| row.get(h)).and_then(Option::as_ref);
                    let back = back.map(|b| format!("back {}", virt_migration_check::baseline::both_ways::in_words(b)));
                    let details: Vec<String> = (!codes.is_empty())
                        .then(|| codes.join(" "))
                        .into_iter()
                        .chain(could_not_verify(r))
                        .chain(back)
                        .collect();
                    (r.verdict().name().to_string(), details.join("; "))
                }
                Err(e) => ("not checked".to_string(), e.to_string()),
            };
            lines.push([
                matrix.guests[g].clone(),
                matrix.sources[g].clone(),
                matrix.hosts[h].clone(),
                verdict,
                details,
            ]);
        }
    }
    let mut widths = [0usize; 5];
    for line in &lines {
        for (w, field) in widths.iter_mut().zip(line) {
            *w = (*w).max(field.chars().count());
        }
    }
    for line in &lines {
        let text: Vec<String> = line.iter().zip(widths).map(|(field, w)| format!("{field:<w$}")).collect();
        println!("{}", text.join("  ").trim_end());
    }
}

/// Runs a subcommand whose failure is exit status 2 with one line on stderr, and under --json
/// (`json`) the error object on stdout.
fn or_exit_2(result: Result<ExitCode, Error>, json: bool) -> ExitCode {
    result.unwrap_or_else(|e| {
        if json {
            json::print(&json::error(&e));
        }
        eprintln!("virt-migration-check: {e}");
        ExitCode::from(2)
    })
}

struct Style {
    colour: bool,
}

impl Style {
    fn severity(&self, severity: Severity) -> String {
        let name = severity.name();
        if !self.colour {
            return format!("{name:<8}");
        }
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Skipped => "35",
            Severity::Info => "36",
            Severity::Ok => "32",
        };
        format!("\x1b[{code}m{name:<8}\x1b[0m")
    }
}

fn print_table(report: &Report, style: &Style) {
    println!("{:<8}  {:<13}  MESSAGE", "SEVERITY", "CHECK");
    for f in &report.findings {
        println!("{}  {:<13}  {}", style.severity(f.severity), f.check.name(), f.message);
        if f.severity == Severity::Ok {
            continue;
        }
        println!("{:<8}  {:<13}  code: {}", "", "", f.code);
        if let Some(hint) = &f.hint {
            println!("{:<8}  {:<13}  hint: {hint}", "", "");
        }
    }
    let count = |s| report.with_severity(s).count();
    let unverified = could_not_verify(report).map(|text| format!("; {text}")).unwrap_or_default();
    println!(
        "\nverdict: {} ({} error(s), {} warning(s), {} skipped{unverified})",
        report.verdict().name(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Skipped)
    );
}

/// "could not verify: disk_model, network_model": the checks whose SKIPPED results weigh on the
/// verdict, so that a warning (or, under --strict, an error) says where it comes from.
fn could_not_verify(report: &Report) -> Option<String> {
    let names: Vec<&str> = report.unverified().iter().map(|c| c.name()).collect();
    (!names.is_empty()).then(|| format!("could not verify: {}", names.join(", ")))
}

fn main() -> ExitCode {
    use clap::FromArgMatches;
    let cli =
        cli::command().try_get_matches().and_then(|matches| Cli::from_arg_matches(&matches)).unwrap_or_else(|e| {
            // A command line clap refuses is exit status 2 as before, and, where it asked for
            // --json, an error object too (help and --version are no failures).
            use clap::error::ErrorKind;
            let shown = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
            if !shown && e.use_stderr() && std::env::args().any(|a| a == "--json") {
                let text = e.render().to_string();
                let first = text.lines().next().unwrap_or_default();
                json::print(&json::usage_error(first.strip_prefix("error: ").unwrap_or(first)));
            }
            e.exit()
        });
    // The CLI owns its process: keep libvirt from printing every error to stderr on its own
    // (the library never touches this global state; daemons embedding it own theirs).
    virt::error::clear_error_callback();
    match cli.command {
        Command::Checks => {
            let supported = virt_migration_check::supported_checks();
            for check in Check::ALL {
                let state = if supported.contains(check.bit()) { "implemented" } else { "not yet implemented" };
                println!("{:<14} {state}", check.name());
            }
            ExitCode::SUCCESS
        }
        Command::Snapshot(args) => or_exit_2(run_snapshot(&args).map(|()| ExitCode::SUCCESS), false),
        Command::CpuCompare(args) => or_exit_2(run_cpu_compare(&args), false),
        Command::CpuBaseline(args) => or_exit_2(run_cpu_baseline(&args), false),
        Command::Baseline(args) => or_exit_2(run_baseline(&args), args.json),
        Command::Matrix(args) => or_exit_2(run_matrix(&args), args.selection.json),
        Command::Check(args) => match run_check(&args) {
            Ok(report) => {
                if args.selection.json {
                    json::print(&report.to_json());
                } else {
                    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                    print_table(&report, &Style { colour });
                }
                if report.verdict() == Verdict::Error { ExitCode::from(1) } else { ExitCode::SUCCESS }
            }
            Err(e) => or_exit_2(Err(e), args.selection.json),
        },
    }
}
